"""The catalog: every text in both languages, with the same placeholders."""
from __future__ import annotations

import string

import pytest

from handlers.i18n import CATALOG, EN, ZH, Plural, lang, plural, t


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _forms(text: str) -> list[str]:
    return list(text.forms.values()) if isinstance(text, Plural) else [text]


@pytest.mark.parametrize("key", sorted(CATALOG))
def test_every_text_has_both_languages_with_the_same_placeholders(key):
    """A text with plural forms: its `other` form has the placeholders of the other language, each
    form only placeholders of those (English "the last alert" may leave out the count), and it has
    a count to choose by."""
    entry = CATALOG[key]
    assert set(entry) == {ZH, EN}
    assert entry[ZH].strip() and entry[EN].strip()
    assert _fields(entry[ZH]) == _fields(entry[EN])
    for form in _forms(entry[ZH]) + _forms(entry[EN]):
        assert form.strip() and _fields(form) <= _fields(entry[EN])
    if any(isinstance(entry[x], Plural) for x in (ZH, EN)):
        assert "count" in _fields(entry[EN])


def test_plural_forms_follow_cldr_rules_of_the_texts_language():
    assert [t("en-US", "exp_done", count=n, path="a.csv") for n in (0, 1, 2)] == [
        "Exported 0 customers to a.csv.", "Exported 1 customer to a.csv.", "Exported 2 customers to a.csv."]
    assert [t("zh-CN", "exp_done", count=n, path="a.csv") for n in (1, 5)] == ["已导出 1 个客户到 a.csv。", "已导出 5 个客户到 a.csv。"]
    # a Japanese reader reads the English texts, so English rules choose (Japanese has one form)
    assert t("ja-JP", "alerts_grouped", count=1) == "🔔 You have 1 alert:"
    assert t("en-GB", "alerts_grouped", count=5) == "🔔 You have 5 alerts:"
    with pytest.raises(TypeError, match="needs a number count="):
        t("en", "alerts_grouped")
    with pytest.raises(TypeError, match="needs a number count="):
        t("en", "alerts_grouped", count="1")
    with pytest.raises(ValueError, match="need 'other'"):
        plural(one="{count} thing")
    with pytest.raises(ValueError, match="only CLDR categories"):
        plural(single="{count} thing", other="{count} things")
    assert str(CATALOG["alerts_grouped"][EN]) == "🔔 You have {count} alerts:"  # read directly, a text still


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
