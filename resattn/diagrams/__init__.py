"""Diagrams of a design, all drawn from the shape trace of the real module.

`ascii.render_ascii` (text in the notes' style), `dot.render_dot` / `render_svg` / `render_png`
(Graphviz), `agraph.graph_data` (plain node/edge data for an interactive graph view).
"""
