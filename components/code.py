"""The Code tab: the exported PyTorch source, and downloads (.py, .json, .onnx, .svg, .dot)."""

from __future__ import annotations

import base64

import streamlit as st

from components import engine
from components.heavy import job_panel
from components.open_model import render_weights_download
from resattn.export.share import spec_json
from resattn.i18n import _
from schemas import canonical_json

#: the time an ONNX export may take in its worker
ONNX_BUDGET_S = 30.0


def render_code(spec, *, key: str) -> None:
    cj = canonical_json(spec)
    buildable = engine.params(cj) is not None
    fold = st.toggle(
        _("Fold BatchNorm into the convs (inference export)"),
        value=False,
        key=f"{key}.fold_bn",
        help=_("Exports eval-mode weights with each BN folded into the conv before it."),
    )
    cols = st.columns(4)
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
        st.error(_("The design has linter errors (see Checks); fix them to export code."))
        return
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
    cols[2].download_button(
        _("⬇ Diagram .svg"),
        lambda: engine.svg(cj),
        file_name=f"{spec.name}.svg",
        mime="image/svg+xml",
        key=f"{key}.dl_svg",
        on_click="ignore",
        width="stretch",
    )
    cols[3].download_button(
        "⬇ Graphviz .dot",
        engine.dot(cj),
        file_name=f"{spec.name}.dot",
        mime="text/vnd.graphviz",
        key=f"{key}.dl_dot",
        on_click="ignore",
        width="stretch",
    )
    render_weights_download(spec, key=key)
    work = engine.work_json(cj)
    job_panel(
        "onnx",
        {"spec": work, "fold_bn": fold},
        key=f"{key}.onnx",
        work_key=f"onnx:{fold}:{work}",
        label=_("Prepare the ONNX file"),
        budget_s=ONNX_BUDGET_S,
        show=lambda data: st.download_button(
            "⬇ ONNX",
            base64.b64decode(data),
            file_name=f"{spec.name}.onnx",
            mime="application/octet-stream",
            key=f"{key}.dl_onnx",
            on_click="ignore",
        ),
        disabled_reason=engine.refused_up_front(cj, onnx=True),
        help=_("Exports the graph in a worker process, queued with every session's heavy jobs."),
    )
    st.caption(_("Standalone: torch is its only import; `build_model()` returns the model."))
    st.code(code, language="python", line_numbers=True)
