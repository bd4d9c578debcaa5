"""`python -m bot export [--out FILE.csv] [--lang zh-CN|en]`: every customer as CSV, UTF-8 with a BOM
(bot/cli/customers.py says what it writes)."""
from __future__ import annotations

import io
import sys
from pathlib import Path

from bot.cli.customers import open_with_cipher, say
from handlers.texts import EN, ZH
from handlers.words import action_text
from store.customer_export import export_customers
from store.db import transaction


def add_arguments(parser) -> None:
    parser.add_argument("--out", type=Path, help="write to this file instead of stdout")
    parser.add_argument("--lang", choices=(ZH, EN), help="headers and labels in this language (default CRM_DEFAULT_LOCALE)")


def handle(settings, args) -> None:
    locale = args.lang or settings.crm_default_locale
    db, cipher = open_with_cipher(settings)
    with transaction(db) as session:
        options = dict(session=session, cipher=cipher, locale=locale, tz=settings.crm_default_tz, titled=action_text)
        if args.out:
            try:
                with open(args.out, "w", encoding="utf-8", newline="") as out:
                    count = export_customers(out=out, **options)
            except OSError as e:
                raise SystemExit(f"export: cannot write {args.out}: {e.strerror or e}")
            print(say(settings.crm_default_locale, "exp_done", count=count, path=args.out))
            return
        out = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="", write_through=True)
        try:
            export_customers(out=out, **options)
        finally:
            out.detach()
