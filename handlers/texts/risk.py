"""Text for risk (filled in by its feature)."""
from __future__ import annotations

from handlers.texts import EN, ZH  # noqa: F401

TEXTS: dict[str, dict[str, str]] = {
}
