"""ResAttn Studio's server: ``streamlit run app.py`` (options as for any Streamlit app, e.g.
``--server.address 0.0.0.0``; the page's own options after ``--``, e.g. ``-- --lang tr``).

The page itself is `studio.py`. This file makes it an ASGI app (`st.App`, which
``streamlit run`` finds here) with one middleware in front of Streamlit's:
`components.static_assets.StaticAssets`, which sends Streamlit's frontend files from memory, so
that a new participant's page load does not hold up everyone's edits on the server's event loop
(docs/studio.md, "Speed"). ``streamlit run studio.py`` also works, without it.
"""

import streamlit as st
from starlette.middleware import Middleware

from components.static_assets import StaticAssets

app = st.App("studio.py", middleware=[Middleware(StaticAssets)])
