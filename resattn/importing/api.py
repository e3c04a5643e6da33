"""`import_model(source)`: read, recognise, assemble, fill the weights, lint."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional, Union

import numpy as np
import torch
from torch import nn

from resattn.i18n import N_
from resattn.i18n.text import Text
from resattn.importing.assemble import BlockFacts, block_spec, network_spec, slots_json
from resattn.importing.graph import Graph
from resattn.importing.parts import Finding, NoFit
from resattn.importing.reading import MAX_ONNX_BYTES, parse_model, read_bytes
from resattn.importing.recognise import BlockRecord, Recognised, Walker
from schemas import Diagnostic, Problem, SpecError

#: opset of the ONNX export an `nn.Module` goes through
MODULE_OPSET = 17
_DEFAULT_HW = 224


@dataclass
class ImportResult:
    """What an import found: the design (None when nothing fits), its weights in
    ``build(spec)``'s keys, the fit report and the design linter's findings."""

    spec: Optional[Any]
    state_dict: dict[str, torch.Tensor] = field(default_factory=dict)
    unsupported: list[Finding] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    source: str = ""

    @property
    def fit(self) -> str:
        """``full`` (nothing lost), ``partial`` (a design, with parts dropped or replaced) or
        ``none`` (no design)."""
        if self.spec is None:
            return "none"
        lost = any(f.effect in ("dropped", "replaced", "blocking") for f in self.unsupported)
        return "partial" if lost else "full"

    def model(self) -> nn.Module:
        """The design built and loaded with the imported weights, in eval mode."""
        from resattn.build import build

        if self.spec is None:
            raise ValueError("nothing to build: the model did not fit spec v1 (see .unsupported)")
        module = build(self.spec)
        module.load_state_dict(self.state_dict)
        return module.eval()

    def to_dict(self) -> dict:
        from schemas import spec_to_dict

        return {
            "source": self.source,
            "fit": self.fit,
            "spec": None if self.spec is None else spec_to_dict(self.spec),
            "unsupported": [f.to_dict() for f in self.unsupported],
            "diagnostics": [d.model_dump() for d in self.diagnostics],
        }

    def _repr_html_(self) -> str:
        from resattn.notebook import import_html

        return import_html(self)


Source = Union[str, Path, bytes, bytearray, nn.Module]


def import_model(
    source: Source,
    *,
    example_input: Optional[torch.Tensor] = None,
    name: Optional[str] = None,
    max_bytes: int = MAX_ONNX_BYTES,
) -> ImportResult:
    """Recognise an ONNX model (path or bytes) or a PyTorch module as a spec v1 design.

    A module is exported with ``torch.onnx.export`` (TorchScript exporter, opset 17, eval mode,
    on CPU) for `example_input` (N×C×H×W, required), then read like a file. Raises
    `ImportReadError` (a `SpecError`) when the file is unreadable, not ONNX or over `max_bytes`;
    a model that reads but does not fit gives ``spec=None`` and says why in `unsupported`.
    """
    if isinstance(source, nn.Module):
        data = module_to_onnx(source, example_input)
        where = type(source).__name__
        default_name = spec_name(type(source).__name__)
    else:
        data, where = read_bytes(source, max_bytes=max_bytes)
        default_name = (
            spec_name(Path(source).stem) if isinstance(source, (str, Path)) else "imported"
        )
    if name is not None:
        from schemas.common import check_name

        try:
            check_name(name)
        except ValueError as exc:
            raise SpecError([Problem("name", str(exc))]) from None
    model = parse_model(data, where)
    return recognise_model(model, name=name or default_name, source=where)


def module_to_onnx(module: nn.Module, example_input: Optional[torch.Tensor]) -> bytes:
    """ONNX bytes of `module` in eval mode (its train/eval flags are restored afterwards)."""
    import contextlib
    import logging
    import warnings

    if not isinstance(example_input, torch.Tensor) or example_input.dim() != 4:
        raise SpecError("example_input: give an N×C×H×W tensor to export the module with")
    flags = [(m, m.training) for m in module.modules()]
    module.eval()
    buf = io.BytesIO()
    logger = logging.getLogger("torch.onnx")
    level = logger.level
    try:
        logger.setLevel(logging.ERROR)
        with torch.no_grad(), warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            torch.onnx.export(
                module,
                (example_input.detach().cpu(),),
                buf,
                dynamo=False,
                opset_version=MODULE_OPSET,
                input_names=["input"],
                output_names=["output"],
            )
    finally:
        logger.setLevel(level)
        for m, training in flags:
            m.training = training
    return buf.getvalue()


def recognise_model(model, *, name: str, source: str = "") -> ImportResult:
    """The import of a parsed ``onnx.ModelProto``."""
    from resattn.lint import lint

    g = Graph(model)
    walker = Walker(g)
    try:
        found = walker.run()
        spec, weights = _assemble(found, name, walker.findings)
    except NoFit as exc:
        return ImportResult(None, {}, [*walker.findings, exc.finding], [], source)
    state = _state_dict(spec, weights)
    return ImportResult(spec, state, walker.findings, lint(spec), source)


def _facts(block: BlockRecord) -> BlockFacts:
    btype, preact = block.branch_key
    if block.shortcut is None:
        kind = "identity"
    else:
        kind = "pool" if block.shortcut[0] else "conv"
    return BlockFacts(
        block.in_channels,
        block.out_channels,
        block.stride,
        btype,
        preact,
        block.values.get("width"),
        block.values.get("groups", 1),
        kind,
        slots_json(block.slots),
        block.post_act,
    )


def _input_shape(found: Recognised, findings: list) -> dict:
    dims = tuple(found.input_shape) + (None,) * (4 - len(found.input_shape))
    batch, _, h, w = dims[:4]
    if h is None or w is None:
        findings.append(
            Finding.of(
                "input",
                Text(
                    N_(
                        "the graph's input size is not fixed; the design is checked at {size} "
                        "(set input.height / input.width to yours)"
                    ),
                    size=f"{_DEFAULT_HW}×{_DEFAULT_HW}",
                ),
                "note",
            )
        )
    return {
        "height": h or _DEFAULT_HW,
        "width": w or _DEFAULT_HW,
        "batch": batch if batch and batch <= 64 else 1,
    }


def _assemble(found: Recognised, name: str, findings: list):
    shape = _input_shape(found, findings)
    facts = [_facts(b) for b in found.blocks]
    try:
        if found.stem is None:
            spec = block_spec(facts[0], shape, name)
            return spec, dict(found.blocks[0].weights)
        stem_type, stem_values, stem_weights = found.stem
        preact = facts[-1].preact
        if found.head["final_norm"] != preact:
            raise NoFit(
                Finding.of(
                    "head",
                    Text(
                        N_(
                            "a final BN + ReLU before the pool goes with a pre-activation last "
                            "stage (and only then) in spec v1"
                        )
                    ),
                    "blocking",
                )
            )
        stem = {"type": stem_type, **stem_values}
        spec, groups = network_spec(facts, stem, found.head["num_classes"], shape, name)
    except SpecError as exc:
        raise NoFit(
            Finding.of(
                "design",
                Text(
                    N_("the recognised design is not a valid spec: {message}"), message=exc.message
                ),
                "blocking",
            )
        ) from None
    weights = dict(stem_weights)
    for s, indices in enumerate(groups):
        for j, i in enumerate(indices):
            weights.update({f"stages.{s}.{j}.{k}": v for k, v in found.blocks[i].weights.items()})
    weights.update(found.head["weights"])
    return spec, weights


def _state_dict(spec, weights: dict) -> dict[str, torch.Tensor]:
    """The recognised arrays as tensors, in the order the recogniser found them (stem, stages,
    head: the order of ``build(spec).state_dict()``; the tests hold the two key lists equal).
    Nothing is built here: a meta-device build of a ResNet-50 costs more than its recognition."""
    state = {}
    for key, value in weights.items():
        array = np.asarray(value)
        if not array.flags.writeable or not array.flags.c_contiguous:
            array = np.ascontiguousarray(array).copy()
        state[key] = torch.from_numpy(array)
    return state


def spec_name(text: str) -> str:
    """A valid design name made from a file or class name (`schemas.common.check_name`'s
    rules): odd characters become ``_``; a reserved or keyword name gets an ``imported_``
    prefix; ``imported`` when nothing usable is left."""
    from schemas.common import check_name

    base = re.sub(r"[^A-Za-z0-9_]", "_", text)[:64]
    for candidate in (base, f"imported_{base}"[:64], "imported"):
        try:
            return check_name(candidate)
        except ValueError:
            continue
    return "imported"


def save_weights(state_dict: dict[str, torch.Tensor], path: Union[str, Path, None] = None):
    """Write a state_dict as safetensors (bytes when `path` is None); no pickle involved."""
    from safetensors.torch import save, save_file

    tensors = {k: v.detach().contiguous() for k, v in state_dict.items()}
    if path is None:
        return save(tensors)
    save_file(tensors, str(path))
    return None


def load_weights(source: Union[str, Path, bytes]) -> dict[str, torch.Tensor]:
    """Read a safetensors file (or its bytes) as a state_dict."""
    from safetensors.torch import load, load_file

    if isinstance(source, (bytes, bytearray)):
        return load(bytes(source))
    return load_file(str(source))
