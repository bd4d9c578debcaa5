"""`python -m bot new-key`: a new CRM_ENCRYPTION_KEY on stdout."""
from __future__ import annotations

from store.privacy import Cipher


def handle(_settings, _args) -> None:
    print(Cipher.generate_key())
