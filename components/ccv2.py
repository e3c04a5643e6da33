"""Streamlit custom components v2 read from a folder (inline HTML/CSS/JS, no build, no iframe)."""

from __future__ import annotations

from functools import cache
from pathlib import Path


@cache
def folder_component(name: str, folder: str, html: str, css: str, js: str):
    """The component `name` made of the three files of `folder` (defined once per process)."""
    import streamlit as st

    def read(file: str) -> str:
        return (Path(folder) / file).read_text(encoding="utf-8")

    return st.components.v2.component(name, html=read(html), css=read(css), js=read(js))
