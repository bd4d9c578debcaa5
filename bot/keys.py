"""The encryption key for phones and emails at rest.

- CRM_ENCRYPTION_KEY set: that key.
- Not set, SQLite (one machine): a key kept in a file beside the database (`<db>.key`, mode
  0600), made on first start; a warning says where it is and to back it up.
- Not set, PostgreSQL (replicas): refused at start-up with how to create one, since each
  replica would otherwise make up its own.
"""
from __future__ import annotations

import logging
import os
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.settings import KEY_HELP, Settings
from store.privacy import Cipher

log = logging.getLogger("crm")


class KeyMissing(SystemExit):
    pass


def load_cipher(settings: Settings) -> Cipher:
    if settings.crm_encryption_key:
        return Cipher(settings.crm_encryption_key)
    url = make_url(settings.database_url)
    if not url.drivername.startswith("sqlite") or not url.database or url.database == ":memory:":
        raise KeyMissing(KEY_HELP.format(db=url.render_as_string(hide_password=True)))
    path = Path(url.database).with_suffix(".key")
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(Cipher.generate_key())
        log.warning("made an encryption key for phones and emails in %s: back it up with the database", path)
    return Cipher(path.read_text().strip())
