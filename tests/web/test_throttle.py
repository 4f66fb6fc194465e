"""The /connect throttle: per client, refilled with time, shared cap, bounded memory."""

from __future__ import annotations

from strava_rehab.web.throttle import Throttle


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_a_client_gets_its_share_per_minute_then_waits() -> None:
    clock = Clock()
    throttle = Throttle(3, clock)
    assert [throttle.wait_s("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    wait = throttle.wait_s("a")
    assert 19.0 <= wait <= 20.0  # one attempt back every 20 s
    assert throttle.wait_s("b") == 0.0  # another client is not held up
    clock.now += 20
    assert throttle.wait_s("a") == 0.0
    assert throttle.wait_s("a") > 0
    clock.now += 3600
    assert [throttle.wait_s("a") for _ in range(4)] == [0.0, 0.0, 0.0, 20.0]


def test_all_clients_together_are_capped_too() -> None:
    clock = Clock()
    throttle = Throttle(2, clock, overall_factor=5)
    allowed = [throttle.wait_s(f"10.0.0.{i}") == 0.0 for i in range(50)]
    assert sum(allowed) == 10
    # A client refused by the shared cap kept its own attempts.
    clock.now += 12  # the shared bucket (10/min) refills one
    assert throttle.wait_s("10.0.0.49") == 0.0


def test_memory_is_bounded_by_the_clients_it_remembers() -> None:
    throttle = Throttle(1, Clock(), max_clients=100, overall_factor=100_000)
    for i in range(10_000):
        throttle.wait_s(f"client-{i}")
    assert len(throttle) == 100
