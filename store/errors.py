"""Domain errors: handlers turn them into a message in the user's language (by `key`)."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Amount:
    """Money in a refusal's params: handlers write it as the reader's locale does (¥100.00 / CN¥100.00)."""

    value: Decimal
    currency: str


class DomainError(Exception):
    """A refusal the user can act on. `key` names the catalog text; `field` the form field."""

    def __init__(self, key: str, *, field: str | None = None, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.field = field
        self.params = params


class FieldErrors(DomainError):
    """Several fields at once, so a form can show every problem in one go."""

    def __init__(self, errors: list[DomainError]) -> None:
        super().__init__(errors[0].key, field=errors[0].field, **errors[0].params)
        self.errors = errors


class Checker:
    """Collects DomainErrors from field checks; `done()` raises them together."""

    def __init__(self) -> None:
        self.errors: list[DomainError] = []

    def check(self, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except FieldErrors as e:  # a check of several fields: keep each one
            self.errors.extend(e.errors)
            return None
        except DomainError as e:
            self.errors.append(e)
            return None

    def fail(self, key: str, *, field: str, **params: object) -> None:
        self.errors.append(DomainError(key, field=field, **params))

    def done(self) -> None:
        if self.errors:
            raise FieldErrors(self.errors)
