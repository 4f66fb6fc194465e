"""The webhook code is split by meaning, and only the stores touch the database.

``strava/events.py`` is the event model, ``db/inbox_store.py`` and ``db/app_state.py`` the
storage, ``services/subscription.py`` the subscription and its secrets, ``services/inbox.py``
the orchestration; none of the services or the web modules opens a session or imports
SQLAlchemy.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import strava_rehab

PACKAGE = Path(strava_rehab.__file__).parent
NO_DATABASE = [
    "services/inbox.py",
    "services/subscription.py",
    "services/web_connect.py",
    "strava/events.py",
    *sorted(str(p.relative_to(PACKAGE)) for p in (PACKAGE / "web").glob("*.py")),
]
SESSION_CALLS = {"transaction", "read", "session", "execute", "scalars", "scalar"}


def database_use(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import | ast.ImportFrom):
            modules = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.module:
                modules.append(node.module)
            names = [a.name for a in node.names]
            if any(m.split(".")[0] == "sqlalchemy" for m in modules):
                found.append(f"line {node.lineno}: imports sqlalchemy")
            if any(m == "strava_rehab.db.models" for m in modules) and set(names) - {
                "WebhookEvent"
            }:
                found.append(f"line {node.lineno}: imports rows {names}")
        elif isinstance(node, ast.Attribute) and node.attr in SESSION_CALLS:
            target = node.value
            owner = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", "")
            if owner in ("db", "session"):
                found.append(f"line {node.lineno}: {owner}.{node.attr}")
    return found


@pytest.mark.parametrize("module", NO_DATABASE)
def test_the_webhook_services_and_the_web_leave_the_database_to_the_stores(module: str) -> None:
    assert database_use((PACKAGE / module).read_text(encoding="utf-8")) == []


def test_the_check_sees_a_session() -> None:
    assert database_use("with ctx.db.transaction() as session:\n    session.get(A, 1)")
    assert database_use("from sqlalchemy import select")


def test_the_inbox_is_split_into_modules_named_for_what_they_do() -> None:
    for module in ("strava/events.py", "db/inbox_store.py", "services/subscription.py"):
        assert (PACKAGE / module).is_file(), module
    inbox = (PACKAGE / "services/inbox.py").read_text(encoding="utf-8")
    for moved in ("class EventPayload", "def webhook_secrets", "def save_subscription"):
        assert moved not in inbox
