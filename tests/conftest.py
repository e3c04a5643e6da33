"""Test settings shared by every suite."""

import os

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
