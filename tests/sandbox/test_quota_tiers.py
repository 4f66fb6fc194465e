"""Per-app quota tiers: presets at start and through the control API, seen in the headers."""

from __future__ import annotations

import pytest
import requests

from strava_rehab.sandbox import Sandbox, SandboxConfig
from strava_rehab.sandbox.rate_limits import QUOTA_TIERS

from .support import bearer, fast_config, login


def test_default_is_standard_tier(sandbox: Sandbox) -> None:
    state = sandbox.state()
    assert state["quota_tier"] == "standard"
    assert state["limits"] == {"overall": [200, 2000], "read": [100, 1000]}


def test_extended_tier_at_start_shows_in_headers(http: requests.Session) -> None:
    with Sandbox(fast_config(quota_tier="extended")) as sb:
        token = login(sb, http)
        response = http.get(f"{sb.url}/api/v3/athlete", headers=bearer(token))
        overall, read = QUOTA_TIERS["extended"]
        assert response.headers["X-RateLimit-Limit"] == f"{overall[0]},{overall[1]}"
        assert response.headers["X-ReadRateLimit-Limit"] == f"{read[0]},{read[1]}"
        assert sb.state()["quota_tier"] == "extended"


def test_tier_and_explicit_limits_conflict() -> None:
    with pytest.raises(ValueError, match="either quota_tier"):
        SandboxConfig(quota_tier="extended", read_limits=(5, 50))
    with pytest.raises(ValueError, match="unknown quota_tier"):
        SandboxConfig(quota_tier="platinum")


def test_tier_via_control_api_and_back(sandbox: Sandbox, http: requests.Session) -> None:
    base = f"{sandbox.url}/_sandbox/config"
    state = http.post(base, json={"quota_tier": "reviewed"}).json()
    assert state["limits"] == {"overall": [600, 6000], "read": [300, 3000]}
    assert state["quota_tier"] == "reviewed"
    state = http.post(base, json={"limits": {"read": [7, 70]}}).json()
    assert state["quota_tier"] == "custom"
    assert http.post(base, json={"quota_tier": "standard"}).json()["quota_tier"] == "standard"
    refused = http.post(base, json={"quota_tier": "gold"})
    assert refused.status_code == 400
    assert "known tiers" in refused.json()["error"]


def test_latency_settings_via_control_api(sandbox: Sandbox, http: requests.Session) -> None:
    base = f"{sandbox.url}/_sandbox/config"
    state = http.post(base, json={"latency_s": 0.01, "refresh_latency_s": 0.2}).json()
    assert (state["latency_s"], state["refresh_latency_s"]) == (0.01, 0.2)
    assert http.post(base, json={"latency_s": -1}).status_code == 400
