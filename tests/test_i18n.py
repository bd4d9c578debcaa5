"""The catalog: gettext files in handlers/texts/ (messages.pot, <locale>/LC_MESSAGES/messages.po and the
messages.mo Babel compiles from it). Every message of the template in every language, translated, with
the English text's placeholders and the language's plural forms; the compiled files up to date; every
key the code passes to t() in the catalog; a language added as files alone is spoken."""
from __future__ import annotations

import ast
import shutil
import string
import subprocess
import sys
from io import BytesIO
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po, write_po

from handlers.i18n import CATALOG, EN, ZH, Texts, lang, t
from store.vocab import catalog as vocab_labels

ROOT = Path(__file__).resolve().parents[1]
TEXTS = ROOT / "handlers" / "texts"
LOCALES = sorted(p.parent.parent.name for p in TEXTS.glob("*/LC_MESSAGES/messages.po"))


def po_path(locale: str, base: Path = TEXTS) -> Path:
    return base / locale / "LC_MESSAGES" / "messages.po"


def read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as source:
        return read_po(source, locale=locale)


def keyed(catalog: Catalog) -> dict[str, Message]:
    return {message.context: message for message in catalog if message.id}


def ids(message: Message) -> tuple[str, ...]:
    return message.id if isinstance(message.id, tuple) else (message.id,)


def forms(message: Message) -> tuple[str, ...]:
    return message.string if isinstance(message.string, tuple) else (message.string,)


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


TEMPLATE = keyed(read(TEXTS / "messages.pot"))


def test_the_template_keys_every_message_once():
    messages = [m for m in read(TEXTS / "messages.pot") if m.id]
    assert [m.id for m in messages if not m.context] == []
    assert len({m.context for m in messages}) == len(messages) == len(TEMPLATE) > 1000
    assert {"en", "zh_CN"} <= set(LOCALES)


@pytest.mark.parametrize("locale", LOCALES)
def test_every_message_of_the_template_is_translated_in_every_language(locale):
    """Missing, fuzzy (made for an older English text), untranslated or left over: each fails, by key."""
    catalog = read(po_path(locale), locale)
    found = keyed(catalog)
    assert sorted(set(TEMPLATE) - set(found)) == [], f"missing in {locale}: pybabel update -i handlers/texts/messages.pot -d handlers/texts"
    assert sorted(set(found) - set(TEMPLATE)) == [], f"in {locale} but not in the template"
    assert sorted(k for k, m in found.items() if m.id != TEMPLATE[k].id) == [], "another English text than the template's"
    assert sorted(k for k, m in found.items() if m.fuzzy) == [], "fuzzy: check the translation, then remove the fuzzy flag"
    assert sorted(k for k, m in found.items() if not all(f.strip() for f in forms(m))) == [], "untranslated"
    assert list(catalog.obsolete) == []
    assert not catalog.fuzzy


@pytest.mark.parametrize("locale", LOCALES)
def test_plural_forms_are_the_languages_and_babels_checks_pass(locale):
    catalog = read(po_path(locale), locale)
    assert catalog.plural_forms == get_plural(locale).plural_forms
    for message in keyed(catalog).values():
        assert len(forms(message)) == (catalog.num_plurals if message.pluralizable else 1), message.context
    assert [(m.context, [str(e) for e in errors]) for m, errors in catalog.check()] == []


@pytest.mark.parametrize("locale", LOCALES)
def test_placeholders_are_the_english_texts(locale):
    """Each form says only placeholders of the English text, and the forms together say all of them
    (English "The last alert" may leave out its count); a text with plural forms has a count."""
    wrong = []
    for key, message in keyed(read(po_path(locale), locale)).items():
        english = set().union(*(fields(text) for text in ids(message)))
        said = [fields(text) for text in forms(message)]
        if any(not names <= english for names in said) or set().union(*said) != english:
            wrong.append((key, sorted(english), [sorted(names) for names in said]))
        if message.pluralizable and "count" not in english:
            wrong.append((key, "plural forms without {count}"))
    assert wrong == []


def test_the_english_catalog_says_the_english_text():
    """So English is changed in one place, the msgid, and every language sees the change (fuzzy)."""
    assert [k for k, m in keyed(read(po_path("en"), "en")).items() if forms(m) != ids(m)] == []


@pytest.mark.parametrize("locale", LOCALES)
def test_the_compiled_catalogs_are_those_of_the_po_files(locale):
    compiled = BytesIO()
    write_mo(compiled, read(po_path(locale), locale), use_fuzzy=False)
    mo = po_path(locale).with_suffix(".mo")
    assert mo.is_file() and mo.read_bytes() == compiled.getvalue(), "stale: pybabel compile -d handlers/texts"


