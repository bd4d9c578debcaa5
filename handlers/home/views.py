"""The App Home tab: `app_home_opened` publishes, for the user who opened it, their next actions
(overdue, today, the next 7 days, each with Done and Snooze), their customers by stage and those
needing attention, their open tickets with the time left on each SLA clock, buttons that open the
log, new-customer and ticket modals, and for managers and admins the week's figures.

Within Block Kit's 100 blocks however much there is: each window of next actions shows a page of
ACTIONS_SHOWN, one block each, with Previous / Next buttons that redraw the tab at the window's
other page (the pages shown are the view's private_metadata, so a click elsewhere keeps them); the
other lists show their first TICKETS_SHOWN / ATTENTION_SHOWN and how many more. Each action's
overflow menu offers the due-action DM's choices: Done, Snooze 1 hour, Tomorrow 9:00, Reschedule…
(handlers/reminders/actions.py answers them and publishes the tab again through `publish`)."""
from __future__ import annotations

import json
import logging
from datetime import datetime, time, timedelta

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlmodel import Session

from handlers import ids
from handlers.blocks import clip, context as context_block, escape, fmt_datetime, plain, section
from handlers.context import crm_of, Defaults, fetch_profile, Profile
from handlers.blocks import lines_sections, vocab
from handlers.payload import clicked_value
from handlers.words import action_title
from handlers.refs import card_picker
from handlers.i18n import t
from handlers.refs import customer_ref
from handlers.sla_words import fmt_span, list_blocks
from store.db import SessionFactory, transaction
from store.figures import Period, Scope, figures
from store.health_watch import at_risk
from store.home import OVERDUE, TODAY, UPCOMING, WINDOWS, ActionList, CustomerCounts, customer_counts, pending_actions
from store.models import Customer, NextAction, Role
from store.tickets import open_tickets
from store.users import role_of
from store.vocab import codes

log = logging.getLogger(__name__)
SUBCOMMANDS: list = []
ACTIONS_SHOWN, ATTENTION_SHOWN, TICKETS_SHOWN, FIGURES_SHOWN = 15, 15, 15, 8
UPCOMING_DAYS = 7
MAX_BLOCKS = 100
_DIVIDER = {"type": "divider"}
# Home buttons -> the /crm subcommand whose modal they open.
OPENERS = {ids.HOME_LOG: "log", ids.HOME_NEW_CUSTOMER: "new", ids.HOME_NEW_TICKET: "ticket"}


def register(app: App) -> None:
    app.event("app_home_opened")(on_home_opened)
    for action_id in OPENERS:
        app.action(action_id)(on_open_modal)
    app.action(ids.HOME_PREV)(on_page)
    app.action(ids.HOME_NEXT)(on_page)


# -- publishing ------------------------------------------------------------------------------

def on_home_opened(event: dict, client: WebClient, context: dict) -> None:
    crm = crm_of(context)
    if event.get("tab") != "home" or not event.get("user"):
        return
    publish(client=client, db=crm.db, defaults=crm.defaults, user_id=event["user"])


def pages_of(body: dict) -> dict[str, int]:
    """The page each window of the Home tab a click came from was showing ({} from anywhere else)."""
    view = body.get("view") if isinstance(body, dict) else None
    if not isinstance(view, dict) or view.get("type") != "home":
        return {}
    return pages_from(view.get("private_metadata"))


def pages_from(text) -> dict[str, int]:
    """The pages a Home tab's private_metadata (`{"pages": {window: page}}`) names; {} for anything else."""
    try:
        raw = json.loads(text or "{}")
    except (TypeError, ValueError):
        return {}
    pages = raw.get("pages") if isinstance(raw, dict) else None
    if not isinstance(pages, dict):
        return {}
    return {w: p for w, p in pages.items() if w in WINDOWS and isinstance(p, int) and not isinstance(p, bool) and 0 <= p < 10**6}


def publish(*, client: WebClient, db: SessionFactory, defaults: Defaults, user_id: str, now: datetime | None = None,
            pages: dict[str, int] | None = None, state: str | None = None) -> None:
    """Draw the tab for `user_id` as of now, in their language and zone, each window of actions at
    its page in `pages` (the first by default), or at the pages of `state`: the private_metadata of
    the tab a click came from, as another feature hands it back (the hook `publish_home`). Slack
    refusing it is logged: the tab keeps its previous drawing and the next opening tries again."""
    now = now or defaults.clock()
    if pages is None and state is not None:
        pages = pages_from(state)
    profile = fetch_profile(client=client, db=db, user_id=user_id, defaults=defaults, now=now)
    with transaction(db) as session:
        blocks, shown = home_blocks(session, profile=profile, defaults=defaults, now=now, pages=pages)
    try:
        client.views_publish(user_id=user_id, view={"type": "home", "blocks": blocks,
                                                    "private_metadata": json.dumps({"pages": shown})})
    except SlackApiError as e:
        log.warning("home tab of %s not published: %s", user_id, e.response.get("error"))


