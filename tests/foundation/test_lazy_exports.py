"""The packages with lazy exports (``strava_rehab.lazy``) export what they always did.

Run in a fresh interpreter: every submodule is imported *first* (as any caller may do), and
only then is every name of ``__all__`` read; each must be the function, class or constant it
names, never a submodule bound over it.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

LAZY_PACKAGES = (
    "strava_rehab.load",
    "strava_rehab.pain",
    "strava_rehab.rehab",
    "strava_rehab.content",
)

CHECK = """
import importlib, json, pkgutil, sys, types
package = importlib.import_module(sys.argv[1])
for info in pkgutil.iter_modules(package.__path__):
    importlib.import_module(f"{package.__name__}.{info.name}")
bad = {name: type(getattr(package, name)).__name__ for name in package.__all__
       if isinstance(getattr(package, name), types.ModuleType)}
print(json.dumps(bad))
"""


@pytest.mark.parametrize("package", LAZY_PACKAGES)
def test_every_export_is_what_it_names_even_after_its_submodules_were_imported(
    package: str,
) -> None:
    result = subprocess.run(
        [sys.executable, "-c", CHECK, package],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {}


def test_an_unknown_name_is_an_attribute_error() -> None:
    import strava_rehab.rehab as rehab

    with pytest.raises(AttributeError, match="no attribute 'decide_everything'"):
        getattr(rehab, "decide_everything")  # noqa: B009 - a name mypy rightly rejects
