"""The probe under ``torchrun``: every process trains its share of each global batch (DDP, gloo).

Run it: ``torchrun --nproc-per-node 2 -m resattn.lab.distributed SPEC --out DIR``. Rank 0 writes
``weights.npz`` (no pickle) and ``record.json`` (the curves) into DIR. How N processes compute
the one-process model is explained in `resattn.lab.ddp`.

Everything that can be wrong with the request — the spec, the design's linter errors, the
variant's resource bounds, the data, the options (a batch that does not split over the
processes, a `--out` folder that cannot be written) — is checked *before* the process group
starts, so each process prints the same one paragraph and exits with the CLI's code (2: the
input could not be read, 1: the design cannot be trained), never a traceback. Started without
``torchrun``, it says how to start it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

from resattn.i18n import N_

#: The variables ``torchrun`` sets for every process it starts.
TORCHRUN_VARIABLES = ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT")
HOW_TO_RUN = (
    "start it with torchrun, e.g. `torchrun --nproc-per-node 2 -m resattn.lab.distributed "
    "SPEC --out DIR` (for one process, `resattn ablate` trains the same probe)"
)


def _parser() -> argparse.ArgumentParser:
    from resattn.lab.probe import ProbeConfig

    parser = argparse.ArgumentParser(
        prog="python -m resattn.lab.distributed",
        description="Train one design's probe with DistributedDataParallel under torchrun.",
    )
    parser.add_argument("spec", help="a spec file, JSON text, 'preset:NAME' or a share token")
    parser.add_argument("--epochs", type=int, default=ProbeConfig.epochs)
    parser.add_argument("--seed", type=int, default=ProbeConfig.seed)
    parser.add_argument("--batch-size", type=int, default=ProbeConfig.batch_size)
    parser.add_argument("--max-steps", type=int, default=None)
    parser.add_argument("--width", type=int, default=ProbeConfig.width)
    parser.add_argument("--depth", type=int, default=ProbeConfig.depth)
    parser.add_argument("--data", default=ProbeConfig.data, help="digits, mnist5k or a PATH")
    parser.add_argument("--out", type=Path, required=True, help="folder for weights.npz, curves")
    return parser


def _fail(message: str, code: int) -> int:
    """One paragraph on stderr, prefixed with the rank so the lines of N processes can be told
    apart."""
    rank = os.environ.get("RANK")
    prefix = f"[rank {rank}] " if rank is not None else ""
    print(prefix + " ".join(message.split()), file=sys.stderr)
    return code


def _world_size() -> int:
    missing = [name for name in TORCHRUN_VARIABLES if name not in os.environ]
    if missing:
        raise _NotUnderTorchrun(missing)
    try:
        size = int(os.environ["WORLD_SIZE"])
    except ValueError:
        size = 0
    if size < 1:
        raise _NotUnderTorchrun(["WORLD_SIZE (not a positive integer)"])
    return size


class _NotUnderTorchrun(Exception):
    def __init__(self, missing: list[str]):
        super().__init__(
            f"This entry point runs under torchrun, which sets {', '.join(missing)}; {HOW_TO_RUN}."
        )


def _check_writable(folder: Path) -> None:
    from resattn.commands._common import OutputError
    from schemas import Problem

    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".write-test-"):
            pass
    except OSError as exc:
        raise OutputError([Problem(str(folder), exc.strerror or str(exc))]) from None


def prepare(argv=None):
    """Parse and check everything before the process group starts: (args, spec, config).

    Raises `SpecError` / `DesignError` / `OutputError` (one-paragraph messages) or
    `_NotUnderTorchrun`; argparse exits 2 itself on unreadable options."""
    from resattn.lab.ablate import ensure_trainable, ensure_within_bounds
    from resattn.lab.probe import ProbeConfig
    from resattn.lab.variants import design_variant
    from resattn.loading import load_spec
    from schemas import Problem, SpecError

    parser = _parser()
    args = parser.parse_args(argv)
    try:
        config = ProbeConfig(
            epochs=args.epochs,
            seed=args.seed,
            batch_size=args.batch_size,
            max_steps=args.max_steps,
            width=args.width,
            depth=args.depth,
            data=args.data,
        )
    except ValueError as exc:  # e.g. a seed outside [0, 2**32 - 1]: exit 2 with the reason
        parser.error(str(exc))
    size = _world_size()
    if config.batch_size % size:
        raise SpecError(
            [
                Problem(
                    "--batch-size",
                    f"a global batch of {config.batch_size} does not split into {size} equal "
                    f"shares (one per process); use a multiple of {size}",
                )
            ],
            headline=N_("The options cannot be used"),
        )
    spec = load_spec(args.spec)
    ensure_within_bounds([design_variant(spec)])
    ensure_trainable(spec, config)
    _check_writable(args.out)
    return args, spec, config


def main(argv=None) -> int:
    """Entry point for ``torchrun``: train the probe, rank 0 writes weights and curves."""
    from resattn.commands._common import EXIT_DESIGN, EXIT_INPUT, EXIT_OK
    from schemas import DesignError, ResAttnError

    try:
        args, spec, config = prepare(argv)
    except _NotUnderTorchrun as exc:
        return _fail(str(exc), EXIT_INPUT)
    except DesignError as exc:
        return _fail(exc.message, EXIT_DESIGN)
    except ResAttnError as exc:
        return _fail(exc.message, EXIT_INPUT)

    import torch.distributed as dist

    from resattn.lab.probe import train_probe

    dist.init_process_group("gloo")
    try:
        run = train_probe(spec, config)
        if dist.get_rank() == 0:
            save_weights(run.model, args.out / "weights.npz")
            (args.out / "record.json").write_text(json.dumps(run.record.to_json()))
        dist.barrier()
    finally:
        dist.destroy_process_group()
    return EXIT_OK


def save_weights(model, path: Path) -> None:
    """Write a state dict as a NumPy ``.npz`` (no pickle; read with ``allow_pickle=False``)."""
    import numpy as np

    path.parent.mkdir(parents=True, exist_ok=True)
    arrays = {name: t.detach().cpu().numpy() for name, t in model.state_dict().items()}
    np.savez(path, **arrays)


if __name__ == "__main__":
    raise SystemExit(main())