def home_blocks(session: Session, *, profile: Profile, defaults: Defaults, now: datetime,
                pages: dict[str, int] | None = None) -> tuple[list[dict], dict[str, int]]:
    """The tab's blocks, and the page of each window of actions they show (past the end: the last)."""
    loc, me = profile.locale, profile.user_id
    today = now.astimezone(profile.zone).date()
    day_end = datetime.combine(today + timedelta(days=1), time(0), tzinfo=profile.zone)
    horizon = datetime.combine(today + timedelta(days=1 + UPCOMING_DAYS), time(0), tzinfo=profile.zone)
    actions = pending_actions(session=session, owner_id=me, now=now, day_end=day_end, horizon=horizon, limit=ACTIONS_SHOWN,
                              pages=pages)
    shown = {w: listed.offset // ACTIONS_SHOWN for w, listed in actions.items() if listed.offset}
    counts = customer_counts(session=session, owner_id=me)
    my_tickets, ticket_total = open_tickets(session=session, assignee_id=me, limit=TICKETS_SHOWN)
    blocks = [{"type": "header", "text": plain(t(loc, "home_title"), 150)},
              context_block(t(loc, "home_updated", time=fmt_datetime(now, profile))), _buttons(loc)]
    if not (any(a.total for a in actions.values()) or counts.total or ticket_total):
        blocks.append(section(t(loc, "home_empty")))
    else:
        customer_blocks, attention = _customer_blocks(session, counts, profile)
        blocks += [_DIVIDER, *_action_blocks(actions, profile, now), _DIVIDER, *customer_blocks,
                   _DIVIDER, *list_blocks(my_tickets, ticket_total, calendar=defaults.calendar, now=now, profile=profile)[1]]
        named = [(c.id, c.name, c.code) for listed in actions.values() for _, c in listed.first]
        picker = card_picker(named + [(r.customer_id, r.name, r.code) for r in attention], loc)
        blocks += [picker] if picker else []
    blocks += _team_blocks(session, profile=profile, defaults=defaults, now=now)
    if len(blocks) > MAX_BLOCKS:  # not reached by construction (at most 3+1+52+1+2+1+17+1+7 = 85): a safety net
        log.error("home tab of %s had %d blocks; cut to %d", me, len(blocks), MAX_BLOCKS)
        blocks = blocks[:MAX_BLOCKS]
    return blocks, shown


def _buttons(loc: str) -> dict:
    return {"type": "actions", "block_id": ids.HOME_BUTTONS_BLOCK, "elements": [
        {"type": "button", "action_id": action_id, "text": plain(t(loc, key)), **({"style": "primary"} if n == 0 else {})}
        for n, (action_id, key) in enumerate(((ids.HOME_LOG, "home_btn_log"), (ids.HOME_NEW_CUSTOMER, "home_btn_new_customer"),
                                              (ids.HOME_NEW_TICKET, "home_btn_new_ticket")))]}


# -- next actions ----------------------------------------------------------------------------

_WINDOW_TITLES = {OVERDUE: "home_overdue", TODAY: "home_today", UPCOMING: "home_upcoming"}


def _action_blocks(actions: dict[str, ActionList], profile: Profile, now: datetime) -> list[dict]:
    """Per window that has any: its title with the count (and which of them, when there are more
    than a page), one block per action shown, and Previous / Next when there are more. At most
    1 + 3 x (1 + ACTIONS_SHOWN + 1) blocks."""
    loc = profile.locale
    blocks = [section(t(loc, "home_actions_head"))]
    for window in WINDOWS:
        listed = actions[window]
        if not listed.total:
            continue
        title = t(loc, _WINDOW_TITLES[window], count=listed.total)
        if listed.total > ACTIONS_SHOWN:
            title += t(loc, "home_page_range", first=listed.offset + 1, last=listed.offset + len(listed.first),
                       count=listed.total)
        blocks.append(section(title))
        blocks += [_action_item(action, customer, profile, now) for action, customer in listed.first]
        if listed.total > ACTIONS_SHOWN:
            blocks.append(_pager(window, listed, loc))
    if len(blocks) == 1:
        blocks[0] = section(f"{t(loc, 'home_actions_head')}\n{t(loc, 'home_actions_none')}")
    return blocks


def _pager(window: str, listed: ActionList, loc: str) -> dict:
    """Previous and/or Next for a window with more than a page."""
    page = listed.offset // ACTIONS_SHOWN
    buttons = []
    if page > 0:
        buttons.append({"type": "button", "action_id": ids.HOME_PREV, "text": plain(t(loc, "home_prev")),
                        "value": f"{window}:{page - 1}"})
    if listed.offset + len(listed.first) < listed.total:
        buttons.append({"type": "button", "action_id": ids.HOME_NEXT, "text": plain(t(loc, "home_next")),
                        "value": f"{window}:{page + 1}"})
    return {"type": "actions", "block_id": f"{ids.HOME_PAGE_BLOCK}.{window}", "elements": buttons}


def _action_item(action: NextAction, customer: Customer, profile: Profile, now: datetime) -> dict:
    """One section: the action, its customer and due time; an overflow menu with the reminder DM's choices."""
    loc = profile.locale
    due = fmt_datetime(action.due_at, profile)
    if action.due_at < now:
        when = t(loc, "home_due_late", due=due, late=fmt_span((now - action.due_at) // timedelta(minutes=1), loc))
    else:
        when = t(loc, "home_due", due=due)
    line = t(loc, "home_action_line", action=action_title(action, loc), customer=customer_ref(loc, customer), when=when)
    labels = dict(zip(ids.HOME_MENU_VERBS, ("btn_done", "btn_snooze", "btn_tomorrow", "btn_reschedule")))
    menu = {"type": "overflow", "action_id": ids.HOME_ACTION_MENU,
            "options": [{"text": plain(t(loc, key)), "value": f"{verb}:{action.id}"} for verb, key in labels.items()]}
    return {**section(line), "block_id": f"{ids.HOME_ACTION_BLOCK}.{action.id}", "accessory": menu}


# -- customers -------------------------------------------------------------------------------

def _customer_blocks(session: Session, counts: CustomerCounts, profile: Profile) -> tuple[list[dict], list]:
    """The count in each of the five stages, then the customers whose health is yellow or red
    (lowest score first): at most two blocks; and those customers."""
    loc = profile.locale
    if not counts.total:
        return [section(t(loc, "home_customers_none"))], []
    head = section(t(loc, "home_customers_head", count=counts.total))
    head["fields"] = [{"type": "mrkdwn", "text": t(loc, "home_stage_count", stage=vocab(loc, "stage", stage),
                                                  count=counts.by_stage.get(stage, 0))} for stage in codes("stage")]
    if not counts.attention:
        return [head], []
    shown = at_risk(session=session, scope_owner_ids={profile.user_id}, limit=ATTENTION_SHOWN)
    lines = [t(loc, "home_attention_line", band=t(loc, f"health_band_{r.band}"), score=r.score,
               customer=t(loc, "lc_customer_ref", name=escape(clip(r.name, 80)), code=r.code)) for r in shown]
    return [head, *lines_sections(t(loc, "home_attention_head", count=counts.attention), lines, loc=loc,
                                  total=counts.attention)], shown


# -- the team's figures ------------------------------------------------------------------------

def _team_blocks(session: Session, *, profile: Profile, defaults: Defaults, now: datetime) -> list[dict]:
    """Managers: their reports' figures for this week so far; admins: everyone's."""
    role = role_of(session=session, user_id=profile.user_id, admins=defaults.admins)
    if role not in (Role.manager.value, Role.admin.value):
        return []
    everyone = role == Role.admin.value
    period = Period.week(now.astimezone(profile.zone).date(), profile.zone.key)
    f = figures(session=session, period=period, scope=Scope.everyone() if everyone else Scope.team(profile.user_id), now=now,
                targets=defaults.targets, calendar=defaults.calendar)
    head = t(profile.locale, "home_everyone_head" if everyone else "home_team_head")
    return [_DIVIDER, section(head), *defaults.hooks.headline_blocks(f, profile.locale, targets=defaults.targets)[:FIGURES_SHOWN]]


# -- the buttons ---------------------------------------------------------------------------------

def on_page(ack: Ack, body: dict, client: WebClient, context: dict) -> None:
    """Previous / Next: the tab again, that window at the other page, the others as they were."""
    ack()
    crm = crm_of(context)
    window, _, page = clicked_value(body).partition(":")
    pages = pages_of(body)
    if window in WINDOWS and page.isdigit() and len(page) < 7:
        pages[window] = int(page)
    publish(client=client, db=crm.db, defaults=crm.defaults, user_id=crm.who.user_id, pages=pages)


def on_open_modal(ack: Ack, body: dict, client: WebClient, context: dict, respond) -> None:
    """The same modal as the /crm subcommand, opened with the click's trigger_id."""
    ack()
    crm = crm_of(context)
    name = OPENERS[body["actions"][0]["action_id"]]
    route = crm.defaults.hooks.subcommands[name]
    try:
        route.run(body=body, client=client, context=context, respond=respond, text="")
    except SlackApiError as e:
        log.warning("%s modal not opened from the home tab of %s: %s", name, crm.who.user_id, e.response.get("error"))
