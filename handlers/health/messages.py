"""How a churn-risk ping looks in its recipient's DM: the customer, its score and the change, the three
reasons in words, the last interactions, the open tickets with their time left, the latest NPS
comment, and the buttons (Start win-back plan, Log interaction, Snooze 7 days, Not at risk); once
someone answered, the same without buttons and with a note saying who did what."""
from __future__ import annotations

from datetime import datetime, timedelta

from slack_sdk import WebClient
from sqlmodel import Session

from handlers import ids
from handlers.blocks import clip, context as context_block, escape, fmt_date, fmt_datetime, mention, plain, section
from handlers.context import Defaults, Profile
from handlers.delivery.items import update_item
from handlers.refs import card_picker
from handlers.health.text import band_text, reason_text
from handlers.i18n import t
from handlers.refs import customer_ref
from handlers.payload import record_id
from handlers.delivery.kind import Kind, Rendered
from handlers.sla_words import clock_line
from store import outbox
from store.db import SessionFactory, transaction
from store.health import reasons_of
from store.health_jobs import PING
from store.models import Customer, Outbox
from store.nps import category, latest_response, recent_interactions
from store.risk import components_at, still_applies
from store.sla import Calendar
from store.ticket_sla import clocks
from store.tickets import open_for_customer

TICKETS_SHOWN = 5
SUMMARY_SHOWN, DESCRIPTION_SHOWN, COMMENT_SHOWN = 200, 80, 500


def customer_id_of(row: Outbox) -> int | None:
    kind, _, cid = row.subject.partition(":")
    return record_id(cid) if kind == "customer" else None


def button_value(customer_id: int, outbox_id: int) -> str:
    return f"{customer_id}:{outbox_id}"


def parse_value(value: str) -> tuple[int, int] | None:
    customer_id, _, outbox_id = (value or "").partition(":")
    pair = record_id(customer_id), record_id(outbox_id)
    return None if None in pair else pair


WEEK = timedelta(days=7)


def score_line(data: dict, profile: Profile) -> str:
    """e.g. 72 -> 35 (red), -37 within a week / turned red. "Within a week" only when the higher score
    it fell from was kept within the week before; otherwise "since <the day it was computed>"."""
    loc = profile.locale
    score, band, drop = data["score"], band_text(loc, data.get("band")), data.get("drop")
    red = bool(data.get("turned_red"))
    if drop is not None:
        since = _since(data)
        if since is not None:
            key = "risk_score_drop_since_red" if red else "risk_score_drop_since"
            return t(loc, key, before=data.get("week_high"), score=score, band=band, drop=drop,
                     since=fmt_date(since.astimezone(profile.zone).date(), profile))
        key = "risk_score_drop_red" if red else "risk_score_drop"
        return t(loc, key, before=data.get("week_high"), score=score, band=band, drop=drop)
    if data.get("previous_score") is None:
        return t(loc, "risk_score_first", score=score, band=band)
    return t(loc, "risk_score_red", before=data["previous_score"], score=score, band=band)


def _since(data: dict) -> datetime | None:
    """When the score it fell from was computed, if that was more than a week before the fall."""
    try:
        high_at, at = datetime.fromisoformat(data["high_at"]), datetime.fromisoformat(data["at"])
    except (KeyError, TypeError, ValueError):
        return None
    return high_at if at - high_at > WEEK else None


def _reasons(session: Session, customer: Customer, data: dict, profile: Profile) -> str:
    """The three components that cost the score most, from the row that showed the change."""
    at = datetime.fromisoformat(data["at"]) if data.get("at") else customer.health_at
    reasons = reasons_of(components_at(session=session, customer_id=customer.id, at=at))
    loc = profile.locale
    lines = [t(loc, "risk_line", text=reason_text(loc, code, params, profile=profile)) for code, params in reasons]
    return "\n".join([t(loc, "risk_why_head"), *(lines or [t(loc, "risk_why_none")])])


def _recent(session: Session, customer: Customer, profile: Profile) -> str:
    loc = profile.locale
    lines = [t(loc, "risk_recent_line", date=fmt_date(i.occurred_on, profile), way=t(loc, f"way_{i.way}"),
               summary=escape(clip(i.summary, SUMMARY_SHOWN)))
             for i in recent_interactions(session=session, customer_id=customer.id, limit=3)]
    return "\n".join([t(loc, "risk_recent_head"), *(lines or [t(loc, "risk_recent_none")])])


def _tickets(session: Session, customer: Customer, calendar: Calendar, now: datetime, profile: Profile) -> str:
    """Open tickets, oldest first, each with the clocks still counting (ticket_cards' clock lines)."""
    loc = profile.locale
    found = open_for_customer(session=session, customer_id=customer.id)
    if not found:
        return "\n".join([t(loc, "risk_tickets_head", count=0), t(loc, "risk_tickets_none")])
    lines = [t(loc, "risk_tickets_head", count=len(found))]
    for ticket in found[:TICKETS_SHOWN]:
        lines.append(t(loc, "risk_ticket_line", code=ticket.code, priority=ticket.priority,
                       status=t(loc, f"ticket_status_{ticket.status}"), description=escape(clip(ticket.description, DESCRIPTION_SHOWN))))
        lines += [t(loc, "risk_ticket_clock", clock=clock_line(name, clock, calendar, now, profile))
                  for name, clock in clocks(ticket).items() if clock.stopped_at is None]
    if len(found) > TICKETS_SHOWN:
        lines.append(t(loc, "risk_more", count=len(found) - TICKETS_SHOWN))
    return "\n".join(lines)


