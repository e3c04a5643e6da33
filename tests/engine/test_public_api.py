"""The public names of `resattn` are the documented functions, whatever was imported first."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHADOWED = ["lint", "check", "build", "profile", "diff"]


@pytest.mark.parametrize("name", SHADOWED)
def test_a_public_function_is_not_shadowed_by_its_submodule(name):
    code = (
        f"import resattn.{name}, types\n"  # the submodule first: Python binds it on the package
        f"from resattn import {name} as public\n"
        f"import resattn\n"
        f"assert callable(public) and not isinstance(public, types.ModuleType), public\n"
        f"assert resattn.{name} is public\n"
        f"from resattn.{name} import {name} as direct\n"
        f"assert direct is public\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
