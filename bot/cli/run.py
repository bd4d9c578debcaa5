"""`python -m bot` or `python -m bot run`: the bot and its scheduler, serving until SIGTERM.

The port opens first (bot/front.py: /healthz answers, /readyz says not ready, Slack's requests wait
for the app), so this module imports nothing heavy. Then the database URL and the key are checked
(bot/cli/opening.py) and bot/cli/serve.py, which imports the app, migrates, checks Slack and hands
the port to the app. Both are loaded by name once the port is open, the way bot/__main__.py loads
a subcommand's module (COMMANDS): that order is the point of this module.
"""
from __future__ import annotations

import importlib

from bot.cli.args import require_slack
from bot.front import Front, listen
from bot.settings import SettingsError

OPENING, SERVING = "bot.cli.opening", "bot.cli.serve"  # loaded once the port answers


def handle(settings, _args) -> None:
    require_slack(settings, serving=True)
    front = Front()
    try:
        web = listen(front, settings.port)
    except OSError as e:
        raise SettingsError(f"PORT: cannot listen on port {settings.port} ({e.strerror or e}); give a free port "
                            f"from 1 to 65535.") from None
    importlib.import_module(OPENING).check(settings)
    importlib.import_module(SERVING).load_and_serve(settings, front=front, web=web)
