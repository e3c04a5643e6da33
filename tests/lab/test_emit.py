"""The standalone script: no resattn import, run in a fresh interpreter, the same accuracies and
losses as the in-process ablation on the same data and seeds."""

from __future__ import annotations

import ast
import json
import subprocess
import sys

import numpy as np
import pytest

from resattn.lab.ablate import ablate
from resattn.lab.emit import emit_script
from resattn.lab.probe import ProbeConfig

SPEC = {
    "name": "tiny",
    "input": {"channels": 8, "height": 8, "width": 8},
    "block": {"type": "basic", "out_channels": 8},
    "slots": {"post_add": {"type": "cbam", "reduction": 4}, "skip": {"type": "se"}},
}
# Blocks the script from importing the project even where it is installed.
NO_PROJECT = (
    "import runpy, sys; sys.modules['resattn'] = None; sys.modules['schemas'] = None; "
    "sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0], run_name='__main__')"
)


@pytest.fixture()
def npz(tmp_path):
    rng = np.random.default_rng(1)
    x = rng.integers(0, 120, size=(120, 10, 10, 1), dtype=np.uint8)
    y = np.repeat([0, 1, 2], 40)
    for label in range(3):
        x[y == label, label * 3 : label * 3 + 3] += 120  # a learnable stripe per class
    path = tmp_path / "stripes.npz"
    np.savez(path, x=x, y=y)
    return str(path)


@pytest.mark.slow
def test_the_emitted_script_reproduces_the_in_process_accuracies(tmp_path, npz):
    config = ProbeConfig(epochs=2, width=4, batch_size=16, data=npz)
    choices = ["baseline", "P1", "P4"]
    source = emit_script(SPEC, choices, config=config, seeds=2)
    imported = {
        n.module if isinstance(n, ast.ImportFrom) else a.name
        for n in ast.walk(ast.parse(source))
        if isinstance(n, (ast.Import, ast.ImportFrom))
        for a in (n.names if isinstance(n, ast.Import) else [n])
    }
    assert not any(m and m.split(".")[0] in ("resattn", "schemas") for m in imported)
    script = tmp_path / "lab.py"
    script.write_text(source)
    done = subprocess.run(
        [sys.executable, "-I", "-c", NO_PROJECT, str(script), "--data", npz],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    emitted = json.loads(done.stdout)

    lab = ablate(SPEC, choices, config=config, seeds=2, latency=False).to_json()
    assert [v["name"] for v in emitted["variants"]] == [v["name"] for v in lab["variants"]]
    for ours, theirs in zip(lab["variants"], emitted["variants"], strict=True):
        for a, b in zip(ours["seeds"], theirs["seeds"], strict=True):
            assert a["seed"] == b["seed"]
            assert a["val_accuracy"] == b["val_accuracy"], ours["name"]
            # Same initial weights (the library and the exported code build in one order) and
            # the same loop: equal up to float rounding of the two modules' forwards.
            np.testing.assert_allclose(
                a["loss"], b["loss"], rtol=1e-5, atol=1e-6, err_msg=ours["name"]
            )
        if ours["summary"]["vs_baseline"]:
            assert (
                theirs["summary"]["vs_baseline"]["verdict"]
                == ours["summary"]["vs_baseline"]["verdict"]
            )


def test_the_cli_writes_the_script_and_refuses_an_unwritable_path(tmp_path, capsys, npz):
    from resattn.cli import main

    target = tmp_path / "lab.py"
    code = main(["ablate", json.dumps(SPEC), "--data", npz, "--emit-script", str(target)])
    assert code == 0 and target.read_text().startswith('"""Standalone ablation of')
    code = main(["ablate", json.dumps(SPEC), "--emit-script", str(tmp_path / "no" / "x.py")])
    assert code == 2 and "cannot write" in capsys.readouterr().err
