"""`/crm report needs 星河科技 | visits 星河科技 | leads | churn 2026-Q4`: the document as a Slack canvas shared
with the requester only (canvases.create with Markdown, then canvases.access.set), or, where the
workspace refuses canvases, a Markdown file in the requester's DMs (files_upload_v2)."""
from __future__ import annotations

import logging

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from handlers.blocks import unescape
from handlers.context import crm_of, fetch_profile, viewer_of
from handlers.documents.build import build
from handlers.i18n import t
from handlers.router import Subcommand
from store.db import transaction
from store.text import clean_line

log = logging.getLogger(__name__)

# What canvases.create answers where a workspace (plan, policy, token) does not allow canvases: fall back to a file.
CANVAS_REFUSED = frozenset({"not_allowed", "not_allowed_token_type", "canvas_disabled", "canvas_disabled_user_team",
                            "team_tier_cannot_create_canvases", "free_team_canvas_tab_already_exists", "restricted_action",
                            "missing_scope", "canvas_creation_failed", "not_supported"})


def _report_command(*, body: dict, client: WebClient, context: dict, respond, text: str) -> None:
    crm = crm_of(context)
    who = crm.who
    kind, _, rest = clean_line(unescape(text)).partition(" ")
    now = crm.defaults.clock()
    profile = fetch_profile(client=client, db=crm.db, user_id=who.user_id, defaults=crm.defaults, now=now)
    with transaction(crm.db) as session:   # a DomainError reaches the router, which says it in the user's language
        title, markdown = build(session, kind=kind, rest=rest.strip(), profile=profile, viewer=viewer_of(session, context), now=now,
                                tz=crm.defaults.calendar.tz)
    loc = profile.locale
    try:
        canvas_id = client.canvases_create(title=title[:255], document_content={"type": "markdown", "markdown": markdown})["canvas_id"]
        client.canvases_access_set(canvas_id=canvas_id, access_level="read", user_ids=[who.user_id])
    except SlackApiError as e:
        if e.response.get("error") not in CANVAS_REFUSED:
            raise
        log.info("canvases refused (%s): a Markdown file instead", e.response.get("error"))
        dm = client.conversations_open(users=who.user_id)["channel"]["id"]
        client.files_upload_v2(channel=dm, content=markdown, filename=f"{title}.md", title=title)
        respond(response_type="ephemeral", text=t(loc, "doc_done_file", title=title))
        return
    team, domain = body.get("team_id", ""), body.get("team_domain", "")
    link = f"https://{domain}.slack.com/docs/{team}/{canvas_id}" if domain and team else canvas_id
    respond(response_type="ephemeral", text=t(loc, "doc_done_canvas", title=title, link=link))


SUBCOMMANDS = (Subcommand("report", ("报告", "文档"), _report_command, "help_report_docs"),)
