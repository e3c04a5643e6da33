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
from resattn.i18n import N_, _
from resattn.importing import MAX_ONNX_BYTES, ImportReadError, save_weights
from resattn.importing.api import recognise_model, spec_name
from resattn.importing.parts import Finding
from resattn.importing.reading import parse_model
from schemas import canonical_json

_LAST = "studio.import.last"
_SEEN = "studio.import.seen"
_EFFECT_BOX = {"blocking": st.error, "dropped": st.warning, "replaced": st.warning, "note": st.info}
#: a fit report entry's effect, in words
EFFECTS = {
    "blocking": N_("blocking"),
    "dropped": N_("dropped"),
    "replaced": N_("replaced"),
    "note": N_("note"),
}
#: how well a model fits spec v1, in words
FITS = {"full": N_("full fit"), "partial": N_("partial fit"), "none": N_("none fit")}


def _fit(fit: str) -> str:
    return _(FITS[fit]) if fit in FITS else fit


def render_open_model(*, key: str) -> None:
    box = state.lazy_expander(_("Open a model (ONNX)"), key=f"{key}.expander")
    if box is None:
        return
    with box:
        st.caption(
            _(
                "A residual network or block exported to ONNX (≤ {mb} MB): read as data, never "
                "run. Its design replaces the current one (Undo brings it back)."
            ).format(mb=MAX_ONNX_BYTES // 2**20)
        )
        upload = st.file_uploader(_("ONNX model"), type=["onnx"], key=f"{key}.file")
        if upload is None:  # none yet, or gone with the expander's closing: the last one's name
            _summary()
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
            _(
                "**{name}** is {size} MB; models up to {mb} MB are opened. The design is unchanged."
            ).format(
                name=state.md_escape(name), size=f"{size / 2**20:,.0f}", mb=MAX_ONNX_BYTES // 2**20
            ),
        )
        return False
    with st.status(_("Opening {name}…").format(name=name), expanded=True) as status:
        bar = st.progress(0.0, _("reading the file"))
        try:
            data = read()
            bar.progress(0.25, _("parsing the ONNX graph (as data)"))
            model = parse_model(data, name)
            bar.progress(0.5, _("recognising stem, blocks, attention and head"))
            result = recognise_model(model, name=_stem_name(name), source=name)
            bar.progress(0.85, _("collecting the weights"))
            weights = save_weights(result.state_dict) if result.spec is not None else b""
        except ImportReadError as exc:
            status.update(label=_("{name}: not opened").format(name=name), state="error")
            state.flash(
                "error",
                _("{reason} The design is unchanged.").format(reason=state.md_escape(exc.message)),
            )
            return False
        bar.progress(1.0, _("done"))
        status.update(label=f"{name}: {_fit(result.fit)}", state="complete", expanded=False)
    report = list(result.unsupported)  # `Finding`s: they read in the page's language
    st.session_state[_LAST] = {
        "source": name,
        "fit": result.fit,
        "report": report,
        "spec": None if result.spec is None else canonical_json(result.spec),
        "weights": weights,
    }
    if result.spec is None:
        reason = next((_reason(f) for f in report if f.effect == "blocking"), "")
        state.flash(
            "error",
            _("**{name}** does not fit spec v1, so the design is unchanged: {reason}").format(
                name=state.md_escape(name), reason=state.md_escape(reason)
            ),
        )
        return False
    if not state.commit(result.spec, "import"):
        return False
    state.set_focus(0)
    lost = sum(f.effect in ("dropped", "replaced") for f in report)
    if lost:
        state.flash(
            "warning",
            _(
                "Opened **{name}** as a partial fit: {lost} part(s) had no place in spec v1 — "
                "the Checks tab lists them. Undo brings the previous design back."
            ).format(name=state.md_escape(name), lost=lost),
        )
    else:
        state.flash(
            "success", _("Opened **{name}**: every part fits.").format(name=state.md_escape(name))
        )
    return True


def _stem_name(filename: str) -> str:
    return spec_name(Path(filename).stem)


def last_import() -> dict | None:
    return st.session_state.get(_LAST)


def _summary() -> None:
    last = last_import()
    if last is not None:
        st.caption(
            _("Last opened: {source} — {fit}.").format(source=last["source"], fit=_fit(last["fit"]))
        )


def render_fit_report(spec, *, key: str) -> None:
    """The last import's fit report (under the Checks tab's diagnostics)."""
    last = last_import()
    if last is None:
        return
    st.markdown(
        "#### "
        + _("Fit report — {source} ({fit})").format(source=last["source"], fit=_fit(last["fit"]))
    )
    if last["spec"] is not None and last["spec"] != canonical_json(spec):
        st.caption(_("The design has been edited since it was opened."))
    if not last["report"]:
        st.success(_("Every part of the model has its place in the design."))
    for f in last["report"]:
        nodes = ", ".join(f"`{state.md_escape(n)}`" for n in f.nodes[:8])
        more = " …" if len(f.nodes) > 8 else ""
        entry = finding_text(f)
        if nodes:
            entry += "\n\n" + _("ONNX nodes: {nodes}").format(nodes=nodes + more)
        _EFFECT_BOX[f.effect](entry)


def _reason(f: Finding) -> str:
    return f.text.render() if f.text is not None else _(f.reason)


def finding_text(f: Finding) -> str:
    """One entry of a fit report as Markdown, in the current language."""
    return _("**{effect}** — {part}: {reason}").format(
        effect=_(EFFECTS.get(f.effect, f.effect)),
        part=state.md_escape(f.part),
        reason=state.md_escape(_reason(f)),
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
            _(
                "The weights opened with {source} no longer fit the edited design (Undo back "
                "to it to download them)."
            ).format(source=last["source"])
        )
        return
    st.download_button(
        _("⬇ Weights .safetensors"),
        last["weights"],
        file_name=f"{spec.name}.safetensors",
        mime="application/octet-stream",
        key=f"{key}.dl_weights",
        on_click="ignore",
        help=_(
            "The imported model's weights under the keys of the exported file's build_model() "
            "(no pickle): `model.load_state_dict(safetensors.torch.load_file(PATH))` loads them."
        ),
    )
