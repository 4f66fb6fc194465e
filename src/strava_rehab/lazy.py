"""Lazy package exports (PEP 562): ``from strava_rehab.load import analyze`` keeps working, but
importing ``strava_rehab.load.model`` for one class no longer loads the whole package.

Why: the settings need a threshold class from ``load``, a policy class from ``rehab`` and a
language list from ``pain``; with eager re-exports in each ``__init__`` that pulled in every
rule, renderer and vocabulary reader, a tenth of a second on every command, even a quiet
``worker --once`` that decides nothing. Each package lists its exports once, by module; type
checkers read the same names from an ``if TYPE_CHECKING:`` block of real imports.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(package: str, exports: Mapping[str, tuple[str, ...]]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package``: ``exports`` maps each submodule (relative name)
    to the names it provides; the first access imports it and caches the value."""
    where = {name: module for module, names in exports.items() for name in names}
    # Importing a submodule binds its name on the package, over any export of that name
    # (``rehab.decide`` the module would shadow ``decide`` the function): never allowed.
    clashes = sorted(set(where) & set(exports))
    if clashes:
        raise ValueError(f"{package}: exports named like its submodules: {', '.join(clashes)}")
    namespace = importlib.import_module(package).__dict__

    def __getattr__(name: str) -> Any:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{module}"), name)
        namespace[name] = value  # later lookups are plain attribute reads
        return value

    return __getattr__
