"""Per-feature text catalogs, merged by handlers.i18n."""

from __future__ import annotations

ZH, EN = "zh-CN", "en"

PLURAL_CATEGORIES = ("zero", "one", "two", "few", "many", "other")  # CLDR's


class Plural(str):
    """A text with plural forms by CLDR category; as a str it is its `other` form."""

    forms: dict[str, str]

    def __new__(cls, forms: dict[str, str]) -> Plural:
        if "other" not in forms or set(forms) - set(PLURAL_CATEGORIES):
            raise ValueError(f"plural forms need 'other' and only CLDR categories {PLURAL_CATEGORIES}: {sorted(forms)}")
        made = super().__new__(cls, forms["other"])
        made.forms = dict(forms)
        return made

    def form(self, category: str) -> str:
        return self.forms.get(category, self.forms["other"])


def plural(**forms: str) -> Plural:
    """plural(one="{count} reminder", other="{count} reminders")"""
    return Plural(forms)

# Modules under handlers/texts/ whose TEXTS make up the catalog.
FEATURES = ("core", "people", "nps", "tickets", "crm", "customers", "lifecycle", "imports", "stats", "home", "digest", "risk",
            "charts", "churn", "payments", "value", "tags", "reviews", "documents")
