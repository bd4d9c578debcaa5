"""`/crm admin failures`: the alerts Slack refused for good, each naming its customer and action,
saying what to do, with Resend and (a next action's) Reassign; the buttons for admins only."""
from __future__ import annotations

from slack_bolt import Ack, App
from slack_sdk import WebClient

from handlers import ids
from handlers.blocks import clip, escape, fmt_datetime, mention, plain, section
from handlers.context import Profile, crm_of, reply_profile
from handlers.i18n import CATALOG, t
from handlers.picked import why_not
from handlers.payload import clicked_value, record_id
from store import outbox
from handlers.words import action_text
from store.db import transaction
from store.errors import DomainError
from store.failures import Failure, describe, reassign, resend
from store.models import Role
from store.users import role_of

SHOWN = 15  # two blocks each, a header: within a message's 50


def _about(f: Failure, loc: str) -> str:
    """What the alert was about: the customer and the action (or ticket, or digest channel)."""
    parts = []
    if f.customer is not None:
        parts.append(t(loc, "admin_failure_customer", customer=escape(clip(f.customer.name, 80)), code=f.customer.code))
    if f.action is not None:
        parts.append(t(loc, "admin_failure_action", action=escape(clip(action_text(f.action, loc), 120))))
    if f.ticket is not None:
        parts.append(t(loc, "admin_failure_ticket", code=f.ticket.code))
    if f.channel:
        parts.append(t(loc, "admin_failure_channel", channel=f"<#{f.channel}>"))
    return t(loc, "admin_failure_sep").join(parts) or t(loc, "admin_failure_unknown")


def failure_blocks(f: Failure, profile: Profile) -> list[dict]:
    loc, row = profile.locale, f.row
    key = f"alert_kind_{row.kind}"
    kind = t(loc, key) if key in CATALOG else escape(row.kind)
    to = mention(row.recipient) if row.recipient.startswith(("U", "W")) else f"<#{row.recipient}>"
    text = t(loc, "admin_failure_line", when=fmt_datetime(row.created_at, profile), kind=kind, about=_about(f, loc), user=to,
             error=escape(clip(row.last_error or "?", 100)), count=row.attempts,
             advice=t(loc, "admin_failure_advice_channel" if f.advice == "no_channel" and f.channel else f"admin_failure_advice_{f.advice}",
                      user=to))
    buttons: list[dict] = [{"type": "button", "action_id": ids.ADMIN_FAILURE_RESEND, "value": str(row.id),
                            "text": plain(t(loc, "admin_failure_resend"))}]
    if f.reassignable:
        buttons.append({"type": "users_select", "action_id": ids.ADMIN_FAILURE_REASSIGN,
                        "placeholder": plain(t(loc, "admin_failure_reassign"))})
    return [section(text), {"type": "actions", "block_id": f"{ids.ADMIN_FAILURE_BLOCK}.{row.id}", "elements": buttons}]


def failures_answer(context: dict, who: Profile) -> tuple[str, list[dict]]:
    crm = crm_of(context)
    with transaction(crm.db) as session:
        found = [describe(session, row) for row in outbox.failed(session=session, limit=SHOWN)]
    if not found:
        text = t(who.locale, "admin_no_failures")
        return text, [section(text)]
    head = t(who.locale, "admin_failures_header", count=len(found))
    blocks = [section(head)]
    for f in found:
        blocks += failure_blocks(f, who)
    return head, blocks


def _admin(context: dict) -> bool:
    crm = crm_of(context)
    with transaction(crm.db) as session:
        return role_of(session=session, user_id=crm.who.user_id, admins=crm.defaults.admins) == Role.admin.value


def _outbox_id(body: dict) -> int | None:
    block = str((body.get("actions") or [{}])[0].get("block_id") or "")
    return record_id(block.rpartition(".")[2]) if block.startswith(ids.ADMIN_FAILURE_BLOCK + ".") else None


def _answer(respond, text: str) -> None:
    respond(response_type="ephemeral", replace_original=False, text=text)


def on_resend(ack: Ack, body: dict, client: WebClient, context: dict, respond) -> None:
    ack()
    crm = crm_of(context)
    loc = reply_profile(client=client, context=context).locale
    outbox_id = record_id(clicked_value(body))
    if not _admin(context):
        _answer(respond, t(loc, "err_admin_only"))
        return
    try:
        with transaction(crm.db) as session:
            row = resend(session=session, outbox_id=outbox_id or 0, now=crm.defaults.clock())
            to = row.recipient
    except DomainError as e:
        _answer(respond, t(loc, e.key, **e.params))
        return
    _answer(respond, t(loc, "admin_failure_resent", user=mention(to) if to.startswith(("U", "W")) else f"<#{to}>"))
    crm.wake()


def on_reassign(ack: Ack, body: dict, client: WebClient, context: dict, respond) -> None:
    ack()
    crm = crm_of(context)
    loc = reply_profile(client=client, context=context).locale
    to = str((body.get("actions") or [{}])[0].get("selected_user") or "")
    outbox_id = _outbox_id(body)
    if not _admin(context):
        _answer(respond, t(loc, "err_admin_only"))
        return
    if not to or outbox_id is None:
        return
    why = why_not(client, to, submitter=crm.who.user_id)  # the admin may take it themselves
    if why is not None:  # the reminder would fail again, for good
        _answer(respond, t(loc, f"err_pick_{why}", user=mention(to)))
        return
    try:
        with transaction(crm.db) as session:
            f = reassign(session=session, outbox_id=outbox_id, to=to, now=crm.defaults.clock())
            about = _about(f, loc)
    except DomainError as e:
        _answer(respond, t(loc, e.key, **e.params))
        return
    _answer(respond, t(loc, "admin_failure_reassigned", about=about, user=mention(to)))
    crm.wake()


def register(app: App) -> None:
    app.action(ids.ADMIN_FAILURE_RESEND)(on_resend)
    app.action(ids.ADMIN_FAILURE_REASSIGN)(on_reassign)

