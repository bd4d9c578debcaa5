"""The text catalog, as gettext files (README: "Texts and languages"), read by handlers.i18n:

    messages.pot                     the template: msgctxt = the key t() takes, msgid = English
    <locale>/LC_MESSAGES/messages.po a language (zh_CN, en, ...); messages.mo: compiled by Babel

ZH and EN are the tags handlers.i18n.lang() answers for the zh_CN and en catalogs; code that
writes Chinese and English differently (dates, due-time words) compares lang() with them.
"""

from __future__ import annotations

ZH, EN = "zh-CN", "en"
