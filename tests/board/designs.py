"""Small designs for the board tests (a basic block at 16 channels on 8×8: fast to count)."""

from __future__ import annotations

from schemas import parse_spec
from tests.specs import block_spec


def small_design(name: str = "tiny", slot: str | None = "branch", kind: str = "se") -> dict:
    slots = {"pre_residual": None, "branch": None, "post_add": None, "skip": None}
    if slot:
        slots[slot] = {"type": kind}
    return parse_spec(
        block_spec(16, batch=1, block={"stride": 1}, slots=slots, name=name, schema_version=1)
    ).model_dump(mode="json")


def broken_design() -> dict:
    """Valid JSON and schema, but a linter error: identity shortcut where the channels change."""
    data = small_design("broken")
    data["block"]["out_channels"] = 32
    data["shortcut"] = "identity"
    return data
