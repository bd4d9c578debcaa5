"""The Slack Web API client of the bot and of its commands, apart from the Bolt app (bot/app.py):
`python -m bot import` asks Slack about owners without loading the app and every handler (0.4 s
of its start)."""
from __future__ import annotations

from slack_sdk import WebClient

from bot.settings import Settings


def make_client(settings: Settings) -> WebClient:
    return WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url, timeout=10)
