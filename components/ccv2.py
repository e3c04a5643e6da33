"""Streamlit custom components v2 read from a folder (HTML/CSS/JS files, no build, no iframe).

The JS and CSS are served as files of the folder (``/_stcore/bidi-components/NAME/FILE``): the
browser loads them once per page, and each rerun sends the component's data and the two file
names only. Given as inline text, the ~30 kB of code would travel again with every rerun.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

#: the prefix of the components' names (``PACKAGE.folder``), as a package manifest would give
PACKAGE = "resattn_studio"


def component_name(folder: str) -> str:
    """The registered name of the component of `folder` (its files are served under it)."""
    return f"{PACKAGE}.{Path(folder).name}"


def serve_folder(folder: str) -> None:
    """Make the running server serve `folder`'s files for its component (once per runtime).

    What a ``[tool.streamlit.component]`` entry with ``asset_dir`` in an installed package's
    ``pyproject.toml`` declares; the studio is run from its folder, not installed, so the same
    manifest is registered here, on the runtime that runs the script (each AppTest has its own).
    """
    from streamlit.components.v2.manifest_scanner import ComponentConfig, ComponentManifest
    from streamlit.runtime import Runtime

    if not Runtime.exists():
        return
    manager = Runtime.instance().bidi_component_registry
    path = Path(folder)
    if manager.get_component_path(component_name(folder)) is not None:
        return
    manifest = ComponentManifest(
        name=PACKAGE, version="1", components=[ComponentConfig(path.name, asset_dir=path.name)]
    )
    manager.register_from_manifest(manifest, path.parent)


@cache
def _define(folder: str, html: str, css: str, js: str):
    import streamlit as st

    html_text = (Path(folder) / html).read_text(encoding="utf-8")
    return st.components.v2.component(component_name(folder), html=html_text, css=css, js=js)


def folder_component(folder: str, html: str, css: str, js: str) -> Callable:
    """The component made of the files `html`, `css` and `js` of `folder`: call it to mount.

    The HTML (a few hundred bytes) is sent inline; the CSS and JS are file names in `folder`,
    loaded by the browser from the server.
    """
    serve_folder(folder)
    return _define(folder, html, css, js)
