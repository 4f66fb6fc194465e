"""Strava's endpoints as this product uses them, parsed with stravalib's own models."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from pydantic import BaseModel

from strava_rehab.strava.http import StravaHttp

if TYPE_CHECKING:
    from stravalib import model as strava_model

PER_PAGE_MAX = 200


class TokenGrant(BaseModel):
    access_token: str
    refresh_token: str
    expires_at: datetime
    athlete: dict[str, Any] | None = None

    def __repr__(self) -> str:  # tokens must not leak through logs or tracebacks
        return f"TokenGrant(expires_at={self.expires_at.isoformat()}, athlete={self.athlete_id})"

    __str__ = __repr__

    @property
    def athlete_id(self) -> int | None:
        return int(self.athlete["id"]) if self.athlete and "id" in self.athlete else None


def _grant(body: dict[str, Any]) -> TokenGrant:
    return TokenGrant(
        access_token=body["access_token"],
        refresh_token=body["refresh_token"],
        expires_at=datetime.fromtimestamp(int(body["expires_at"]), UTC),
        athlete=body.get("athlete"),
    )


class StravaApp:
    """Calls made with the app's own credentials: OAuth and the push subscription."""

    def __init__(self, http: StravaHttp, client_id: int, client_secret: str) -> None:
        self.http = http
        self.client_id = client_id
        self._secret = client_secret

    def authorize_url(
        self, redirect_uri: str, scope: str, state: str, approval_prompt: str = "auto"
    ) -> str:
        query = urlencode(
            {
                "client_id": self.client_id,
                "redirect_uri": redirect_uri,
                "response_type": "code",
                "approval_prompt": approval_prompt,
                "scope": scope,
                "state": state,
            }
        )
        return f"{self.http.base}/oauth/authorize?{query}"

    def _token(self, grant: dict[str, str]) -> TokenGrant:
        # Neither a single-use code nor a refresh token (rotated, the old one dead at once) may
        # be sent twice blindly: a lost answer raises http.AnswerLost for the caller to handle.
        credentials = {"client_id": str(self.client_id), "client_secret": self._secret}
        response = self.http.request(
            "POST",
            "/oauth/token",
            data={**credentials, **grant},
            counted=False,
            idempotent=False,
        )
        return _grant(response.json())

    def exchange_code(self, code: str) -> TokenGrant:
        return self._token({"code": code, "grant_type": "authorization_code"})

    def refresh(self, refresh_token: str) -> TokenGrant:
        return self._token({"refresh_token": refresh_token, "grant_type": "refresh_token"})

    def deauthorize(self, access_token: str) -> None:
        self.http.request(
            "POST", "/oauth/deauthorize", data={"access_token": access_token}, counted=False
        )

    def _credentials(self) -> dict[str, Any]:
        return {"client_id": self.client_id, "client_secret": self._secret}

    def create_subscription(self, callback_url: str, verify_token: str) -> int:
        response = self.http.request(
            "POST",
            "/api/v3/push_subscriptions",
            data={
                **self._credentials(),
                "callback_url": callback_url,
                "verify_token": verify_token,
            },
        )
        return int(response.json()["id"])

    def list_subscriptions(self) -> list[dict[str, Any]]:
        response = self.http.request(
            "GET", "/api/v3/push_subscriptions", params=self._credentials()
        )
        body = response.json()
        return body if isinstance(body, list) else []

    def delete_subscription(self, subscription_id: int) -> None:
        self.http.request(
            "DELETE", f"/api/v3/push_subscriptions/{subscription_id}", params=self._credentials()
        )


class AthleteApi:
    """Calls made on behalf of one athlete, with their access token."""

    def __init__(self, http: StravaHttp, access_token: str) -> None:
        self.http = http
        self._token = access_token

    def athlete(self) -> strava_model.DetailedAthlete:
        # Imported here, not at the top: stravalib's models are slow to load and most commands
        # never parse an athlete.
        from stravalib import model as strava_model

        body = self.http.request("GET", "/api/v3/athlete", token=self._token).json()
        return strava_model.DetailedAthlete.model_validate(body)

    def activity_page(
        self, *, after: int | None, before: int | None, page: int, per_page: int = PER_PAGE_MAX
    ) -> list[dict[str, Any]]:
        params: dict[str, Any] = {"page": page, "per_page": per_page}
        if after is not None:
            params["after"] = after
        if before is not None:
            params["before"] = before
        body = self.http.request(
            "GET", "/api/v3/athlete/activities", token=self._token, params=params
        ).json()
        return [item for item in body if isinstance(item, dict)] if isinstance(body, list) else []

    def activity_pages(
        self, *, after: int | None, before: int | None = None, first_page: int = 1
    ) -> Iterator[tuple[int, list[dict[str, Any]]]]:
        """Pages until an *empty* one: Strava may return short pages that are not the last."""
        page = first_page
        while True:
            items = self.activity_page(after=after, before=before, page=page)
            if not items:
                return
            yield page, items
            page += 1

    def activity(self, activity_id: int) -> dict[str, Any]:
        body = self.http.request(
            "GET", f"/api/v3/activities/{activity_id}", token=self._token
        ).json()
        return body if isinstance(body, dict) else {}

    def update_description(self, activity_id: int, description: str) -> dict[str, Any]:
        body = self.http.request(
            "PUT",
            f"/api/v3/activities/{activity_id}",
            token=self._token,
            json={"description": description},
        ).json()
        return body if isinstance(body, dict) else {}
