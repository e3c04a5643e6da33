"""Open a model: an uploaded ONNX file becomes the design, with its weights and fit report.

`render_open_model` (sidebar) reads the upload once, with progress while it parses; a model that
fits (fully or partly) replaces the design through `state.commit` — so Undo brings the old one
back — and one that does not fit leaves the design untouched. `render_fit_report` (Checks tab)
and `render_weights_download` (Code tab) show what the last import found and gave.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from components import state
from resattn.importing import MAX_ONNX_BYTES, ImportReadError, save_weights
from resattn.importing.api import recognise_model, spec_name
from resattn.importing.reading import parse_model
from schemas import canonical_json

_LAST = "studio.import.last"
_SEEN = "studio.import.seen"
_EFFECT_BOX = {"blocking": st.error, "dropped": st.warning, "replaced": st.warning, "note": st.info}


def render_open_model(*, key: str) -> None:
    with st.expander("Open a model (ONNX)"):
        st.caption(
            f"A residual network or block exported to ONNX (≤ {MAX_ONNX_BYTES // 2**20} MB): "
            "read as data, never run. Its design replaces the current one (Undo brings it back)."
        )
        upload = st.file_uploader("ONNX model", type=["onnx"], key=f"{key}.file")
        if upload is None:
            return
        ident = (upload.file_id, upload.size)
        if st.session_state.get(_SEEN) == ident:
            _summary()
            return
        st.session_state[_SEEN] = ident
        open_upload(upload.name, upload.size, upload.getvalue)
        st.rerun()  # the whole page shows the outcome: the new design or the refusal


def open_upload(name: str, size: int, read) -> bool:
    """Import an uploaded model; True when the design was replaced."""
    if size > MAX_ONNX_BYTES:
        state.flash(
            "error",
            f"**{state.md_escape(name)}** is {size / 2**20:,.0f} MB; models up to "
            f"{MAX_ONNX_BYTES // 2**20} MB are opened. The design is unchanged.",
        )
        return False
    with st.status(f"Opening {name}…", expanded=True) as status:
        bar = st.progress(0.0, "reading the file")
        try:
            data = read()
            bar.progress(0.25, "parsing the ONNX graph (as data)")
            model = parse_model(data, name)
            bar.progress(0.5, "recognising stem, blocks, attention and head")
            result = recognise_model(model, name=_stem_name(name), source=name)
            bar.progress(0.85, "collecting the weights")
            weights = save_weights(result.state_dict) if result.spec is not None else b""
        except ImportReadError as exc:
            status.update(label=f"{name}: not opened", state="error")
            state.flash("error", f"{state.md_escape(exc.message)} The design is unchanged.")
            return False
        bar.progress(1.0, "done")
        status.update(label=f"{name}: {result.fit} fit", state="complete", expanded=False)
    report = [f.to_dict() for f in result.unsupported]
    st.session_state[_LAST] = {
        "source": name,
        "fit": result.fit,
        "report": report,
        "spec": None if result.spec is None else canonical_json(result.spec),
        "weights": weights,
    }
    if result.spec is None:
        reason = next((f["reason"] for f in report if f["effect"] == "blocking"), "")
        state.flash(
            "error",
            f"**{state.md_escape(name)}** does not fit spec v1, so the design is unchanged: "
            f"{state.md_escape(reason)}",
        )
        return False
    if not state.commit(result.spec, "import"):
        return False
    state.set_focus(0)
    lost = sum(f["effect"] in ("dropped", "replaced") for f in report)
    if lost:
        state.flash(
            "warning",
            f"Opened **{state.md_escape(name)}** as a partial fit: {lost} part(s) had no place "
            "in spec v1 — the Checks tab lists them. Undo brings the previous design back.",
        )
    else:
        state.flash("success", f"Opened **{state.md_escape(name)}**: every part fits.")
    return True


def _stem_name(filename: str) -> str:
    return spec_name(Path(filename).stem)


def last_import() -> dict | None:
    return st.session_state.get(_LAST)


def _summary() -> None:
    last = last_import()
    if last is not None:
        st.caption(f"Last opened: {last['source']} — {last['fit']} fit.")


def render_fit_report(spec, *, key: str) -> None:
    """The last import's fit report (under the Checks tab's diagnostics)."""
    last = last_import()
    if last is None:
        return
    st.markdown(f"#### Fit report — {last['source']} ({last['fit']} fit)")
    if last["spec"] is not None and last["spec"] != canonical_json(spec):
        st.caption("The design has been edited since it was opened.")
    if not last["report"]:
        st.success("Every part of the model has its place in the design.")
    for f in last["report"]:
        nodes = ", ".join(f"`{state.md_escape(n)}`" for n in f["nodes"][:8])
        more = " …" if len(f["nodes"]) > 8 else ""
        _EFFECT_BOX[f["effect"]](
            f"**{f['effect']}** — {state.md_escape(f['part'])}: {state.md_escape(f['reason'])}"
            + (f"\n\nONNX nodes: {nodes}{more}" if nodes else "")
        )


def weights_fit(spec) -> bool:
    """Do the last import's weights load into the current design (same keys and shapes)?"""
    from resattn.build import build
    from resattn.importing import load_weights

    last = last_import()
    if last is None or not last["weights"]:
        return False
    if last["spec"] == canonical_json(spec):
        return True
    try:
        reference = build(spec, device="meta").state_dict()
    except Exception:  # noqa: BLE001 - a design with errors takes no weights
        return False
    weights = load_weights(last["weights"])
    return weights.keys() == reference.keys() and all(
        weights[k].shape == v.shape for k, v in reference.items()
    )


def render_weights_download(spec, *, key: str) -> None:
    """The imported weights (safetensors), while they still fit the design."""
    last = last_import()
    if last is None or not last["weights"]:
        return
    if not weights_fit(spec):
        st.caption(
            f"The weights opened with {last['source']} no longer fit the edited design "
            "(Undo back to it to download them)."
        )
        return
    st.download_button(
        "⬇ Weights .safetensors",
        last["weights"],
        file_name=f"{spec.name}.safetensors",
        mime="application/octet-stream",
        key=f"{key}.dl_weights",
        on_click="ignore",
        help="The imported model's weights under the keys of the exported file's build_model() "
        "(no pickle): `model.load_state_dict(safetensors.torch.load_file(PATH))` loads them.",
    )
