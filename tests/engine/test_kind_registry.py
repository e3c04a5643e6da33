"""One home per kind: every consumer's set of attention kinds is the registry's, and a kind
defined in one new file reaches all of them with no other file edited."""

from __future__ import annotations

import pathlib
import shutil
import subprocess
import sys
import textwrap

from components import texts
from resattn.attention import kinds
from resattn.attention.registry import kinds_table
from resattn.export.attention_code import CLASS_NAMES
from resattn.presets import preset_names
from schemas import ATTENTION_LABELS, ATTENTION_MODELS, json_schema
from tests import strategies

ROOT = pathlib.Path(__file__).resolve().parents[2]
REGISTRY = [k.type for k in kinds()]


def _schema_kinds(schema: dict) -> set[str]:
    """The `type` tags of the union the slots' JSON Schema allows."""
    slot = schema["$defs"]["Slots"]["properties"]["branch"]
    refs = [v["$ref"] for option in slot["anyOf"] for v in option.get("oneOf", [])]
    return {schema["$defs"][r.rsplit("/", 1)[1]]["properties"]["type"]["const"] for r in refs}


def test_every_consumer_sees_exactly_the_registry():
    assert list(ATTENTION_MODELS) == REGISTRY  # the schema's union
    assert _schema_kinds(json_schema()) == set(REGISTRY)  # the JSON Schema
    assert list(texts.ATTENTION) == REGISTRY  # the studio's palette and help
    assert list(strategies.KINDS) == REGISTRY  # the property-test strategies
    assert CLASS_NAMES == {"Gate", *(k.module.__name__ for k in kinds())}  # the exporter
    assert {n.split("_", 1)[1] for n in preset_names() if n.startswith("p1_")} == set(REGISTRY)
    assert list(ATTENTION_LABELS) == REGISTRY


def test_the_docs_table_is_the_registry():
    """docs/design.md carries the kinds table `kinds_table()` renders (regenerate it there)."""
    assert kinds_table() in (ROOT / "docs" / "design.md").read_text(encoding="utf-8")


TOY = '''
"""A toy gate for the registry test: α = gate(w ⊙ mean(x)), one weight per channel."""

from typing import Annotated, Literal

import torch
from pydantic import Field
from torch import nn

from resattn.attention.gate import Gate
from resattn.attention.registry import AttentionKind, register_kind
from schemas.common import Gate as GateField
from schemas.common import SpecModel


class ToyGate(nn.Module):
    def __init__(self, channels: int, gate: str = "sigmoid", identity_start: bool = False):
        super().__init__()
        self.weight = nn.Parameter(torch.full((1, channels, 1, 1), 0.0 if identity_start else 1.0))
        self.gate = Gate(gate, identity_start)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.gate(self.weight * x.mean((2, 3), keepdim=True))


class ToyAttention(SpecModel):
    type: Annotated[Literal["toy"], Field(description="A toy gate.")]
    gate: GateField = "sigmoid"


def _work(sizes, n, c, h, w, extra):
    # no MACs; the mean, w ⊙ mean, the gate (and its doubling), x ⊙ α
    return 0, 2 * n * c * h * w + n * c * (2 + extra)


KIND = register_kind(
    AttentionKind(
        type="toy",
        options=ToyAttention,
        module=ToyGate,
        sizes=lambda c, spec: (c,),
        params=lambda c, spec: c,
        label="Toy",
        name="Toy gate",
        description="channels",
        citation="a test",
        traits=frozenset({"channel"}),
        order=999,
        detail=lambda spec: "toy",
        work=_work,
    )
)
'''

PROBE = """
import json, torch
import schemas
from components import texts
from resattn.build import build
from resattn.export.python_code import export_python
from resattn.lint import lint
from resattn.export.attention_code import CLASS_NAMES
from resattn.attention.registry import kinds_table
from resattn.presets import preset_names
from tests import strategies

spec = {
    "input": {"channels": 8, "height": 5, "width": 5},
    "block": {"type": "basic", "out_channels": 8},
    "slots": {s: {"type": "toy"} for s in schemas.SLOT_NAMES},
}
assert "toy" in schemas.ATTENTION_MODELS
assert '"toy"' in json.dumps(schemas.json_schema())
assert texts.ATTENTION["toy"] == ("Toy", "Toy gate", "channels")
assert "toy" in strategies.KINDS
assert "ToyGate" in CLASS_NAMES and "| `toy` |" in kinds_table()
assert "p1_toy" in preset_names() and "p4_toy" in preset_names()
model = build(spec).eval()
namespace = {}
exec(compile(export_python(spec), "exported.py", "exec"), namespace)
exported = namespace["build_model"]().eval()
exported.load_state_dict(model.state_dict())
x = torch.randn(2, 8, 5, 5)
assert torch.allclose(model(x), exported(x), atol=1e-6)
assert not [d for d in lint(spec) if d.severity == "error"]
from resattn.estimates import compute_rows
from resattn.profile import _input, count
counted = count(model, _input(schemas.parse_spec(spec)))
assert compute_rows(schemas.parse_spec(spec)) == counted.per_module
assert sum(r.name.startswith("attn_") for r in counted.per_module) == len(schemas.SLOT_NAMES)
print("toy kind everywhere")
"""


def test_a_kind_in_one_new_file_reaches_every_consumer(tmp_path):
    """A copy of the code with one new file under resattn/attention/ and nothing else edited."""
    for part in ("resattn", "schemas", "components"):
        shutil.copytree(ROOT / part, tmp_path / part, ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "tests").mkdir()
    for name in ("__init__.py", "strategies.py"):
        shutil.copy(ROOT / "tests" / name, tmp_path / "tests" / name)
    (tmp_path / "resattn" / "attention" / "toy.py").write_text(textwrap.dedent(TOY))
    proc = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=tmp_path,
        env={"PYTHONPATH": str(tmp_path), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "toy kind everywhere" in proc.stdout
