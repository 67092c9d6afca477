"""The benchmark scripts in bench/: their pure parts, and short real runs."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

from tests.conftest import REPO

BENCH = REPO / "bench"


def load_bench_script(name: str) -> ModuleType:
    """Import ``bench/<name>.py``, a script rather than a package module, for its functions."""
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))  # the scripts import benchlib and each other
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it executes
    spec.loader.exec_module(module)
    return module
