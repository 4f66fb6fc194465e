"""Google's encoded polyline format, so seeded runs carry a plausible ``summary_polyline``."""

from __future__ import annotations

import math


def _encode_value(value: int) -> str:
    shifted = ~(value << 1) if value < 0 else value << 1
    chunks: list[str] = []
    while shifted >= 0x20:
        chunks.append(chr((0x20 | (shifted & 0x1F)) + 63))
        shifted >>= 5
    chunks.append(chr(shifted + 63))
    return "".join(chunks)


def encode_polyline(points: list[tuple[float, float]]) -> str:
    """Encode (lat, lng) pairs with 5-decimal precision, as Strava's maps do."""
    encoded: list[str] = []
    prev_lat = prev_lng = 0
    for lat, lng in points:
        ilat, ilng = round(lat * 1e5), round(lng * 1e5)
        encoded.append(_encode_value(ilat - prev_lat))
        encoded.append(_encode_value(ilng - prev_lng))
        prev_lat, prev_lng = ilat, ilng
    return "".join(encoded)


def loop_route(start: tuple[float, float], distance_m: float, points: int = 12) -> str:
    """A closed loop through ``start`` whose circumference roughly matches ``distance_m``."""
    radius_deg = distance_m / (2 * math.pi) / 111_000
    lat0, lng0 = start
    centre_lat = lat0 - radius_deg
    lng_scale = math.cos(math.radians(lat0))
    route = [
        (
            centre_lat + radius_deg * math.cos(2 * math.pi * i / points),
            lng0 + radius_deg * math.sin(2 * math.pi * i / points) / lng_scale,
        )
        for i in range(points + 1)
    ]
    return encode_polyline(route)
