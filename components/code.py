"""The Code tab: the exported PyTorch source, and downloads (.py, .json, .onnx, .svg, .dot)."""

from __future__ import annotations

import json

import streamlit as st

from components import engine
from schemas import canonical_json, spec_to_dict


def spec_json(spec) -> str:
    from_share = engine.part("share")
    if from_share is not None:
        try:
            from resattn.export.share import spec_json as share_spec_json

            return share_spec_json(spec)
        except ImportError:
            pass
    return json.dumps(spec_to_dict(spec), indent=2) + "\n"


def render_code(spec, *, key: str) -> None:
    cj = canonical_json(spec)
    buildable = engine.params(cj) is not None
    fold = st.toggle(
        "Fold BatchNorm into the convs (inference export)",
        value=False,
        key=f"{key}.fold_bn",
        help="Exports eval-mode weights with each BN folded into the conv before it.",
    )
    cols = st.columns(5)
    cols[1].download_button(
        "⬇ Spec .json",
        spec_json(spec),
        file_name=f"{spec.name}.json",
        mime="application/json",
        key=f"{key}.dl_json",
        on_click="ignore",
        width="stretch",
    )
    if not buildable:
        st.error("The design has linter errors (see Checks); fix them to export code.")
        return
    if engine.has("python"):
        code = engine.python_code(cj, fold)
        cols[0].download_button(
            "⬇ PyTorch .py",
            code,
            file_name=f"{spec.name}.py",
            mime="text/x-python",
            key=f"{key}.dl_py",
            on_click="ignore",
            type="primary",
            width="stretch",
        )
    else:
        code = None
    if engine.has("onnx"):
        cols[2].download_button(
            "⬇ ONNX",
            lambda: engine.onnx(cj, fold),
            file_name=f"{spec.name}.onnx",
            mime="application/octet-stream",
            key=f"{key}.dl_onnx",
            on_click="ignore",
            width="stretch",
        )
    if engine.has("svg"):
        cols[3].download_button(
            "⬇ Diagram .svg",
            lambda: engine.svg(cj),
            file_name=f"{spec.name}.svg",
            mime="image/svg+xml",
            key=f"{key}.dl_svg",
            on_click="ignore",
            width="stretch",
        )
    if engine.has("dot"):
        cols[4].download_button(
            "⬇ Graphviz .dot",
            engine.dot(cj),
            file_name=f"{spec.name}.dot",
            mime="text/vnd.graphviz",
            key=f"{key}.dl_dot",
            on_click="ignore",
            width="stretch",
        )
    if code is None:
        engine.missing("The PyTorch exporter")
        return
    st.caption("Standalone: torch is its only import; `build_model()` returns the model.")
    st.code(code, language="python", line_numbers=True)
