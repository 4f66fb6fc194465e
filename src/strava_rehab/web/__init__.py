"""The web entry point: Strava's webhook, the browser connect flow, and a health check."""

from strava_rehab.web.app import create_app

__all__ = ["create_app"]
