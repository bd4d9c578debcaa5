"""`python -m bot rotate-key [--new-key KEY]`.

It re-encrypts every stored phone and email from the key in use (CRM_ENCRYPTION_KEY, or
the SQLite default's key file `crm.key`) to a new one, in one transaction: all or nothing. The new
key is the one given with --new-key, or a fresh one. Stop the bot first: one still running with the
old key cannot read what was rotated.
- Key file (CRM_ENCRYPTION_KEY not set, SQLite): the new key is written to `crm.key.new` before the
  transaction; after the commit the old key is copied to `crm.key.before-<UTC time>` and
  `crm.key.new` is renamed onto `crm.key`. A failure leaves `crm.key` and the database as they were.
- CRM_ENCRYPTION_KEY: a fresh key is printed on stdout's last line; set CRM_ENCRYPTION_KEY to the new
  key on every replica before starting the bot again.
"""
from __future__ import annotations

import sys
from datetime import datetime, timezone

from sqlalchemy.exc import OperationalError

from bot.cli.args import BadArgument
from bot.database import open_database
from bot.keys import current_key, install_key, write_pending_key
from store.db import transaction
from store.key_rotation import KeyRotationError, rotate_key
from store.privacy import MIN_KEY_LENGTH, Cipher


def add_arguments(parser) -> None:
    parser.add_argument("--new-key", metavar="KEY", help="the new key, at least 32 characters (default: a fresh one)")


def _fail(message: str) -> None:
    print(f"rotate-key: {message}", file=sys.stderr)
    raise SystemExit(1)


def _pending(path, key: str):
    try:
        return write_pending_key(path, key)
    except FileExistsError:
        _fail(f"{path.name}.new is left from an interrupted rotation: if the bot cannot read phones and emails with "
              f"{path.name}, the key is in {path.name}.new, so move it to {path.name}; otherwise delete {path.name}.new; "
              f"then run rotate-key again.")
    except OSError as e:
        _fail(f"cannot write the new key beside {path} ({e.strerror or e}); nothing was changed.")


def handle(settings, args) -> None:
    new_key = Cipher.generate_key() if args.new_key is None else args.new_key
    if len(new_key) < MIN_KEY_LENGTH:
        raise BadArgument(f"rotate-key: --new-key: a key of at least {MIN_KEY_LENGTH} characters is needed, not one of "
                          f"{len(new_key)}; leave it out to have one made.")
    db = open_database(settings.database_url)
    old_key, path = current_key(settings)
    if new_key == old_key:
        raise BadArgument("rotate-key: --new-key is the key in use; give another, or leave it out to have one made.")
    pending, committed = _pending(path, new_key) if path else None, False
    try:
        with transaction(db) as session:
            done = rotate_key(session=session, old=Cipher(old_key), new=Cipher(new_key))
        committed = True
    except KeyRotationError as e:
        _fail(f"{e}; nothing was changed.")
    except OperationalError as e:  # e.g. the bot still running and writing: SQLite's lock
        _fail(f"the database refused the change ({str(e.orig or e).strip()}); nothing was changed: stop the bot and try again.")
    finally:
        if pending is not None and not committed:
            pending.unlink(missing_ok=True)
    print(f"Re-encrypted {done.phones} phones and {done.emails} emails (customers: {done.customers}, "
          f"contacts: {done.contacts}) with the new key.")
    if path is None:
        print("Set CRM_ENCRYPTION_KEY to the new key on every replica before starting the bot again"
              + (":" if args.new_key is None else "."))
        if args.new_key is None:
            print(new_key)
    else:
        _install(path, pending)


def _install(path, pending) -> None:
    try:
        backup = install_key(path, pending, stamp=datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ"))
    except OSError as e:
        _fail(f"the database now uses the new key, but {path} could not be replaced ({e.strerror or e}); "
              f"the new key is in {pending}: move it to {path} before starting the bot.")
    print(f"The new key is in {path}; the old one is kept in {backup}: keep it with the database backups made before now.")
