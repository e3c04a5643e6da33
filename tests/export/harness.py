"""Equivalence harness: the library's module vs its exported file, in a fresh interpreter.

Many specs go into one subprocess call (one interpreter start per batch, not per spec): for each
spec the parent builds the module, gives it random non-degenerate weights (zero-init and
identity-start would otherwise hide the branch and the skip gates), writes the exported file, the
state_dict and an input (tensors only), and computes the expected outputs. `isolated_runner.py`
then runs every exported file under ``python -I`` with `resattn` blocked and cwd in the temp
dir; the parent compares outputs and key lists.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn

from resattn.build import build
from resattn.export.fold_bn import fold_batchnorm
from resattn.export.python_code import export_python, exported_class_name
from resattn.export.reusable import constructor_arguments

RUNNER = Path(__file__).with_name("isolated_runner.py")
ATOL, RTOL = 1e-6, 1e-5
BATCH = 2  # train-mode BN needs more than one value per channel


def randomize(model: nn.Module, seed: int) -> nn.Module:
    """Random weights with sane scale and BN statistics away from their defaults."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, (nn.Conv1d, nn.Conv2d, nn.Linear)):
                fan_in = module.weight[0].numel()
                module.weight.copy_(torch.randn(module.weight.shape, generator=gen) / fan_in**0.5)
                if module.bias is not None:
                    module.bias.copy_(0.1 * torch.randn(module.bias.shape, generator=gen))
            elif isinstance(module, nn.BatchNorm2d):
                n = module.num_features
                module.weight.copy_(0.5 + torch.rand(n, generator=gen))
                module.bias.copy_(0.1 * torch.randn(n, generator=gen))
                module.running_mean.copy_(0.1 * torch.randn(n, generator=gen))
                module.running_var.copy_(0.5 + torch.rand(n, generator=gen))
    return model


def example_input(spec, seed: int) -> torch.Tensor:
    inp = spec.input
    gen = torch.Generator().manual_seed(seed)
    return torch.randn(BATCH, inp.channels, inp.height, inp.width, generator=gen)


@dataclass
class Case:
    """`spec` is built by the library; the exported file is `spec`'s, or with `reuse` the file of
    the design `reuse` whose block class is then constructed with `spec`'s arguments."""

    spec: object
    fold: bool
    seed: int
    reuse: object = None
    expected: dict = field(default_factory=dict)
    keys: list = field(default_factory=list)


def _prepare(case: Case, i: int, root: Path) -> dict:
    model = randomize(build(case.spec), case.seed)
    if case.fold:
        model = fold_batchnorm(model)
    state = {k: v.clone() for k, v in model.state_dict().items()}
    case.keys = list(state)
    x = example_input(case.spec, case.seed)
    with torch.no_grad():
        case.expected["eval"] = model.eval()(x)
        if not case.fold:
            torch.manual_seed(case.seed)
            case.expected["train"] = model.train()(x)
    buffers = [k for k, _ in model.named_buffers()]
    case.expected["buffers"] = {k: v for k, v in model.state_dict().items() if k in buffers}
    files = {name: root / f"case_{i}.{name}.pt" for name in ("state", "input", "output")}
    torch.save(state, files["state"])
    torch.save(x, files["input"])
    source = root / f"case_{i}.py"
    exported = case.spec if case.reuse is None else case.reuse
    source.write_text(export_python(exported, fold_bn=case.fold), encoding="utf-8")
    ctor = {}
    if case.reuse is not None:
        kwargs = constructor_arguments(case.spec, fold=case.fold)
        ctor = {"ctor": {"class": exported_class_name(case.reuse), "kwargs": kwargs}}
    return {
        **ctor,
        "module": f"case_{i}",
        "file": str(source),
        "seed": case.seed,
        "train": not case.fold,
        "buffers": buffers,
        **{k: str(v) for k, v in files.items()},
    }


def run_isolated(cases: list[Case], root: Path) -> float:
    """Export, run isolated, compare; returns the largest absolute difference seen.

    Both sides compute with one thread: same arithmetic, and no thread oversubscription when
    other test processes share the machine.
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        entries = [_prepare(c, i, root) for i, c in enumerate(cases)]
    finally:
        torch.set_num_threads(threads)
    manifest = {"threads": 1, "cases": entries}
    (root / "manifest.json").write_text(json.dumps(manifest))
    proc = subprocess.run(
        [sys.executable, "-I", str(RUNNER), str(root / "manifest.json")],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["visible"] == [], f"the isolated interpreter saw {report['visible']}"
    worst = 0.0
    for i, (case, entry) in enumerate(zip(cases, report["cases"], strict=True)):
        assert entry["keys"] == case.keys, f"case {i} ({case.spec.name}): state_dict keys differ"
        got = torch.load(manifest["cases"][i]["output"], weights_only=True)
        for mode in ("eval", "train"):
            if mode in case.expected:
                want = case.expected[mode]
                msg = f"case {i} {mode} mode, spec: {case.spec.model_dump_json()}"
                torch.testing.assert_close(got[mode], want, atol=ATOL, rtol=RTOL, msg=msg)
                worst = max(worst, (got[mode] - want).abs().max().item())
        if "train" in case.expected:
            for key, value in case.expected["buffers"].items():
                torch.testing.assert_close(got["buffers"][key], value, atol=ATOL, rtol=RTOL)
    return worst
