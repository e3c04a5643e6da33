"""resattn — residual blocks with attention, designed as specs and compiled to PyTorch.

    from resattn import load_spec, build, check, profile, export_python, share_token
    spec = load_spec("preset:se_bottleneck")   # path | JSON text | dict | token | preset:NAME
    model = build(spec)                         # torch.nn.Module

The engine never imports Streamlit. Public names are imported lazily so `import resattn` is
cheap and each part (checks, profiling, diagrams, export, the lab) loads only when used.
"""

from __future__ import annotations

import importlib
from typing import Any

_PUBLIC = {
    "load_spec": "resattn.loading",
    "build": "resattn.build",
    "count_params": "resattn.build",
    "lint": "resattn.lint",
    "check": "resattn.check",
    "profile": "resattn.profile",
    "render_ascii": "resattn.diagrams.ascii",
    "render_dot": "resattn.diagrams.dot",
    "export_python": "resattn.export.python_code",
    "export_onnx": "resattn.export.onnx",
    "share_token": "resattn.export.share",
    "ablate": "resattn.lab.ablate",
    "import_model": "resattn.importing",
    "diff": "resattn.diff",
    "show": "resattn.notebook",
    "parse_spec": "schemas",
    "canonical_json": "schemas",
    "SpecError": "schemas",
    "DesignError": "schemas",
    "ResAttnError": "schemas",
}

__all__ = sorted(_PUBLIC)
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'resattn' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_PUBLIC))
