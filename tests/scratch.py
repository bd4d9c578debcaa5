"""An empty database for one test or one benchmark run: a schema of its own on a PostgreSQL
server (so runs never see each other), or a SQLite file in a temporary folder; dropped after."""
from __future__ import annotations

import shutil
import tempfile
import uuid
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import text

from store.db import make_engine, normalise_url


class ScratchDatabase:
    def __init__(self, server_url: str | None, *, prefix: str = "bench") -> None:
        self.server_url, self.schema, self.folder = server_url, None, None
        if server_url:
            self.schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
            self._admin(f'CREATE SCHEMA "{self.schema}"')
            sep = "&" if "?" in server_url else "?"
            self.url = normalise_url(server_url) + f"{sep}options={quote(f'-csearch_path={self.schema}')}"
        else:
            self.folder = Path(tempfile.mkdtemp())
            self.url = f"sqlite:///{self.folder / 'crm.db'}"

    def _admin(self, statement: str) -> None:
        admin = make_engine(self.server_url)
        try:
            with admin.begin() as conn:
                conn.execute(text(statement))
        finally:
            admin.dispose()

    def drop(self) -> None:
        if self.schema:
            self._admin(f'DROP SCHEMA "{self.schema}" CASCADE')
        if self.folder:
            shutil.rmtree(self.folder, ignore_errors=True)
