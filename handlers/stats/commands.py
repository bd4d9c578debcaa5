"""`/crm stats [period] [@rep|team|all]`: the figures report (handlers/stats/cards.py), visible only
to the caller.

Period: today/今天, yesterday/昨天, this week/本周 (the default), last week/上周, this month/本月,
last month/上月, a month 2026-10, an ISO week 2026-W44, a day 2026-11-03, in the caller's zone.
Whose figures: without a word, a rep's own, a manager's team, everyone for an admin; `@rep` for
the rep themself, their manager and admins; `team` for managers and admins (their reports);
`all` everyone for admins, a manager's team for managers.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from slack_bolt import App
from slack_sdk import WebClient
from sqlmodel import Session

from handlers.blocks import clip, escape, mention, mentioned_users
from handlers.router import Subcommand
from handlers.context import crm_of, fetch_profile, name_of, Profile, viewer_of
from handlers.stats.cards import report_blocks
from handlers.stats.text import parse_period_code
from handlers.words import period_label
from handlers.i18n import t
from store.db import transaction
from store.errors import DomainError
from store.figures import Period, Scope
from store.models import Role
from store.users import manager_of

TEAM_WORDS = ("team", "团队", "本团队")
ALL_WORDS = ("all", "everyone", "全部", "全员", "所有人")
ME_WORDS = ("me", "mine", "我", "自己")
_MENTION_TEXT = re.compile(r"<@[UW][A-Z0-9]+(?:\|[^>]*)?>")


def parse_period(text: str, *, now: datetime, tz: str) -> Period | None:
    """The period words (either language) or a code (2026-10, 2026-W44, 2026-11-03); None if unknown."""
    words = " ".join((text or "").casefold().split())
    day = now.astimezone(ZoneInfo(tz)).date()
    named = {
        ("today", "今天", "今日"): lambda: Period.day(day, tz),
        ("yesterday", "昨天", "昨日"): lambda: Period.day(day - timedelta(days=1), tz),
        ("", "week", "this week", "本周", "这周", "本星期"): lambda: Period.week(day, tz),
        ("last week", "上周", "上星期"): lambda: Period.week(day - timedelta(days=7), tz),
        ("month", "this month", "本月", "这个月"): lambda: Period.month(day, tz),
        ("last month", "上月", "上个月"): lambda: Period.month(day.replace(day=1) - timedelta(days=1), tz),
    }
    for names, make in named.items():
        if words in names:
            return make()
    return parse_period_code(words, tz)


@dataclass(frozen=True)
class Request:
    period: Period
    scope_word: str | None   # "team" | "all" | "me" | None
    user_id: str | None      # an @rep


def parse_request(text: str, *, now: datetime, tz: str) -> Request:
    """What `/crm stats` was asked; DomainError (a stats_* key) for what it cannot read."""
    users = mentioned_users(text)
    rest = _MENTION_TEXT.sub(" ", text or "")
    words, scopes = [], []
    for word in rest.split():
        folded = word.casefold()
        for name, vocabulary in (("team", TEAM_WORDS), ("all", ALL_WORDS), ("me", ME_WORDS)):
            if folded in vocabulary:
                scopes.append(name)
                break
        else:
            if word.startswith("@"):
                raise DomainError("stats_unknown_user", text=escape(clip(word, 40)))
            words.append(word)
    if len(users) + len(scopes) > 1:
        raise DomainError("stats_one_scope")
    period = parse_period(" ".join(words), now=now, tz=tz)
    if period is None:
        raise DomainError("stats_bad_period", text=escape(clip(" ".join(words), 40)))
    return Request(period, scopes[0] if scopes else None, users[0] if users else None)


def resolve_scope(session: Session, context: dict, request: Request, user_id: str) -> Scope:
    """Whose figures the caller gets, or DomainError when they may not see them."""
    role = viewer_of(session, context).role
    admin, manager = role == Role.admin.value, role == Role.manager.value
    if request.user_id is not None:
        rep = request.user_id
        if rep == user_id or admin or manager_of(session=session, user_id=rep) == user_id:
            return Scope.rep(rep)
        raise DomainError("stats_forbidden_rep", user=mention(rep))
    if request.scope_word == "me":
        return Scope.rep(user_id)
    if request.scope_word == "all" and admin:
        return Scope.everyone()
    if request.scope_word in ("team", "all"):
        if admin or manager:
            return Scope.team(user_id)
        raise DomainError("stats_forbidden_team")
    return Scope.everyone() if admin else Scope.team(user_id) if manager else Scope.rep(user_id)


def title_of(scope: Scope, period: Period, loc: str, name: str) -> str:
    """`name`: the scope's person as Slack names them (handlers.context.name_of)."""
    if scope.kind == "everyone":
        who = t(loc, "stats_scope_all")
    elif scope.kind == "team":
        who = t(loc, "stats_scope_team", name=name)
    else:
        who = name
    return t(loc, "stats_title", scope=who, period=period_label(period, loc))


def _stats_command(*, body: dict, client: WebClient, context: dict, respond, text: str) -> None:
    crm = crm_of(context)
    defaults = crm.defaults
    who: Profile = crm.who
    profile = fetch_profile(client=client, db=crm.db, user_id=who.user_id, defaults=defaults)
    loc, tz, now = profile.locale, profile.zone.key, crm.defaults.clock()  # zone: UTC for a name Slack got wrong
    try:
        request = parse_request(text, now=now, tz=tz)
        with transaction(crm.db) as session:
            scope = resolve_scope(session, context, request, profile.user_id)
        name = "" if scope.kind == "everyone" else name_of(client=client, db=crm.db, user_id=scope.user_id, defaults=defaults)
        with transaction(crm.db) as session:
            fallback, blocks = report_blocks(session=session, period=request.period, scope=scope, now=now, locale=loc,
                                             tz=tz, targets=defaults.targets, calendar=defaults.calendar,
                                             title=title_of(scope, request.period, loc, name), cadence=defaults.cadence)
    except DomainError as e:
        respond(response_type="ephemeral", text=t(loc, e.key, **e.params) + "\n" + t(loc, "stats_usage"))
        return
    respond(response_type="ephemeral", text=escape(fallback), blocks=blocks)


SUBCOMMANDS = (Subcommand("stats", ("统计",), _stats_command, "stats_help"),)


def register(app: App) -> None:
    """No listener of its own: `/crm stats` comes through handlers/router.py."""
    return None
