"""The catalog: every text in both languages, with the same placeholders."""
from __future__ import annotations

import string

import pytest

from handlers.i18n import CATALOG, EN, ZH, lang, t


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("key", sorted(CATALOG))
def test_every_text_has_both_languages_with_the_same_placeholders(key):
    entry = CATALOG[key]
    assert set(entry) == {ZH, EN}
    assert entry[ZH].strip() and entry[EN].strip()
    assert _fields(entry[ZH]) == _fields(entry[EN])


def test_slack_locales_map_to_two_languages():
    assert [lang(x) for x in ("zh-CN", "zh-TW", "en-US", "en-GB", "ja-JP", None)] == [ZH, ZH, EN, EN, EN, EN]
    assert t("zh-CN", "err_too_long", limit=5, length=6) == "最多 5 个字，现在是 6 个。"
    assert t("en-US", "err_too_long", limit=5, length=6) == "At most 5 characters; this has 6."


def test_every_refusal_the_store_can_raise_has_text():
    """Literal keys (DomainError("err_x"), fail("err_x")) and the f-string families (err_need_*, ...)."""
    import re
    from pathlib import Path

    store = Path(__file__).resolve().parents[1] / "store"
    source = "\n".join(p.read_text(encoding="utf-8") for p in store.rglob("*.py"))
    literal = set(re.findall(r'"(err_[a-z_]+)"', source))
    families = {"err_need_": ("kind", "priority", "status"), "err_": ("source", "value_tier", "need_type")}
    expected = literal | {prefix + name for prefix, names in families.items() for name in names}
    assert sorted(key for key in expected if key not in CATALOG) == []
