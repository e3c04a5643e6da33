"""The fit report: every part with no place in spec v1 is named with its nodes and a reason;
unreadable files are refused before anything is allocated."""

from __future__ import annotations

import pytest

from resattn.importing import MAX_ONNX_BYTES, ImportReadError, import_model
from tests.importing import foreign
from tests.importing.harness import to_onnx


def _import(net):
    return import_model(to_onnx(net.eval(), foreign.EXAMPLE))


def _only(result):
    assert len(result.unsupported) == 1, [str(f) for f in result.unsupported]
    return result.unsupported[0]


def test_groupnorm_is_named_and_nothing_is_guessed():
    result = _import(foreign.groupnorm_net())
    assert result.spec is None and result.fit == "none" and not result.state_dict
    finding = _only(result)
    assert finding.effect == "blocking" and "GroupNorm" in finding.reason
    assert any("InstanceNormalization" in n for n in finding.nodes)


def test_additive_context_block_is_dropped_and_the_rest_imported():
    result = _import(foreign.context_net())
    assert result.fit == "partial"
    finding = _only(result)
    assert finding.effect == "dropped" and "additive attention" in finding.reason
    assert any("Softmax" in n for n in finding.nodes) and any("MatMul" in n for n in finding.nodes)
    spec = result.spec
    assert spec.stem.type == "cifar" and spec.stages[0].block.type == "basic"
    assert spec.stages[0].slots.filled() == {}  # nothing guessed into a slot


def test_selective_kernel_conv_is_named():
    finding = _only(_import(foreign.sk_net()))
    assert finding.effect == "blocking"
    assert "selective-kernel conv" in finding.reason and "dilated 2" in finding.reason
    assert any("paths.1" in n for n in finding.nodes)


def test_plain_cnn_gets_one_clear_message():
    result = _import(foreign.plain_cnn())
    assert result.spec is None
    assert "no residual structure" in _only(result).reason


def test_truncated_file_is_refused(tmp_path):
    data = to_onnx(foreign.context_net().eval(), foreign.EXAMPLE)
    path = tmp_path / "cut.onnx"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ImportReadError, match="not a complete ONNX model"):
        import_model(path)


@pytest.mark.parametrize(
    "data, reason",
    [
        (b'{"schema_version": 1}', "JSON text, not an ONNX model"),
        (b"PK\x03\x04" + b"\x00" * 40, "zip archive"),
        (b"", "empty"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "ONNX model"),
    ],
)
def test_non_onnx_input_is_refused(data, reason):
    with pytest.raises(ImportReadError, match=reason):
        import_model(data)


def test_file_over_the_cap_is_refused_without_reading(tmp_path):
    path = tmp_path / "huge.onnx"
    with path.open("wb") as fh:  # sparse: the test allocates nothing either
        fh.truncate(MAX_ONNX_BYTES + 1)
    with pytest.raises(ImportReadError, match=r"models up to 512 MB are read"):
        import_model(path)


def test_bytes_over_a_cap_are_refused():
    with pytest.raises(ImportReadError, match="models up to"):
        import_model(b"\x00" * 2048, max_bytes=1024)


def test_old_opset_is_refused():
    data = to_onnx(foreign.plain_cnn().eval(), foreign.EXAMPLE, opset=11)
    with pytest.raises(ImportReadError, match="opset 11 is older than 13"):
        import_model(data)


def test_a_module_needs_an_example_input():
    with pytest.raises(ValueError, match="example_input"):
        import_model(foreign.plain_cnn())


@pytest.mark.parametrize("stem, name", [("model", "imported_model"), ("my-net.v2", "my_net_v2")])
def test_file_name_becomes_a_valid_design_name(tmp_path, stem, name):
    path = tmp_path / f"{stem}.onnx"
    path.write_bytes(to_onnx(foreign.context_net().eval(), foreign.EXAMPLE))
    assert import_model(path).spec.name == name


def test_an_invalid_name_is_refused_before_reading():
    with pytest.raises(ValueError, match="keyword"):
        import_model(b"", name="class")
