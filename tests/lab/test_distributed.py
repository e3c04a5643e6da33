"""The probe's training loop under ``torchrun``: 2 CPU processes (gloo, loopback) train the same
weights as one process on the same global batch."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import numpy as np
import pytest

from resattn.lab.probe import ProbeConfig, train_probe
from schemas import parse_spec

SPEC = {
    "name": "ddp_probe",
    "input": {"channels": 8, "height": 8, "width": 8},
    "block": {"type": "basic", "out_channels": 8},
    # Batch norm in the branch, in the projection-free skip's CBAM (spatial BN) and the stem.
    "slots": {"branch": {"type": "se", "reduction": 4}, "skip": {"type": "cbam", "reduction": 4}},
}
STEPS = 6


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_two_processes_train_the_same_weights_as_one(tmp_path):
    spec_file = tmp_path / "spec.json"
    spec_file.write_text(json.dumps(SPEC))
    out = tmp_path / "out"
    env = {
        **os.environ,
        "GLOO_SOCKET_IFNAME": "lo",  # loopback only
        "OMP_NUM_THREADS": "1",
        "PYTHONWARNINGS": "ignore",
    }
    command = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--nnodes=1",
        "--nproc-per-node=2",
        "--master-addr=127.0.0.1",
        f"--master-port={_free_port()}",
        "-m",
        "resattn.lab.distributed",
        str(spec_file),
        "--epochs=1",
        f"--max-steps={STEPS}",
        f"--out={out}",
    ]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]

    alone = train_probe(parse_spec(SPEC), ProbeConfig(epochs=1, max_steps=STEPS))
    weights = np.load(out / "weights.npz", allow_pickle=False)
    state = alone.model.state_dict()
    assert sorted(weights.files) == sorted(state)
    for name, tensor in state.items():
        # Equal up to float rounding: the global batch statistics are summed in another order.
        np.testing.assert_allclose(
            weights[name], tensor.numpy(), rtol=1e-4, atol=1e-4, err_msg=name
        )
    record = json.loads((out / "record.json").read_text())
    assert len(record["loss"]) == STEPS
    np.testing.assert_allclose(record["loss"], alone.record.loss, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(record["grad_norm"], alone.record.grad_norm, rtol=1e-4)
    for slot, stats in alone.record.gate_stats.items():
        np.testing.assert_allclose(record["gate_stats"][slot]["mean"], stats["mean"], rtol=1e-5)


def test_the_torchrun_entry_refuses_a_seed_out_of_range_before_starting(tmp_path, capsys):
    from resattn.lab.distributed import main

    with pytest.raises(SystemExit) as exit_:
        main([json.dumps(SPEC), "--seed", "-5", f"--out={tmp_path}"])
    assert exit_.value.code == 2
    assert "seed must be an integer in [0, 2**32 - 1]" in capsys.readouterr().err


MISMATCHED = {**SPEC, "block": {"type": "basic", "out_channels": 16}, "shortcut": "identity"}
TORCHRUN_ENV = {"RANK": "1", "WORLD_SIZE": "2", "MASTER_ADDR": "127.0.0.1", "MASTER_PORT": "1"}


@pytest.fixture()
def under_torchrun(monkeypatch):
    """The variables torchrun sets, and a process group that must never start."""
    import torch.distributed as dist

    for name, value in TORCHRUN_ENV.items():
        monkeypatch.setenv(name, value)

    def refuse(*args, **kwargs):
        raise AssertionError("init_process_group was called before the checks")

    monkeypatch.setattr(dist, "init_process_group", refuse)


def _paragraph(capsys) -> str:
    out, err = capsys.readouterr()
    assert out == "" and "Traceback" not in err
    assert err.count("\n") == 1, err  # one paragraph
    return err


@pytest.mark.parametrize(
    "args, code, message",
    [
        (['{"block": 3}'], 2, "[rank 1] Invalid spec"),
        (
            [
                json.dumps(
                    {**SPEC, "block": {"type": "basic", "out_channels": 16}, "shortcut": "identity"}
                )
            ],
            1,
            "[rank 1] The design cannot be built",
        ),
        ([json.dumps(SPEC), "--batch-size", "1"], 2, "a global batch of 1 does not split into 2"),
        ([json.dumps(SPEC), "--data", "no_such_data"], 2, "neither a built-in data set"),
    ],
)
def test_the_torchrun_entry_checks_everything_before_the_process_group(
    under_torchrun, capsys, tmp_path, args, code, message
):
    from resattn.lab.distributed import main

    assert main([*args, f"--out={tmp_path}"]) == code
    assert message in _paragraph(capsys)


def test_an_unwritable_out_folder_is_refused_before_the_process_group(
    under_torchrun, capsys, tmp_path
):
    from resattn.lab.distributed import main

    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    assert main([json.dumps(SPEC), f"--out={blocked / 'out'}"]) == 2
    assert f"cannot write {blocked / 'out'}" in _paragraph(capsys)


def test_without_torchrun_the_entry_says_how_to_start_it(monkeypatch, capsys, tmp_path):
    from resattn.lab.distributed import main

    for name in TORCHRUN_ENV:
        monkeypatch.delenv(name, raising=False)
    assert main([json.dumps(SPEC), f"--out={tmp_path}"]) == 2
    err = _paragraph(capsys)
    assert "runs under torchrun, which sets RANK, WORLD_SIZE" in err and "--nproc-per-node" in err
