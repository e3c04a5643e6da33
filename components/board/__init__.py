"""The classroom board's studio UI: "Send to board" in the sidebar and the `?board=CODE` page.

Storage, limits and validation are `resattn_board`'s; this package only draws them. Every
string goes through `resattn.i18n` (``?lang=tr`` shows the board in Turkish).
"""

from components.board.page import render_board_page, route
from components.board.send import render_send_to_board

__all__ = ["render_board_page", "render_send_to_board", "route"]
