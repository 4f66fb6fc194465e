"""Training monotony and strain over 7 days (Foster 1998), informational only.

``monotony = mean(daily km) / SD(daily km)`` over the 7 local days ending on the day, rest days
included as 0; ``strain = weekly km × monotony``. The SD is the **population** SD (divide by 7):
the week is the whole population being described, not a sample of a larger one. Both are None when
the SD is 0 (seven identical days, including seven rest days), where the ratio is undefined.
Foster's outcome was illness, not injury, and the often quoted "monotony above 2" threshold has no
primary source, so nothing is flagged from these figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from statistics import fmean, pstdev


def monotony_and_strain(week_km: Sequence[float]) -> tuple[float | None, float | None]:
    # pstdev works in exact fractions, so seven equal days give exactly 0, not float dust.
    spread = pstdev(week_km)
    if spread == 0:
        return None, None
    monotony = fmean(week_km) / spread
    return monotony, sum(week_km) * monotony
