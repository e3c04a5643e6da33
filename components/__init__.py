"""ResAttn Studio's Streamlit UI: one module per panel, each a `render_x(spec, *, key)` function.

Nothing here runs at import; `studio.py` wires the pieces together into the page.
"""
