"""The exported file: keys, layout, determinism, ruff-clean, names (docs/design.md §3, §7)."""

from __future__ import annotations

import ast
import importlib.util
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from resattn.build import build
from resattn.counting import analytic_params
from resattn.export.fold_bn import fold_batchnorm
from resattn.export.python_code import export_python, exported_class_name
from resattn.export.reusable import constructor_arguments
from resattn.loading import load_spec
from resattn.presets import preset_names
from schemas import DesignError, SpecError, parse_spec
from tests.specs import block_spec
from tests.strategies import (
    KINDS,
    attention_dicts,
    block_dicts,
    block_specs,
    network_dicts,
    network_specs,
)

REPO = Path(__file__).resolve().parents[2]


def _import(code: str, root: Path, name: str = "exported"):
    path = root / f"{name}.py"
    path.write_text(code, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@settings(max_examples=25)
@given(st.one_of(block_specs(), network_specs()), st.booleans())
def test_state_dict_keys_equal_the_library(spec, fold):
    library = build(spec)
    library = fold_batchnorm(library) if fold else library
    with tempfile.TemporaryDirectory() as tmp:
        exported = _import(export_python(spec, fold_bn=fold), Path(tmp)).build_model()
    assert list(exported.state_dict()) == list(library.state_dict())
    assert exported.training is not fold  # an inference export comes in eval mode


def test_forward_reads_like_the_diagram():
    code = export_python(_block({"skip": {"type": "se"}, "post_add": {"type": "eca"}}, stride=2))
    forward = code[code.index("def forward(self, x: torch.Tensor)", code.index("class Wired")) :]
    steps = [
        "identity = x if self.shortcut is None else self.shortcut(x)",
        "identity = self.attn_skip(identity)",
        "out = self.branch(x)",
        "out = out + identity",
        "out = self.attn_post(out)",
        "return self.act(out)",
    ]
    positions = [forward.index(step) for step in steps]
    assert positions == sorted(positions)
    assert "notes §12.2" in forward  # why the projection is there
    assert "notes §3, §6" in forward  # why the skip gate starts at identity
    assert "def build_model() -> Wired:" in code


def test_identity_skip_reads_identity_equals_x():
    code = export_python({**load_spec("preset:p1_se").model_dump(), "shortcut": "identity"})
    assert "identity = x\n" in code and "out = out + identity\n" in code
    assert "self.attn_pre" not in code and "self.attn_post" not in code  # only what is used
    assert "self.shortcut" not in code and "projection" not in code
    assert "identity = x\n" in export_python("preset:se_resnet50")  # a network's blocks


@pytest.mark.parametrize(
    "name, cls",
    [
        ("se_bottleneck", "SeBottleneck"),
        ("Wired", "Wired"),
        ("p4_se", "P4Se"),
        ("f", "FDesign"),  # `F` is torch.nn.functional in the file
        ("gate", "GateDesign"),  # `Gate` is the attention gate class
        ("none", "NoneDesign"),  # a keyword
        ("block_p1", "BlockP1Design"),  # a network's block class name
    ],
)
def test_class_name_is_pascal_case_from_the_design_name(name, cls):
    code = export_python({**_block({"branch": {"type": "se"}}), "name": name})
    assert f"class {cls}(nn.Module):" in code and f"def build_model() -> {cls}:" in code
    assert exported_class_name({**_block({}), "name": name}) == cls


def test_block_class_takes_sizes_and_options_with_the_design_defaults():
    spec = _block({"branch": {"type": "se", "reduction": 4}, "skip": {"type": "eca"}}, stride=2)
    code = export_python(spec)
    init = code[code.index("    def __init__(", code.index("class Wired")) :]
    init = init[: init.index("super().__init__()")]
    for param in (
        "in_channels: int = 8",
        "out_channels: int = 16",
        "stride: int = 2",
        "zero_init_last_bn: bool = True",
        "branch_reduction: int = 4",
        "branch_divisor: int = 8",
        'branch_gate: str = "sigmoid"',
        "skip_kernel_size: int | None = None",
    ):
        assert param in init, param
    assert list(constructor_arguments(parse_spec(spec))) == [
        "in_channels",
        "out_channels",
        "stride",
        "zero_init_last_bn",
        "branch_reduction",
        "branch_divisor",
        "branch_gate",
        "skip_kernel_size",
        "skip_gate",
    ]


@pytest.mark.parametrize("name", ["preset:p4_cbam", "preset:resnet18", "preset:p1_eca"])
def test_running_the_file_prints_the_summary_and_checks_a_forward(name, tmp_path):
    spec = load_spec(name)
    path = tmp_path / "exported.py"
    path.write_text(export_python(spec), encoding="utf-8")
    out = subprocess.run(
        [sys.executable, "-I", str(path)], capture_output=True, text=True, timeout=300, cwd=tmp_path
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.startswith(f"{spec.name}: a residual")
    assert f"parameters: {analytic_params(spec):,}" in out.stdout
    assert "(as designed)" in out.stdout


def test_docstring_states_formula_and_pattern():
    code = export_python("preset:p4_cbam")
    doc = ast.get_docstring(ast.parse(code))
    assert "y = relu(CBAM(x) + CBAM(F(x)))" in doc
    assert "P4" in doc and "P1" in doc and "notes §3" in doc
    net_doc = ast.get_docstring(ast.parse(export_python("preset:se_resnet50")))
    assert "y = relu(P(x) + SE(F(x)))  [block 1]" in net_doc


@pytest.mark.parametrize("name", ["preset:se_resnet50", "preset:p4_coord"])
def test_torch_is_the_only_import(name):
    tree = ast.parse(export_python(name))
    roots = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    }
    roots |= {
        node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
    }
    assert roots == {"torch"}


def test_attention_classes_are_the_library_source():
    import inspect

    from resattn.attention import CBAM, CoordAttention, EfficientChannelAttention, SqueezeExcite

    code = export_python(_block({s: {"type": t} for s, t in zip(SLOTS, TYPES, strict=True)}))
    for cls in (SqueezeExcite, EfficientChannelAttention, CBAM, CoordAttention):
        assert inspect.getsource(cls) in code


SLOTS = ("pre_residual", "branch", "skip", "post_add")
TYPES = ("se", "eca", "cbam", "coord")


def _block(slots: dict, stride: int = 1, name: str = "Wired") -> dict:
    out = 16 if stride == 2 else 8
    return block_spec(8, out, height=6, block={"stride": stride}, slots=slots, name=name)


@settings(max_examples=10)
@given(st.one_of(block_specs(), network_specs()), st.booleans())
def test_export_is_deterministic(spec, fold):
    assert export_python(spec, fold_bn=fold) == export_python(spec, fold_bn=fold)


def test_export_is_byte_stable_across_interpreters():
    """Same bytes in a fresh interpreter with another hash seed (no set/dict-order leaks)."""
    names = ["se_resnet50", "p4_cbam", "preact_block"]
    script = (
        "import sys, hashlib\n"
        "from resattn.export.python_code import export_python\n"
        "for n in sys.argv[1:]:\n"
        "    print(hashlib.sha256(export_python('preset:' + n).encode()).hexdigest())\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run(
        [sys.executable, "-c", script, *names], capture_output=True, text=True, env=env, cwd=REPO
    )
    assert out.returncode == 0, out.stderr[-2000:]
    import hashlib

    here = [hashlib.sha256(export_python(f"preset:{n}").encode()).hexdigest() for n in names]
    assert out.stdout.split() == here


def _ruff(root: Path) -> None:
    """Ruff with the repository's settings (pyproject.toml: line length 100, E F W I B UP BLE)."""
    config = ["--config", str(REPO / "pyproject.toml")]
    for cmd in (["check", "--no-cache"], ["format", "--check", "--no-cache"]):
        proc = subprocess.run(
            ["ruff", *cmd, *config, str(root)], capture_output=True, text=True, cwd=root
        )
        assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]


