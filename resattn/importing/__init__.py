"""Open existing models: an ONNX file or a PyTorch module becomes a spec v1 design with weights.

    from resattn import import_model
    result = import_model("resnet50.onnx")          # a path, bytes, or an nn.Module
    result.spec                                     # the design (None when nothing fits)
    build(result.spec).load_state_dict(result.state_dict)   # the same outputs as the source
    result.unsupported                              # the fit report: what has no place, why

ONNX is read as data (`resattn.importing.reading`: 512 MB cap, opset >= 13, never executed);
a module goes through ``torch.onnx.export`` on CPU first, so one recogniser serves both. The
rules are in docs/import.md.
"""

from resattn.importing.api import ImportResult, import_model, load_weights, save_weights
from resattn.importing.assemble import canonical_spec
from resattn.importing.kinds import RECOGNISERS
from resattn.importing.parts import Finding
from resattn.importing.reading import MAX_ONNX_BYTES, MIN_OPSET, ImportReadError

__all__ = [
    "MAX_ONNX_BYTES",
    "MIN_OPSET",
    "RECOGNISERS",
    "Finding",
    "ImportReadError",
    "ImportResult",
    "canonical_spec",
    "import_model",
    "load_weights",
    "save_weights",
]
