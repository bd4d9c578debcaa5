"""A person picked in a form's people menu (an action's owner, a customer's owner or CS owner, a
ticket's assignee, a win-back plan's owner) must be someone the bot can remind.

Slack's people menu (users_select) lists bots and apps too: it has no filter for them. A forged
payload can name anyone, a deactivated account included. Work owned by either is never reminded:
Slack refuses DMs to a bot, and a deactivated account reads nothing. So the form says so before
anything is saved, on the field, in the submitter's language. The submitter (a person, by
definition) is not asked about; anyone else is asked of Slack (users.info) when the form is
submitted. When Slack cannot say (rate-limited, down), the pick is let through: work is not refused
for Slack's sake, and a delivery Slack refuses is listed by `/crm admin failures`.

The question is asked before the form is answered, inside Slack's 3 seconds, and a form is saved
before it is answered: a slow answer must not make Slack show an error for a form that was saved (a
second submit would save it twice). So it has ASK_SECONDS, once, without the client's retries (a
rate-limited answer would otherwise be waited out), and no answer in time lets the pick through."""
from __future__ import annotations

import logging
from collections.abc import Mapping

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from handlers.blocks import mention
from handlers.i18n import t
from store.users import not_a_person

log = logging.getLogger(__name__)
ASK_SECONDS = 1.5
SLACKBOT = "USLACKBOT"
_GONE = frozenset({"user_not_found", "user_not_visible", "users_not_found"})


def why_not(client: WebClient, user_id: str | None, *, submitter: str) -> str | None:
    """"bot", "gone" (deactivated, or no such account), or None (a person, or Slack could not say)."""
    if not user_id or user_id == submitter:
        return None
    if user_id == SLACKBOT:
        return "bot"
    quick = WebClient(token=client.token, base_url=client.base_url, timeout=ASK_SECONDS, retry_handlers=[])
    try:
        info = quick.users_info(user=user_id)["user"] or {}
    except SlackApiError as e:
        error = e.response.get("error")
        if error in _GONE:
            return "gone"
        log.warning("users.info %s failed (%s): the pick is let through", user_id, error)
        return None
    except Exception as e:  # a timeout, a connection refused: Slack could not say
        log.warning("users.info %s failed (%s): the pick is let through", user_id, type(e).__name__)
        return None
    return not_a_person(info)


def pick_errors(client: WebClient, *, locale: str, submitter: str, picks: Mapping[str, str | None]) -> dict[str, str]:
    """{block id: the field's error} for each picked person (block id -> user id) who cannot own work."""
    errors: dict[str, str] = {}
    asked: dict[str, str | None] = {}  # one question per person, however many fields name them
    for block_id, user_id in picks.items():
        if not user_id:
            continue
        if user_id not in asked:
            asked[user_id] = why_not(client, user_id, submitter=submitter)
        if asked[user_id] is not None:
            errors[block_id] = t(locale, f"err_pick_{asked[user_id]}", user=mention(user_id))
    return errors
