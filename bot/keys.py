"""The encryption key for phones and emails at rest.

- CRM_ENCRYPTION_KEY set: that key (at least 32 characters; `python -m bot new-key` makes one).
- Not set, SQLite (one machine): a key kept in a file beside the database (`<db>.key`, mode
  0600), made on first start; a warning says where it is and to back it up.
- Not set, PostgreSQL (replicas): refused at start-up with how to create one, since each
  replica would otherwise make up its own.
A key that is too short, or a key file that cannot be read or made, is a SettingsError.
"""
from __future__ import annotations

import logging
import os
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.database import sqlite_file
from bot.settings import KEY_HELP, Settings, SettingsError
from store.privacy import MIN_KEY_LENGTH, Cipher

log = logging.getLogger("crm")
NEW_KEY = "make one with `python -m bot new-key`"


class KeyMissing(SystemExit):
    pass


def check_key(settings: Settings) -> Cipher | None:
    """CRM_ENCRYPTION_KEY's cipher when it is set, None when not; SettingsError when it cannot be one."""
    if not settings.crm_encryption_key:
        return None
    try:
        return Cipher(settings.crm_encryption_key)
    except ValueError:
        raise SettingsError(f"CRM_ENCRYPTION_KEY: a key of at least {MIN_KEY_LENGTH} characters is needed, "
                            f"not one of {len(settings.crm_encryption_key)}; {NEW_KEY}.") from None


def key_file(settings: Settings) -> Path | None:
    """Where the SQLite default keeps its key (`crm.db` -> `crm.key`); None for other databases."""
    database = sqlite_file(make_url(settings.database_url))
    return database.with_suffix(".key") if database is not None else None


def _write_secret(path: Path, text: str) -> None:
    """A new file readable by its owner only, on disk before this returns; FileExistsError if there is one."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())


def _read_key_file(path: Path) -> str:
    try:
        key = path.read_text().strip()
        Cipher(key)
    except OSError as e:
        raise SettingsError(f"CRM_ENCRYPTION_KEY is not set and the key file {path} cannot be read or made "
                            f"({e.strerror or e}); set CRM_ENCRYPTION_KEY ({NEW_KEY}) or fix the file.") from None
    except ValueError:
        raise SettingsError(f"the key file {path} does not hold a key of at least {MIN_KEY_LENGTH} characters; "
                            f"put back the one from your backup, or set CRM_ENCRYPTION_KEY.") from None
    return key


def current_key(settings: Settings) -> tuple[str, Path | None]:
    """The key in use and, for the SQLite default, the file it is in; a missing file is refused, not made."""
    if check_key(settings) is not None:
        return settings.crm_encryption_key, None
    path = key_file(settings)
    if path is None:
        raise KeyMissing(KEY_HELP.format(db=make_url(settings.database_url).render_as_string(hide_password=True)))
    if not path.exists():
        raise SettingsError(f"CRM_ENCRYPTION_KEY is not set and there is no key file {path}: there is no key to rotate; "
                            f"set CRM_ENCRYPTION_KEY to the key in use, or put back {path.name} from your backup.")
    return _read_key_file(path), path


def load_cipher(settings: Settings) -> Cipher:
    cipher = check_key(settings)
    if cipher is not None:
        return cipher
    path = key_file(settings)
    if path is None:
        raise KeyMissing(KEY_HELP.format(db=make_url(settings.database_url).render_as_string(hide_password=True)))
    if not path.exists():
        try:
            _write_secret(path, Cipher.generate_key())
        except OSError as e:
            raise SettingsError(f"CRM_ENCRYPTION_KEY is not set and the key file {path} cannot be made "
                                f"({e.strerror or e}); set CRM_ENCRYPTION_KEY ({NEW_KEY}) or fix the folder.") from None
        log.warning("made an encryption key for phones and emails in %s: back it up with the database", path)
    return Cipher(_read_key_file(path))


def write_pending_key(path: Path, key: str) -> Path:
    """The new key on disk beside the old one before the database changes, so a crash after the
    commit cannot lose it (`crm.key.new`). FileExistsError when one is left from an interrupted rotation."""
    pending = path.with_name(path.name + ".new")
    _write_secret(pending, key)
    return pending


def install_key(path: Path, pending: Path, *, stamp: str) -> Path:
    """After the commit: the old key copied to `crm.key.before-<stamp>` (kept for older database
    backups), then the pending key moved onto `crm.key` in one rename. Returns the copy's path."""
    old, n = path.read_text(), 1
    backup = path.with_name(f"{path.name}.before-{stamp}")
    while True:
        try:
            _write_secret(backup, old)
            break
        except FileExistsError:  # a second rotation within the same second
            n += 1
            backup = path.with_name(f"{path.name}.before-{stamp}-{n}")
    os.replace(pending, path)
    folder = os.open(path.parent, os.O_RDONLY)  # the rename itself on disk
    try:
        os.fsync(folder)
    finally:
        os.close(folder)
    return backup
