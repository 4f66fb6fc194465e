"""The in-process write lock hands over in arrival order and is re-entrant for its owner."""

from __future__ import annotations

import threading
import time

from strava_rehab.db.engine import FairWriteLock


def test_writers_are_served_in_arrival_order() -> None:
    lock = FairWriteLock()
    order: list[int] = []
    holder_in = threading.Event()

    def holder() -> None:
        with lock:
            holder_in.set()
            time.sleep(0.2)

    def writer(n: int) -> None:
        with lock:
            order.append(n)

    first = threading.Thread(target=holder)
    first.start()
    holder_in.wait(5)
    threads = []
    for n in range(5):
        t = threading.Thread(target=writer, args=(n,))
        t.start()
        threads.append(t)
        time.sleep(0.02)  # arrive in a known order while the lock is held
    for t in [first, *threads]:
        t.join(5)
    assert order == [0, 1, 2, 3, 4]


def test_owner_can_reenter() -> None:
    lock = FairWriteLock()
    with lock, lock:
        pass
    done = threading.Event()

    def other() -> None:
        with lock:
            done.set()

    t = threading.Thread(target=other)
    t.start()
    t.join(2)
    assert done.is_set()  # fully released after the nested exit