def test_preset_exports_are_ruff_clean(tmp_path):
    for name in preset_names():
        for fold in (False, True):
            code = export_python(f"preset:{name}", fold_bn=fold)
            (tmp_path / f"{name}{'_folded' if fold else ''}.py").write_text(code)
    _ruff(tmp_path)


@settings(max_examples=3)
@given(st.lists(st.one_of(block_dicts(), network_dicts()), min_size=12, max_size=12), st.booleans())
def test_generated_exports_are_ruff_clean(dicts, fold):
    with tempfile.TemporaryDirectory() as tmp:
        for i, data in enumerate(dicts):
            code = export_python(parse_spec(data), fold_bn=fold)
            (Path(tmp) / f"case_{i}.py").write_text(code)
        _ruff(Path(tmp))


@pytest.mark.parametrize("name", ["SqueezeExcite", "Gate", "basic_branch", "build_model", "model"])
def test_names_the_file_defines_are_refused(name):
    with pytest.raises(SpecError, match="name"):
        export_python(_block({"branch": {"type": "se"}}, name=name))


@pytest.mark.parametrize("name", ["BlockProjP1", "Block", "stage1"])
def test_names_the_exported_network_code_uses_are_refused_by_the_schema(name):
    data = load_spec("preset:resnet18").model_dump(mode="json") | {"name": name}
    with pytest.raises(SpecError, match="name"):
        load_spec(data)
    with pytest.raises(SpecError, match="name"):
        export_python(data)


def test_design_errors_block_export():
    data = _block({}, stride=2) | {"shortcut": "identity"}
    with pytest.raises(DesignError):
        export_python(data)


def test_inference_export_says_which_bns_stay():
    code = export_python("preset:p1_cbam", fold_bn=True)
    assert "nn.BatchNorm2d" in code  # CBAM's spatial BN, inside the verbatim class
    helper = next(p for p in code.split("\n\n\n") if p.startswith("def ") and "_branch(" in p)
    assert "branch.bn" not in helper and "bias=False" not in helper
    assert "return model.eval()" in code


@settings(max_examples=60)
@given(attn=attention_dicts(KINDS), channels=st.integers(1, 2048))
def test_reusable_sizes_equal_the_kind_records(attn, channels):
    """The reusable class sizes each kind as the library does, for any channel count."""
    import inspect as _inspect

    from resattn.attention import kind_of, kinds
    from resattn.export import reusable

    assert set(reusable.SIZE_SOURCES) == {k.type for k in kinds()}  # every shipped kind has a row
    spec = parse_spec(_block({"branch": attn}))
    a = spec.slots.branch
    scope = {r.__name__: r for _, _, rules in reusable.SIZE_SOURCES.values() for r in rules}
    scope |= {f"v_{f}": getattr(a, f) for f in type(a).model_fields}
    scope["math"] = __import__("math")
    sources = reusable.SIZE_SOURCES[a.type][0]("channels", lambda f: f"v_{f}")
    got = tuple(eval(text, {**scope, "channels": channels}) for text in sources)  # noqa: S307
    assert got == tuple(kind_of(a).sizes(channels, a))
    code = export_python(spec)
    assert all(_inspect.getsource(rule) in code for rule in reusable.SIZE_SOURCES[a.type][2])
