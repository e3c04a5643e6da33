"""The classroom board: designs a workshop's participants send, seen side by side.

- `db`: where the board lives (an SQLite file by default, ``RESATTN_DATABASE_URL`` for
  PostgreSQL), the engine and the Alembic migrations run at startup.
- `models`: the tables (SQLAlchemy 2 declarative models).
- `service`: every operation — create a board, send / replace an entry, list, hide, clear, run
  the probe — with the abuse limits (caps, rate limits, name length, secrets).
- `figures`: the figures shown per design, computed by the engine from the validated spec.

The engine (`resattn`) never imports this package; the studio's board UI lives in
`components/board/`.
"""

from resattn_board.db import database_url, get_engine
from resattn_board.service import BoardError, BoardService

__all__ = ["BoardError", "BoardService", "database_url", "get_engine"]
