"""Reading an ONNX model as data: size cap first, then the protobuf, then its basic promises.

The file is never executed: ``onnx`` parses it, external weight files are not followed and no
custom-op library is loaded. Every refusal is an `ImportReadError` (CLI exit 2) that says what is
wrong with the file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Union

from resattn.i18n import N_
from schemas import Problem, SpecError

#: Largest ONNX model read (bytes): a ResNet-152 in float32 is about 240 MB.
MAX_ONNX_BYTES = 512 * 1024 * 1024
#: Oldest default-domain opset read (the ops the recognisers know took their current form in 13).
MIN_OPSET = 13


class ImportReadError(SpecError):
    """The model file could not be read as an ONNX model (CLI exit 2)."""

    headline = N_("Cannot read the model")


def _refuse(where: str, reason: str) -> ImportReadError:
    return ImportReadError([Problem(where, reason)])


def read_bytes(source: Union[str, Path, bytes, bytearray], *, max_bytes: int = MAX_ONNX_BYTES):
    """The file's bytes and a name for messages; the size is checked before anything is read."""
    if isinstance(source, (bytes, bytearray)):
        data, where = bytes(source), "the upload"
        if len(data) > max_bytes:
            raise _refuse(where, _too_big(len(data), max_bytes))
        return data, where
    path = Path(source)
    where = str(path)
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise _refuse(where, "not a file")
        if size > max_bytes:
            raise _refuse(where, _too_big(size, max_bytes))
        with path.open("rb") as fh:
            data = fh.read(max_bytes + 1)
    except FileNotFoundError:
        raise _refuse(where, "no such file") from None
    except PermissionError:
        raise _refuse(where, "permission denied") from None
    except IsADirectoryError:
        raise _refuse(where, "that is a folder, not a model file") from None
    if len(data) > max_bytes:  # grew while being read
        raise _refuse(where, _too_big(len(data), max_bytes))
    return data, where


def _too_big(size: int, cap: int) -> str:
    return (
        f"the file is {size / 2**20:.1f} MB; models up to {cap / 2**20:.0f} MB are read "
        "(the import cap keeps the server responsive)"
    )


def parse_model(data: bytes, where: str):
    """The ``onnx.ModelProto`` of `data`, refusing anything that is not a usable ONNX model."""
    import onnx
    from google.protobuf.message import DecodeError

    if not data:
        raise _refuse(where, "the file is empty")
    try:
        model = onnx.load_from_string(data)  # external data is never followed from bytes
    except (DecodeError, ValueError, RuntimeError) as exc:
        raise _refuse(where, _not_onnx(data, exc)) from None
    graph = model.graph
    if model.ir_version <= 0 or not graph.node or not graph.output:
        raise _refuse(where, _not_onnx(data, None))
    version = next((op.version for op in model.opset_import if op.domain in ("", "ai.onnx")), None)
    if version is None:
        raise _refuse(where, "the model declares no standard ONNX opset")
    if version < MIN_OPSET:
        raise _refuse(
            where,
            f"opset {version} is older than {MIN_OPSET}; re-export the model with "
            f"opset_version >= {MIN_OPSET}",
        )
    external = [t.name for t in graph.initializer if t.data_location == onnx.TensorProto.EXTERNAL]
    if external:
        raise _refuse(
            where,
            f"{len(external)} weight tensor(s) (first: {external[0]!r}) live in a separate data "
            "file, which is not read; save the model as one file (save_as_external_data=False)",
        )
    return model


def _not_onnx(data: bytes, exc) -> str:
    head = data[:64].lstrip()
    if head[:1] in (b"{", b"["):
        return "this is JSON text, not an ONNX model (a spec file? open it as a spec instead)"
    if head[:2] == b"PK":
        return "this is a zip archive (a PyTorch checkpoint?), not an ONNX model"
    if exc is not None:
        return "not a complete ONNX model (the protobuf does not parse: truncated or not ONNX)"
    return "not an ONNX model (no graph with nodes and outputs in it)"
