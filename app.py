"""ResAttn Studio — Streamlit entry point (``streamlit run app.py``)."""

import json

import streamlit as st

from resattn.build import build, count_params
from resattn.loading import load_spec
from schemas import spec_to_dict


def main() -> None:
    st.set_page_config(page_title="ResAttn Studio", layout="wide")
    st.title("ResAttn Studio")
    spec = load_spec("preset:se_bottleneck")
    model = build(spec)
    st.metric("Parameters", f"{count_params(model):,}")
    st.code(json.dumps(spec_to_dict(spec), indent=2), language="json")


main()
