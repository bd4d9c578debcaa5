"""`/crm admin` (roles, managers, alerts Slack refused for good) and `/crm quiet` (quiet hours)."""
from __future__ import annotations

from slack_bolt import App
from slack_sdk import WebClient

from handlers.picked import why_not
from handlers.blocks import mention, mentioned_users
from handlers.people.admin_cs import run_cs
from handlers.people import admin_failures
from handlers.people.admin_failures import failures_answer
from handlers.people.admin_sla import run_sla
from handlers.router import Subcommand, split
from handlers.context import crm_of, Profile, reply_profile
from handlers import showdates as show
from handlers.i18n import t
from store.db import transaction
from store.errors import DomainError
from store.models import Role, SlackUser
from store.quiet import parse_window
from store.users import role_of, set_manager, set_quiet_hours, set_role, team_people

FAILURES_SHOWN = 20


def register(app: App) -> None:
    """The failures' buttons (handlers/people/admin_failures.py); the rest are subcommands."""
    admin_failures.register(app)


def _require_admin(context: dict) -> None:
    crm = crm_of(context)
    who: Profile = crm.who
    with transaction(crm.db) as session:
        if role_of(session=session, user_id=who.user_id, admins=crm.defaults.admins) != Role.admin.value:
            raise DomainError("err_admin_only")


def run_admin(*, body: dict, client: WebClient, context: dict, respond, text: str) -> None:
    crm = crm_of(context)
    who: Profile = crm.who
    _require_admin(context)
    verb, rest = split(text)
    users = mentioned_users(rest)
    if verb in ("role", "manager"):  # a bot or a deactivated account as a rep or manager: its team's alerts go nowhere
        for user in users:
            why = why_not(client, user, submitter=who.user_id)
            if why is not None:
                respond(response_type="ephemeral", text=t(who.locale, f"err_pick_{why}", user=mention(user)))
                return
    if verb == "role" and len(users) == 1:
        role = rest.split()[-1].strip().lower()
        with transaction(crm.db) as session:
            set_role(session=session, user_id=users[0], role=role)
        respond(response_type="ephemeral", text=t(who.locale, "admin_role_set", user=mention(users[0]), role=t(who.locale, f"role_{role}")))
    elif verb == "manager" and len(users) in (1, 2):
        manager = users[1] if len(users) == 2 else None
        with transaction(crm.db) as session:
            set_manager(session=session, user_id=users[0], manager_id=manager)
            if manager and role_of(session=session, user_id=manager) == Role.rep.value:
                set_role(session=session, user_id=manager, role=Role.manager.value)
        key = "admin_manager_set" if manager else "admin_manager_cleared"
        respond(response_type="ephemeral", text=t(who.locale, key, user=mention(users[0]), manager=mention(manager or "")))
    elif verb == "failures":
        text, blocks = failures_answer(context, who)
        respond(response_type="ephemeral", text=text, blocks=blocks)
    elif verb == "team":
        respond(response_type="ephemeral", text=_team(context, who))
    elif verb == "sla":
        respond(response_type="ephemeral", text=run_sla(context=context, who=who, rest=rest))
    elif verb == "cs":
        respond(response_type="ephemeral", text=run_cs(context=context, who=who, rest=rest))
    else:
        respond(response_type="ephemeral", text=t(who.locale, "admin_usage"))


def _team(context: dict, who: Profile) -> str:
    crm = crm_of(context)
    with transaction(crm.db) as session:
        people = team_people(session=session)
    admins = sorted(crm.defaults.admins)
    lines = [t(who.locale, "admin_team_header")]
    lines += [t(who.locale, "admin_team_admin_env", user=mention(u)) for u in admins]
    lines += [t(who.locale, "admin_team_line", user=mention(p.id), role=t(who.locale, f"role_{p.role}"),
                manager=mention(p.manager_id) if p.manager_id else "—") for p in people]
    return "\n".join(lines)


def _window_text(stored: str, loc: str) -> str:
    """A stored window (22:00-07:30) as the reader's clock writes it: 22:00–07:30 / 10:00 PM – 7:30 AM;
    `off` as stored."""
    try:
        window = parse_window(stored)
    except DomainError:
        return stored
    return show.clocks(*window, loc) if window else stored


def run_quiet(*, body: dict, client: WebClient, context: dict, respond, text: str) -> None:
    who: Profile = reply_profile(client=client, context=context)  # its clock, before the first reply
    crm = crm_of(context)
    words = text.strip()
    with transaction(crm.db) as session:
        if not words:
            user = session.get(SlackUser, who.user_id)
            current = (user.quiet_hours if user else None) or crm.defaults.quiet_hours
            respond(response_type="ephemeral", text=t(who.locale, "quiet_now", window=_window_text(current, who.locale), tz=who.tz))
            return
        if words.lower() in ("default", "默认"):
            set_quiet_hours(session=session, user_id=who.user_id, quiet_hours=None)
            respond(response_type="ephemeral", text=t(who.locale, "quiet_default", window=_window_text(crm.defaults.quiet_hours, who.locale)))
            return
        window = parse_window(words)
        stored = "off" if window is None else f"{window[0]:%H:%M}-{window[1]:%H:%M}"
        set_quiet_hours(session=session, user_id=who.user_id, quiet_hours=stored)
    key = "quiet_off" if window is None else "quiet_set"
    respond(response_type="ephemeral", text=t(who.locale, key, window=_window_text(stored, who.locale), tz=who.tz))


SUBCOMMANDS = (
    Subcommand("quiet", ("免打扰",), run_quiet, "help_quiet"),
    Subcommand("admin", ("管理",), run_admin, "help_admin"),
)
