"""`python -m bot manifest --http https://HOST` or `--socket`: the Slack app's manifest for either
mode, from one source, manifest.yml (the Socket Mode one; bot/manifest.yml links to it, so an
installed bot carries it too)."""
from __future__ import annotations

import argparse
import copy
from importlib import resources
from urllib.parse import urlsplit

import yaml

from bot.front import EVENTS_PATH

HEADER = "# The Slack app's manifest ({mode}), printed by `python -m bot manifest {args}`: paste it at\n" \
         "# https://api.slack.com/apps -> Create New App -> From a manifest (or the app's App Manifest page).\n"


def socket_manifest() -> dict:
    return yaml.safe_load(resources.files("bot").joinpath("manifest.yml").read_text(encoding="utf-8"))


def http_manifest(base_url: str) -> dict:
    """Socket Mode off; every place Slack sends requests points at POST <base_url>/slack/events:
    each command, interactivity (buttons, modals), options (external selects) and events (Home tab)."""
    url = base_url.rstrip("/") + EVENTS_PATH
    doc = copy.deepcopy(socket_manifest())
    settings = doc["settings"]
    settings["socket_mode_enabled"] = False
    for command in doc["features"].get("slash_commands", []):
        command["url"] = url
    settings["interactivity"].update(request_url=url, message_menu_options_url=url)
    settings.setdefault("event_subscriptions", {})["request_url"] = url
    return doc


def public_base(value: str) -> str:
    """argparse type: an https:// URL with a host (and maybe a path prefix), no query."""
    parts = urlsplit(value.strip())
    if parts.scheme != "https" or not parts.hostname or parts.query or parts.fragment:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not the bot's public HTTPS address; give it like https://crm.example.com "
            "(Slack sends requests only to https://)")
    return value.strip().rstrip("/")


def add_arguments(parser) -> None:
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--http", metavar="https://HOST", type=public_base,
                      help="HTTP mode: Slack sends every request to https://HOST/slack/events")
    mode.add_argument("--socket", action="store_true", help="Socket Mode (manifest.yml as it is): no public URL")


def handle(_settings, args) -> None:
    if args.http:
        doc, mode, flags = http_manifest(args.http), "HTTP mode", f"--http {args.http}"
    else:
        doc, mode, flags = socket_manifest(), "Socket Mode", "--socket"
    print(HEADER.format(mode=mode, args=flags) + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100), end="")
