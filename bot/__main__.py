"""`python -m bot [run|migrate|jobs --once [--now ISO8601]|import-nps|import|export|report|payments|tiers|tags|new-key|rotate-key|manifest]`.

COMMANDS names each subcommand's module in bot/cli/ (see bot/cli/__init__.py); only the one the
command line names is imported, so `--help`, `new-key` and `manifest` start without the store, and
serving without the import and export code."""
from __future__ import annotations

import argparse
import importlib
import os
import sys

from bot.cli.args import BadArgument
from bot.logs import configure_logging
from bot.settings import SettingsError, load_settings

# subcommand -> (the module that runs it, its line in --help); no subcommand: run
COMMANDS = {
    "run": ("bot.cli.run", "start the bot and its scheduler (the default)"),
    "migrate": ("bot.cli.migrate", "bring the database to the latest revision"),
    "jobs": ("bot.cli.jobs", "run the scheduled jobs"),
    "new-key": ("bot.cli.new_key", "print a new CRM_ENCRYPTION_KEY"),
    "rotate-key": ("bot.cli.rotate_key", "re-encrypt every stored phone and email with a new key (all or nothing)"),
    "import-nps": ("bot.cli.import_nps", "import NPS scores from a CSV file (all rows or none)"),
    "import": ("bot.cli.import_customers", "import customers from a CSV file (all rows or none)"),
    "export": ("bot.cli.export_customers", "export every customer as CSV (UTF-8 with BOM)"),
    "report": ("bot.cli.report", "export the figures of a period as CSV (UTF-8 with BOM), or a document as Markdown"),
    "payments": ("bot.cli.payments", "a won deal's payment schedule: show, schedule, receive"),
    "tiers": ("bot.cli.tiers", "value tiers: list, set by hand, recompute now"),
    "tags": ("bot.cli.tags", "a customer's behaviour tags: list, remove, restore"),
    "manifest": ("bot.cli.manifest", "print the Slack app manifest for HTTP mode or Socket Mode"),
}
WITHOUT_DATABASE = ("new-key", "manifest")  # every other command opens the database, and may read the key
CHECKS_ITSELF = ("run",)  # it checks the database and the key once its port answers (bot/cli/run.py)
OPENING = "bot.cli.opening"  # those checks: loaded, like a subcommand's module, only by a command that opens the database


def parse(argv: list[str]) -> tuple[argparse.Namespace, object]:
    """The arguments and the module of the subcommand they name (bot.cli.run when none)."""
    parser = argparse.ArgumentParser(prog="python -m bot", description="CRM assistant for Slack")
    sub = parser.add_subparsers(dest="command")
    parsers = {name: sub.add_parser(name, help=text) for name, (_, text) in COMMANDS.items()}
    named = argv[0] if argv and argv[0] in COMMANDS else None  # `--help` or a word argparse refuses: nothing to load
    if named is not None:
        adding = getattr(importlib.import_module(COMMANDS[named][0]), "add_arguments", None)
        if adding is not None:
            adding(parsers[named])
    args = parser.parse_args(argv)
    return args, importlib.import_module(COMMANDS[args.command or "run"][0])


def main(argv: list[str] | None = None) -> None:
    args, command = parse(sys.argv[1:] if argv is None else argv)
    try:
        settings = load_settings()
        try:
            configure_logging(level=settings.log_level, fmt=settings.log_format)
        except ValueError as e:
            raise SettingsError(str(e)) from None
        if (args.command or "run") not in WITHOUT_DATABASE + CHECKS_ITSELF:
            importlib.import_module(OPENING).check(settings)
        command.handle(settings, args)
    except SettingsError as e:  # one sentence naming the variable and what it takes
        print(f"Settings: {e}", file=sys.stderr)
        raise SystemExit(2) from None
    except BadArgument as e:
        print(e, file=sys.stderr)
        raise SystemExit(2) from None
    except BrokenPipeError:  # `report | head`: the reader has what it wanted
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error when Python flushes stdout
        raise SystemExit(0) from None


if __name__ == "__main__":
    main()
