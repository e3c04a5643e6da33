"""Streamlit custom components v2 read from a folder (HTML/CSS/JS files, no build, no iframe).

The JS and CSS are served as files of the folder (``/_stcore/bidi-components/NAME/FILE``): the
browser loads them once per page, and each rerun sends the component's data and the two file
names only. Given as inline text, the ~30 kB of code would travel again with every rerun.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

#: the prefix of the components' registered names (``PACKAGE.name``, as a package manifest gives)
PACKAGE = "resattn_studio"


def registered_name(name: str) -> str:
    """The name the component `name` is registered and served under."""
    return f"{PACKAGE}.{name}"


def serve_folder(name: str, folder: str) -> None:
    """Make the running server serve `folder`'s files for the component `name` (once per
    runtime, at ``/_stcore/bidi-components/PACKAGE.name/FILE``).

    What a ``[tool.streamlit.component]`` entry with ``asset_dir`` in an installed package's
    ``pyproject.toml`` declares; the studio is run from its folder, not installed, so the same
    manifest is registered here, on the runtime that runs the script (each AppTest has its own).
    """
    from streamlit.components.v2.manifest_scanner import ComponentConfig, ComponentManifest
    from streamlit.runtime import Runtime

    if not Runtime.exists():
        return
    manager = Runtime.instance().bidi_component_registry
    if manager.get_component_path(registered_name(name)) is not None:
        return
    path = Path(folder)
    manifest = ComponentManifest(
        name=PACKAGE, version="1", components=[ComponentConfig(name, asset_dir=path.name)]
    )
    manager.register_from_manifest(manifest, path.parent)


@cache
def _define(name: str, folder: str, html: str, css: str, js: str):
    import streamlit as st

    html_text = (Path(folder) / html).read_text(encoding="utf-8")
    return st.components.v2.component(registered_name(name), html=html_text, css=css, js=js)


def folder_component(name: str, folder: str, html: str, css: str, js: str) -> Callable:
    """The component `name` made of the files `html`, `css` and `js` of `folder`: call it to
    mount. The HTML (a few hundred bytes) is sent inline; the CSS and JS are file names in
    `folder`, which the browser loads from the server.
    """
    serve_folder(name, folder)
    return _define(name, folder, html, css, js)