def keys_in_code() -> tuple[set[str], set[str]]:
    """Keys passed to t(loc, "key") (and bot/cli/customers.py's say(loc, "key")): literals, and the literal
    beginnings of f-strings (t(loc, f"status_{s}"))."""
    literal, prefixes = set(), set()
    for path in [*ROOT.glob("bot/**/*.py"), *ROOT.glob("handlers/**/*.py"), *ROOT.glob("store/**/*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or len(node.args) < 2:
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
            key = node.args[1]
            if name not in ("t", "say"):
                continue
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                literal.add(key.value)
            elif isinstance(key, ast.JoinedStr) and key.values and isinstance(key.values[0], ast.Constant):
                prefixes.add(key.values[0].value)
    return literal, prefixes


def test_every_key_the_code_passes_to_t_is_in_the_catalog():
    literal, prefixes = keys_in_code()
    assert len(literal) > 500 and prefixes  # the scan finds them
    assert sorted(key for key in literal if key not in CATALOG) == []
    assert sorted(p for p in prefixes if not any(key.startswith(p) for key in CATALOG)) == []


def test_the_labels_of_stored_codes_are_those_the_store_reads():
    """store/vocab.py keeps each code's zh-CN and English label for the CSV import and export; the
    catalog's vocab_<kind>_<code> messages say the same (a third language translates them there)."""
    labels = vocab_labels()
    assert sorted(k for k in CATALOG if k.startswith("vocab_")) == sorted(labels)
    assert [k for k, label in labels.items() if (t(ZH, k), t(EN, k)) != (label[ZH], label[EN])] == []


def test_plural_forms_follow_the_languages_plural_forms():
    assert [t("en-US", "exp_done", count=n, path="a.csv") for n in (0, 1, 2)] == [
        "Exported 0 customers to a.csv.", "Exported 1 customer to a.csv.", "Exported 2 customers to a.csv."]
    assert [t("zh-CN", "exp_done", count=n, path="a.csv") for n in (1, 5)] == ["已导出 1 个客户到 a.csv。", "已导出 5 个客户到 a.csv。"]
    # a Japanese reader reads the English texts, so English rules choose (Japanese has one form)
    assert t("ja-JP", "alerts_grouped", count=1) == "🔔 You have 1 alert:"
    assert t("en-GB", "alerts_grouped", count=5) == "🔔 You have 5 alerts:"
    assert t("en", "admin_failures_header", count=1) == "*The last alert Slack refused for good*"
    for bad in (None, "1", True, 1.5):
        with pytest.raises(TypeError, match="needs a whole number count="):
            t("en", "alerts_grouped", **({} if bad is None else {"count": bad}))
    with pytest.raises(KeyError, match="no text 'no_such_key'"):
        t("en", "no_such_key")


def test_slack_locales_map_to_the_languages_there_are_catalogs_for():
    assert [lang(x) for x in ("zh-CN", "zh-TW", "zh", "en-US", "en-GB", "ja-JP", "", None)] == [ZH, ZH, ZH, EN, EN, EN, EN, EN]
    assert t("zh-CN", "err_too_long", limit=5, length=6) == "最多 5 个字，现在是 6 个。"
    assert t("en-US", "err_too_long", limit=5, length=6) == "At most 5 characters; this has 6."


def pybabel(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args], check=True, capture_output=True)


def test_a_third_language_is_files_not_code(tmp_path):
    """README's steps for a translator: pybabel init from the template, translate (here two texts,
    as a translator's tool writes them), pybabel compile; French is then spoken, with French plural
    forms (CLDR: 0 and 1 singular, a million its own form), and English where not yet translated."""
    for locale in ("en", "zh_CN"):
        (tmp_path / locale / "LC_MESSAGES").mkdir(parents=True)
        shutil.copy(po_path(locale).with_suffix(".mo"), po_path(locale, tmp_path).with_suffix(".mo"))
    shutil.copy(TEXTS / "messages.pot", tmp_path / "messages.pot")
    pybabel("init", "-i", str(tmp_path / "messages.pot"), "-d", str(tmp_path), "-l", "fr")
    french = read(po_path("fr", tmp_path), "fr")
    french.get(CATALOG["save"][0], context="save").string = "Enregistrer"
    french.get(CATALOG["alerts_grouped"], context="alerts_grouped").string = (
        "🔔 Vous avez {count} alerte :", "🔔 Vous avez {count} d’alertes :", "🔔 Vous avez {count} alertes :")
    with po_path("fr", tmp_path).open("wb") as out:
        write_po(out, french)
    pybabel("compile", "-d", str(tmp_path), "-l", "fr")

    texts = Texts(str(tmp_path))
    assert [texts.lang(x) for x in ("fr-FR", "fr-CA", "zh-CN", "de-DE")] == ["fr", "fr", ZH, EN]
    assert texts.t("fr-FR", "save") == "Enregistrer"
    assert [texts.t("fr-FR", "alerts_grouped", count=n) for n in (0, 1, 2, 1_000_000)] == [
        "🔔 Vous avez 0 alerte :", "🔔 Vous avez 1 alerte :", "🔔 Vous avez 2 alertes :", "🔔 Vous avez 1000000 d’alertes :"]
    assert texts.t("fr-FR", "cancel") == t("en", "cancel")  # not translated yet
    assert texts.t("zh-CN", "save") == "保存"


def test_every_refusal_the_store_can_raise_has_text():
    """Literal keys (DomainError("err_x"), fail("err_x")) and the f-string families (err_need_*, ...)."""
    import re

    store = ROOT / "store"
    source = "\n".join(p.read_text(encoding="utf-8") for p in store.rglob("*.py"))
    literal = set(re.findall(r'"(err_[a-z_]+)"', source))
    families = {"err_need_": ("kind", "priority", "status"), "err_": ("source", "value_tier", "need_type")}
    expected = literal | {prefix + name for prefix, names in families.items() for name in names}
    assert sorted(key for key in expected if key not in CATALOG) == []
