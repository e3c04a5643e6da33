"""Test settings shared by every suite."""

import os
import sys

import pytest
import torch
from hypothesis import HealthCheck, settings

# Property tests: deterministic in CI, no per-example deadline (torch's first calls are slow).
settings.register_profile(
    "default",
    max_examples=int(os.environ.get("HYPOTHESIS_MAX_EXAMPLES", "40")),
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile("default")

# One set of browser fixtures (one Chromium) for every folder with browser tests.
pytest_plugins = ["tests.e2e.fixtures"]

torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))


@pytest.fixture(autouse=True)
def _main_module_kept():
    """An AppTest script run replaces ``sys.modules["__main__"]`` with its script; restore it,
    or a later test's ``spawn`` worker would run that script as its main module."""
    main = sys.modules.get("__main__")
    yield
    if main is not None and sys.modules.get("__main__") is not main:
        sys.modules["__main__"] = main
