"""Phone numbers and emails: validated, encrypted at rest, matched by a keyed blind index, masked.

`Cipher(key)` is built from one secret string handed in by bot/ (never read here). Two keys are
derived from it with HKDF-SHA256: one for Fernet (AES-128-CBC + HMAC-SHA256, so tokens are
authenticated), one for the blind index, an HMAC-SHA256 of the *normalised* value, so the same
phone written "+86 138-1234-5678" or "13812345678" finds the same row without decrypting any.
Losing or changing the key makes every stored phone and email unreadable and unmatched.

`cryptography` (its Rust bindings, about 7 MB) is loaded when the first phone or email is
sealed, opened or indexed, not when a Cipher is made: the key's length is checked at start, the
keys are derived on first use.
"""
from __future__ import annotations

import base64
import hmac
import re

from store.errors import DomainError
from store.text import clean_line

MIN_KEY_LENGTH = 32
PHONE_MIN_DIGITS, PHONE_MAX_DIGITS = 5, 15  # E.164 has at most 15 digits
EMAIL_MAX = 254
_NOT_DIGIT = re.compile(r"\D")
_PHONE_CHARS = re.compile(r"^\+?[0-9][0-9 \-()]*$")
_EMAIL = re.compile(r"^[^@\s\"<>,;]+@[^@\s\"<>,;]+\.[^@\s\"<>,;.]{2,}$")


def _derive(secret: bytes, purpose: bytes) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"crm-slack", info=purpose).derive(secret)


class Cipher:
    def __init__(self, key: str) -> None:
        if not key or len(key) < MIN_KEY_LENGTH:
            raise ValueError(f"the encryption key must be at least {MIN_KEY_LENGTH} characters")
        self._secret = key.encode()
        self._keys = None  # (Fernet, blind index key), derived on first use

    def __reduce__(self):  # to a process reading an import (store/customer_reading.py): the key, not the derived objects
        return Cipher, (self._secret.decode(),)

    def _derived(self):
        if self._keys is None:  # two threads may both derive: the same keys, either one kept
            from cryptography.fernet import Fernet

            self._keys = (Fernet(base64.urlsafe_b64encode(_derive(self._secret, b"fernet"))),
                          _derive(self._secret, b"blind-index"))
        return self._keys

    @staticmethod
    def generate_key() -> str:
        """A fresh random key string, for the settings."""
        from cryptography.fernet import Fernet

        return Fernet.generate_key().decode()

    def encrypt(self, value: str) -> str:
        return self._derived()[0].encrypt(value.encode()).decode()

    def decrypt(self, token: str) -> str:
        from cryptography.fernet import InvalidToken

        try:
            return self._derived()[0].decrypt(token.encode()).decode()
        except InvalidToken:
            raise ValueError("token not readable with this key (wrong key, or tampered)") from None

    def blind_index(self, kind: str, normalised: str) -> str:
        """Hex HMAC-SHA256 of "kind:value"; the kind keeps a phone and an email apart."""
        return hmac.digest(self._derived()[1], f"{kind}:{normalised}".encode(), "sha256").hex()  # one C call: an import makes 100,000s

    def row_digest(self, text: str) -> str:
        """A keyed digest of an imported row's text (store.crm_models.ImportedRow): 128 bits, hex; read
        by nobody without the key, as the blind indexes."""
        return hmac.digest(self._derived()[1], f"import-row:{text}".encode(), "sha256")[:16].hex()

    def phone_index(self, phone: str) -> str:
        return self.blind_index("phone", normalise_phone(phone))

    def email_index(self, email: str) -> str:
        return self.blind_index("email", normalise_email(email))


def normalise_phone(phone: str) -> str:
    """Digits only; mainland China's country code (+86 / 0086) dropped from 11-digit numbers."""
    digits = _NOT_DIGIT.sub("", phone or "")
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            return digits[len(prefix):]
    return digits


def normalise_email(email: str) -> str:
    return clean_line(email).casefold()


def check_phone(phone: str, *, field: str = "phone") -> str:
    """The phone as written (cleaned), or DomainError("err_phone"): digits, spaces, - ( ) and a
    leading +; 5 to 15 digits."""
    value = clean_line(phone)
    digits = _NOT_DIGIT.sub("", value)
    if not _PHONE_CHARS.match(value) or not PHONE_MIN_DIGITS <= len(digits) <= PHONE_MAX_DIGITS:
        raise DomainError("err_phone", field=field)
    return value


def check_email(email: str, *, field: str = "email") -> str:
    value = clean_line(email)
    if len(value) > EMAIL_MAX or not _EMAIL.match(value):
        raise DomainError("err_email", field=field)
    return value


def mask_phone(phone: str) -> str:
    """13812345678 -> 138****5678: the first 3 and last 4 digits of 8 or more; else the last 2."""
    digits = normalise_phone(phone)
    if len(digits) >= 8:
        return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
    return "*" * max(len(digits) - 2, 0) + digits[-2:]


def mask_email(email: str) -> str:
    """zhang.san@example.com -> z***@example.com"""
    value = clean_line(email)
    local, at, domain = value.rpartition("@")
    if not at or not local:
        return "***"
    return f"{local[0]}***@{domain}"


def sealed(cipher: Cipher, *, phone: str | None, email: str | None) -> dict[str, str | None]:
    """Column values for a phone and an email (None or "" clears): *_enc and *_index."""
    out: dict[str, str | None] = {}
    if phone is not None:
        out["phone_enc"] = cipher.encrypt(phone) if phone else None
        out["phone_index"] = cipher.phone_index(phone) if phone else None
    if email is not None:
        out["email_enc"] = cipher.encrypt(email) if email else None
        out["email_index"] = cipher.email_index(email) if email else None
    return out


def opened(cipher: Cipher, row, *, unmasked: bool) -> tuple[str | None, str | None]:
    """(phone, email) of a customer or contact row, decrypted, masked unless `unmasked`."""
    phone = cipher.decrypt(row.phone_enc) if row.phone_enc else None
    email = cipher.decrypt(row.email_enc) if row.email_enc else None
    if not unmasked:
        phone = mask_phone(phone) if phone else None
        email = mask_email(email) if email else None
    return phone, email
