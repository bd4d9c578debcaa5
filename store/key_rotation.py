"""Re-encrypt every stored phone and email from one key to another, in the caller's transaction.

Ciphertexts live in two tables, customer and contact: *_enc (Fernet tokens) and *_index (the keyed
blind indexes, which change with the key too). Each row is rewritten as it is read, in id order;
one value the old key cannot read raises KeyRotationError, and the caller's rollback leaves every
row as it was. The digests of imported rows (store.crm_models.ImportedRow), keyed too, are dropped:
the next import of an old file reads its rows again and finds the customers by their new indexes.
On PostgreSQL both tables are locked against writers first, so no row is added or changed with the
old key while the rotation runs (SQLite's single writer does the same).
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, text, update
from sqlmodel import Session, select

from store.models import Contact, Customer, ImportedRow
from store.privacy import Cipher, sealed

TABLES = (Customer, Contact)


class KeyRotationError(ValueError):
    def __init__(self, table: str, row_id: int, column: str) -> None:
        super().__init__(f"{table} {row_id}: its {column} cannot be read with the current key (a wrong key, or tampered)")
        self.table, self.row_id, self.column = table, row_id, column


@dataclass
class Rotated:
    customers: int = 0  # rows rewritten
    contacts: int = 0
    phones: int = 0     # values re-encrypted
    emails: int = 0


def _opened(old: Cipher, model, row_id: int, column: str, token: str | None) -> str | None:
    if not token:
        return None
    try:
        return old.decrypt(token)
    except ValueError:
        raise KeyRotationError(model.__tablename__, row_id, column.removesuffix("_enc")) from None


def rotate_key(*, session: Session, old: Cipher, new: Cipher) -> Rotated:
    """Every phone and email now readable with `new` only (once the caller commits)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text(f"LOCK TABLE {', '.join(m.__tablename__ for m in TABLES)} IN SHARE ROW EXCLUSIVE MODE"))
    done = Rotated()
    for model in TABLES:
        kept = {"updated_at": model.updated_at} if "updated_at" in model.__table__.c else {}  # a key is not an edit
        rows = session.exec(select(model.id, model.phone_enc, model.email_enc)
                            .where(model.phone_enc.is_not(None) | model.email_enc.is_not(None)).order_by(model.id)).all()
        for row_id, phone_enc, email_enc in rows:
            phone = _opened(old, model, row_id, "phone_enc", phone_enc)
            email = _opened(old, model, row_id, "email_enc", email_enc)
            values = sealed(new, phone=phone or "", email=email or "")
            session.execute(update(model).where(model.id == row_id).values(**values, **kept))
            done.phones += phone is not None
            done.emails += email is not None
        if model is Customer:
            done.customers = len(rows)
        else:
            done.contacts = len(rows)
    session.execute(delete(ImportedRow))
    return done