def _nps(session: Session, customer: Customer, profile: Profile) -> str:
    loc = profile.locale
    latest = latest_response(session=session, customer_id=customer.id)
    if latest is None:
        return t(loc, "risk_nps_none")
    head = t(loc, "risk_nps", score=t(loc, "nps_score_cat", score=latest.score, category=t(loc, f"nps_cat_{category(latest.score)}")),
             date=fmt_date(latest.responded_at.astimezone(profile.zone).date(), profile))
    if not latest.comment:
        return head
    return head + "\n" + "\n".join(f"> {line}" for line in escape(clip(latest.comment, COMMENT_SHOWN)).splitlines() or [""])


def buttons(customer_id: int, outbox_id: int, loc: str) -> dict:
    value = button_value(customer_id, outbox_id)
    shown = ((ids.RISK_WINBACK, "risk_btn_winback"), (ids.RISK_LOG, "risk_btn_log"), (ids.RISK_SNOOZE, "risk_btn_snooze"),
             (ids.RISK_NOT_AT_RISK, "risk_btn_not_at_risk"))
    elements = [{"type": "button", "action_id": action_id, "text": plain(t(loc, key)), "value": value} for action_id, key in shown]
    elements[0]["style"] = "primary"
    return {"type": "actions", "block_id": ids.RISK_ACTIONS_BLOCK, "elements": elements}


def ping_blocks(session: Session, row: Outbox, customer: Customer, profile: Profile, now: datetime, *,
                calendar: Calendar, note: str | None = None) -> list[dict]:
    """The ping: eight blocks, the customer's card a pick away (handlers/customers/links.py), the last the
    buttons, or the note once answered."""
    loc, data = profile.locale, row.data or {}
    people = t(loc, "risk_people", cs_owner=mention(customer.cs_owner_id) if customer.cs_owner_id else t(loc, "risk_nobody"),
               owner=mention(customer.owner_id))
    blocks = [
        section(t(loc, "risk_ping_head", customer=customer_ref(loc, customer)) + "\n" + score_line(data, profile)),
        context_block(people),
        section(_reasons(session, customer, data, profile)),
        section(_recent(session, customer, profile)),
        section(_tickets(session, customer, calendar, now, profile)),
        section(_nps(session, customer, profile)),
        card_picker([(customer.id, customer.name, customer.code)], loc),
    ]
    blocks.append(context_block(note) if note else buttons(customer.id, row.id, loc))
    return blocks


def ping_text(customer: Customer, data: dict, loc: str) -> str:
    return escape(t(loc, "risk_ping_fallback", customer=customer.name, score=data.get("score")))


def render_ping(session: Session, row: Outbox, profile: Profile, now: datetime, defaults: Defaults) -> Rendered | None:
    """The ping, or None when it no longer applies: the customer recovered, left the active stages,
    was snoozed or answered since, or a newer change of the same customer is queued."""
    cid = customer_id_of(row)
    customer = session.get(Customer, cid) if cid is not None else None
    data = row.data or {}
    if not still_applies(session=session, customer=customer, data=data, queued_at=row.created_at, now=now):
        return None
    if outbox.superseded(session=session, row=row):
        return None
    return Rendered(text=ping_text(customer, data, profile.locale),
                    blocks=ping_blocks(session, row, customer, profile, now, calendar=defaults.calendar))


KINDS = {PING: Kind(render_ping, grouped=False, header="alert_header_churn_risk")}


# -- redrawn once answered ---------------------------------------------------------------------------

def redraw(*, client: WebClient, db: SessionFactory, outbox_id: int, customer_id: int, profile: Profile, note: str, channel: str,
           ts: str, item: str | None, now: datetime, calendar: Calendar, message_blocks: list[dict] | None = None) -> None:
    """The ping's item of its message, with `note` in place of the buttons; nothing when the ping is
    about another customer than the one answered for."""
    with transaction(db) as session:
        row = outbox.get(session=session, outbox_id=outbox_id)
        cid = customer_id_of(row) if row is not None and row.kind == PING else None
        customer = session.get(Customer, cid) if cid == customer_id else None
        if customer is None:
            return
        blocks = ping_blocks(session, row, customer, profile, now, calendar=calendar, note=note)
        text = ping_text(customer, row.data or {}, profile.locale)
    update_item(client=client, channel=channel, ts=ts, item=item, new_blocks=blocks, text=text, message_blocks=message_blocks)


def plan_started(*, client: WebClient, db: SessionFactory, source: dict, customer_id: int, who: Profile, now: datetime,
                 calendar: Calendar) -> None:
    """The hook `plan_started`: the churn feature calls it once a plan started from a ping is saved."""
    outbox_id = source.get("outbox")
    if not isinstance(outbox_id, int):
        return
    note = t(who.locale, "risk_plan_started", user=mention(who.user_id), time=fmt_datetime(now, who))
    redraw(client=client, db=db, outbox_id=outbox_id, customer_id=customer_id, profile=who, note=note,
           channel=source.get("channel", ""), ts=source.get("ts", ""), item=str(outbox_id), now=now, calendar=calendar)
