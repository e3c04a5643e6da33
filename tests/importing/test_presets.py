"""The torchvision-shaped presets, exported to ONNX, import as exactly the preset; attention
variants come back with their options recovered from the weight shapes."""

from __future__ import annotations

import pytest

from resattn import load_spec
from resattn.importing import import_model
from resattn.presets import preset_index
from schemas import canonical_json
from tests.importing.harness import example_input, max_diff, random_model, to_onnx

#: the presets that reproduce torchvision's networks (their titles say so)
TORCHVISION = [n for n, p in preset_index().items() if p["title"].endswith("(torchvision)")]


def _small(name: str):
    """The preset at 64×64 input: the same layers and weights, a cheaper export."""
    data = load_spec(f"preset:{name}").model_dump()
    data["input"] |= {"height": 64, "width": 64}
    return load_spec(data)


def test_the_six_torchvision_presets_are_all_there():
    assert len(TORCHVISION) == 6 and "wide_resnet50_2" in TORCHVISION


@pytest.mark.parametrize("name", TORCHVISION)
def test_torchvision_preset_imports_as_exactly_the_preset(name):
    spec = _small(name)
    model, x = random_model(spec), example_input(spec)
    result = import_model(to_onnx(model, x), name=name)
    assert result.fit == "full", [str(f) for f in result.unsupported]
    assert canonical_json(result.spec) == canonical_json(spec)
    assert max_diff(model, result.model(), x) <= 1e-4


def test_se_resnet50_recovers_the_reduction():
    spec = _small("se_resnet50")
    result = import_model(to_onnx(random_model(spec), example_input(spec)), name=spec.name)
    assert canonical_json(result.spec) == canonical_json(spec)
    assert {s.slots.branch.reduction for s in result.spec.stages} == {16}


@pytest.mark.parametrize("kernel", [3, 7])
def test_eca_kernel_size_is_recovered(kernel):
    data = load_spec("preset:p1_eca").model_dump()
    data["slots"]["branch"]["kernel_size"] = kernel
    spec = load_spec(data)
    result = import_model(to_onnx(random_model(spec), example_input(spec)))
    # the paper's adaptive size for 256 channels is 5: any other size is written out
    assert result.spec.slots.branch.kernel_size == kernel


def test_exporters_default_path_imports_too():
    """The project's own ONNX export (torch.export based, BN kept) reads the same way."""
    from resattn import export_onnx

    spec = load_spec("preset:p4_cbam")
    model = random_model(spec)
    result = import_model(export_onnx(spec, module=model), name=spec.name)
    assert canonical_json(result.spec) == canonical_json(spec)
    assert max_diff(model, result.model(), example_input(spec)) <= 1e-4


@pytest.mark.parametrize("name", ["resnet26d", "resnet34d", "seresnext26d_32x4d", "ecaresnet50d"])
def test_resnet_d_presets_with_deep_stems_import_exactly(name):
    spec = _small(name)
    model, x = random_model(spec), example_input(spec)
    result = import_model(to_onnx(model, x), name=name)
    assert canonical_json(result.spec) == canonical_json(spec)
    assert max_diff(model, result.model(), x) <= 1e-4
