"""`/crm digest`: channels that get a team's figures every day, week or month.

    /crm digest subscribe #channel daily|weekly|monthly [team|all|@manager] [HH:MM]
    /crm digest list
    /crm digest unsubscribe #channel [daily|weekly|monthly]

Managers subscribe their own team, admins any team or everyone. The command text arrives escaped
(`<#C123|sales>`, `<@U123|zhao>`). Before subscribing, the bot makes sure it can post there: it
joins a public channel it is not in, and asks to be /invited into a private one. The digests are
sent by the scheduler (store/digests.py, handlers/digests/messages.py) in the subscriber's language
and zone; answers here are ephemeral, in the caller's.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from handlers.blocks import clip, escape, fmt_datetime, mention
from handlers.router import Subcommand, split
from handlers.context import crm_of, Profile, viewer_of
from handlers import showdates as show
from handlers.i18n import t
from store import digests
from store.db import transaction
from store.digest_models import DigestSubscription
from store.errors import DomainError
from store.models import Role

VERBS = {**dict.fromkeys(("subscribe", "sub", "add", "订阅", "添加"), "subscribe"),
         **dict.fromkeys(("list", "ls", "列表", "查看"), "list"),
         **dict.fromkeys(("unsubscribe", "unsub", "remove", "退订", "取消订阅", "取消"), "unsubscribe")}
CADENCE_WORDS = {**dict.fromkeys(("daily", "day", "每天", "每日", "日报"), "daily"),
                 **dict.fromkeys(("weekly", "week", "每周", "周报"), "weekly"),
                 **dict.fromkeys(("monthly", "month", "每月", "月报"), "monthly"),
                 **dict.fromkeys(("quarterly", "quarter", "每季", "每季度", "季报", "季度复盘"), "quarter")}
TEAM_WORDS = ("team", "团队", "本组", "我的团队")
ALL_WORDS = ("all", "everyone", "全部", "所有人", "全员")
DEFAULT_TIME = "09:00"
CHANNEL = re.compile(r"^<#([CG][A-Z0-9]+)(?:\|[^>]*)?>$")
USER = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
TIME = re.compile(r"^\d{1,2}[:：]\d{2}$")
LISTED = 30


def register(app: App) -> None:
    """No listeners beyond the subcommand."""


# -- reading the command --------------------------------------------------------------------------

@dataclass
class Request:
    channel: str | None = None
    cadence: str | None = None
    team: str | None = None  # "team", "all", or a user id
    at_time: str | None = None


def parse(words: str) -> Request:
    """The channel, cadence, team and time, in any order; an unknown word is refused by name."""
    req = Request()
    for word in words.split():
        low = word.casefold()
        if CHANNEL.match(word):
            req.channel = CHANNEL.match(word).group(1)
        elif USER.match(word):
            req.team = USER.match(word).group(1)
        elif low in CADENCE_WORDS:
            req.cadence = CADENCE_WORDS[low]
        elif low in TEAM_WORDS:
            req.team = "team"
        elif low in ALL_WORDS:
            req.team = "all"
        elif TIME.match(word):
            req.at_time = digests.parse_at_time(word.replace("：", ":"))
        else:
            raise DomainError("digest_err_word", word=escape(clip(word, 40)))
    return req


def _role(context: dict) -> tuple[str, str]:
    crm = crm_of(context)
    with transaction(crm.db) as session:
        viewer = viewer_of(session, context)
    return viewer.role, viewer.id


def team_for(req: Request, role: str, me: str) -> str:
    """The team_of a caller may subscribe: managers their own team, admins any team or everyone ("")."""
    if role == Role.rep.value:
        raise DomainError("digest_err_role")
    if req.team == "all" or (req.team is None and role == Role.admin.value):
        if role != Role.admin.value:
            raise DomainError("digest_err_all_admin")
        return ""
    team = me if req.team in (None, "team") else req.team
    if role != Role.admin.value and team != me:
        raise DomainError("digest_err_other_team")
    return team


def ensure_member(client: WebClient, channel: str) -> None:
    """The bot can post in the channel: it joins a public one; a private one must invite it."""
    try:
        info = client.conversations_info(channel=channel)["channel"]
    except SlackApiError as e:
        if e.response.get("error") == "channel_not_found":  # what Slack says of a private channel the bot is not in
            raise DomainError("digest_err_private", channel=channel) from e
        raise
    if info.get("is_im") or info.get("is_mpim"):
        raise DomainError("digest_err_dm")
    if info.get("is_archived"):
        raise DomainError("digest_err_archived", channel=channel)
    if info.get("is_member"):
        return
    if info.get("is_private"):
        raise DomainError("digest_err_private", channel=channel)
    client.conversations_join(channel=channel)


# -- answers --------------------------------------------------------------------------------------

def team_text(loc: str, team_of: str) -> str:
    return t(loc, "digest_team", team=mention(team_of)) if team_of else t(loc, "digest_everyone")


def schedule_text(loc: str, sub: DigestSubscription) -> str:
    return t(loc, f"digest_when_{sub.cadence}", time=show.clock(time.fromisoformat(sub.at_time), loc), tz=sub.tz)


def _line(who: Profile, sub: DigestSubscription) -> str:
    return t(who.locale, "digest_list_line", channel=f"<#{sub.channel_id}>", cadence=t(who.locale, f"digest_cadence_{sub.cadence}"),
             team=team_text(who.locale, sub.team_of), when=schedule_text(who.locale, sub),
             next=fmt_datetime(sub.next_due_at, who))


def subscribe(*, client: WebClient, context: dict, words: str) -> str:
    crm = crm_of(context)
    who: Profile = crm.who
    req = parse(words)
    role, me = _role(context)
    team_of = team_for(req, role, me)
    if req.channel is None or req.cadence is None:
        raise DomainError("digest_usage")
    ensure_member(client, req.channel)
    with transaction(crm.db) as session:
        before = [s for s in digests.subscriptions(session=session, team_of=team_of)
                  if (s.channel_id, s.cadence) == (req.channel, req.cadence)]
        sub = digests.subscribe(session=session, channel_id=req.channel, cadence=req.cadence, team_of=team_of,
                                at_time=req.at_time or (before[0].at_time if before else DEFAULT_TIME), tz=who.tz,
                                locale=who.locale, by=who.user_id, now=crm.defaults.clock())
    key = "digest_updated" if before else "digest_subscribed"
    return t(who.locale, key, channel=f"<#{sub.channel_id}>", cadence=t(who.locale, f"digest_cadence_{sub.cadence}"),
             team=team_text(who.locale, sub.team_of), when=schedule_text(who.locale, sub), next=fmt_datetime(sub.next_due_at, who))


def listing(*, context: dict) -> str:
    crm = crm_of(context)
    who: Profile = crm.who
    role, me = _role(context)
    if role == Role.rep.value:
        raise DomainError("digest_err_role")
    with transaction(crm.db) as session:
        subs = digests.subscriptions(session=session, team_of=None if role == Role.admin.value else me)
    if not subs:
        return t(who.locale, "digest_list_none")
    lines = [_line(who, s) for s in subs[:LISTED]]
    more = [t(who.locale, "digest_list_more", count=len(subs) - LISTED)] if len(subs) > LISTED else []
    return "\n".join([t(who.locale, "digest_list_header", count=len(subs)), *lines, *more])


def unsubscribe(*, context: dict, words: str) -> str:
    crm = crm_of(context)
    who: Profile = crm.who
    req = parse(words)
    role, me = _role(context)
    if role == Role.rep.value:
        raise DomainError("digest_err_role")
    if req.channel is None:
        raise DomainError("digest_usage")
    team_of = None if role == Role.admin.value and req.team is None else team_for(req, role, me)
    with transaction(crm.db) as session:
        gone = digests.unsubscribe(session=session, channel_id=req.channel, cadence=req.cadence, team_of=team_of)
    if not gone:
        return t(who.locale, "digest_unsubscribed_none", channel=f"<#{req.channel}>")
    lines = [t(who.locale, "digest_unsubscribed_line", cadence=t(who.locale, f"digest_cadence_{s.cadence}"),
               team=team_text(who.locale, s.team_of)) for s in gone]
    return "\n".join([t(who.locale, "digest_unsubscribed", count=len(gone), channel=f"<#{req.channel}>"), *lines])


def run_digest(*, body: dict, client: WebClient, context: dict, respond, text: str) -> None:
    crm = crm_of(context)
    who: Profile = crm.who
    verb, rest = split(text)
    action = VERBS.get(verb)
    if action == "subscribe":
        answer = subscribe(client=client, context=context, words=rest)
    elif action == "list":
        answer = listing(context=context)
    elif action == "unsubscribe":
        answer = unsubscribe(context=context, words=rest)
    else:
        answer = t(who.locale, "digest_usage")
    respond(response_type="ephemeral", text=answer)


SUBCOMMANDS = [Subcommand("digest", ("简报", "digests"), run_digest, "digest_help")]
