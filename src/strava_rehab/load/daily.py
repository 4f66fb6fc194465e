"""The daily distance series: the runner's log as kilometres per local day.

``RunSession.local_date`` is already the athlete's local date (the caller derives it from the
activity's start and time zone), so a run at 23:30 local time counts on that day even when it is
already tomorrow in UTC, and DST changes need no handling here. Rest days are zeros and two runs on
one day add up. Suspect-GPS runs are left out (see ``sessions``); every other run counts, including
very short, treadmill and manual ones.

Day totals are added up in chronological run order and window sums always read the same slice of
day totals, so the full and the incremental path get bit-identical figures from the same runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from strava_rehab.load.model import DayLoad, LoadThresholds, RunSession
from strava_rehab.load.sessions import LoadInputError, ReadRun, read_runs


class DailyKm:
    """Trusted km and run counts per local day, stored densely from the first trusted run on."""

    def __init__(self, read: Sequence[ReadRun]) -> None:
        trusted = [r for r in read if r.trusted]
        self.first_day: int | None = trusted[0].day if trusted else None
        start = self.first_day if self.first_day is not None else 0
        span = trusted[-1].day - start + 1 if trusted else 0
        self._km = [0.0] * span
        self._runs = [0] * span
        self._start = start
        for r in trusted:
            self._km[r.day - start] += r.km
            self._runs[r.day - start] += 1

    def total(self, first: int, last: int) -> float:
        """Kilometres over the ordinal days ``first..last`` inclusive."""
        low = max(first - self._start, 0)
        high = min(last - self._start + 1, len(self._km))
        if low >= high:
            return 0.0
        return float(sum(self._km[low:high]))

    def weeks_before(self, day: int) -> tuple[float, float]:
        """(km over the 6 days before ``day``, km over the 7 days before those).

        The hot path of the full pass: one call per run, so the slicing is done by hand.
        Slices past either end of the stored span only lose zeros, which changes no sum.
        """
        end = day - self._start
        mid = end - 6
        begin = end - 13
        values = self._km
        this_week = sum(values[mid if mid > 0 else 0 : end if end > 0 else 0])
        previous_week = sum(values[begin if begin > 0 else 0 : mid if mid > 0 else 0])
        return float(this_week), float(previous_week)

    def series(self, first: int, last: int) -> list[float]:
        """One value per day ``first..last`` inclusive, zeros outside the recorded span."""
        return [self.on(day) for day in range(first, last + 1)]

    def on(self, day: int) -> float:
        index = day - self._start
        return self._km[index] if 0 <= index < len(self._km) else 0.0

    def runs_on(self, day: int) -> int:
        index = day - self._start
        return self._runs[index] if 0 <= index < len(self._runs) else 0

    def day_loads(self, first: date, last: date) -> list[DayLoad]:
        return [
            DayLoad(
                local_date=date.fromordinal(day),
                km=self.on(day),
                runs=self.runs_on(day),
            )
            for day in range(first.toordinal(), last.toordinal() + 1)
        ]


def daily_distance_km(
    runs: Sequence[RunSession],
    start: date,
    end: date,
    *,
    thresholds: LoadThresholds | None = None,
) -> list[float]:
    """Kilometres for each local day from ``start`` to ``end`` inclusive; 0.0 on rest days.

    ``thresholds`` only decides which runs are suspect GPS glitches (left out).
    """
    if start > end:
        raise LoadInputError(f"the series start ({start}) is after its end ({end})")
    chosen = thresholds if thresholds is not None else LoadThresholds()
    daily = DailyKm(read_runs(runs, chosen, start, end))
    return daily.series(start.toordinal(), end.toordinal())
