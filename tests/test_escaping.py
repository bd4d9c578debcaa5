"""Markup typed into a record never arrives live: a customer, a summary, a next action, a ticket, an
NPS comment, a contact and a deal each carrying `<!channel>`, `<!here>`, `<@U0BOSS0003>` and
`<https://evil|click>` are driven through every message the bot sends that can show them (the
new-customer DM, the log confirmation, the card, the due DM from the scheduler, the ticket card,
the NPS detractor DM, the stats lists, the churn-risk ping, the Home tab). In what the fake Slack
recorded, no `text`, fallback, comment or mrkdwn field holds them raw; they arrive escaped, and the
bot's own mentions of people (`<@owner>`) still arrive live."""
from __future__ import annotations

import json
import time
from datetime import datetime, timedelta

import pytest

from handlers import ids
from handlers.delivery.send import deliver
from handlers.delivery.jobs import tick
from store.contacts import add_contact
from store.customers import create_customer
from store.db import transaction
from store.deals import create_deal, move_deal
from store.digests import subscribe
from store.health_jobs import PING
from store.lifecycle import change_stage
from store.models import Customer
from store.outbox import enqueue
from store.permissions import Viewer
from store.types import utcnow
from tests.bolt_server import payload, sign
from tests.conftest import REP, REP_EN
from tests.flows import log_state, view_submission
from tests.record_flows import chosen, typed

EVIL = ("<!channel>", "<!here>", "<@U0BOSS0003>", "<https://evil|click>")
MARKUP = "".join(EVIL)
ESCAPED = "&lt;!channel&gt;"
SALES = "C0SALES001"


def strings(calls) -> list[str]:
    """Every field Slack reads as text or mrkdwn: `text`, `initial_comment`, and each mrkdwn object
    in blocks and views (plain_text shows markup as typed, so it is left out)."""
    out: list[str] = []

    def walk(node) -> None:
        if isinstance(node, dict):
            if node.get("type") == "mrkdwn":
                out.append(node.get("text", ""))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    for call in calls:
        out += [call.params[k] for k in ("text", "initial_comment") if isinstance(call.params.get(k), str)]
        walk([call.params.get(k) for k in ("blocks", "view", "attachments")])
    return out


def check(calls, what: str, *, mention: str | None = None) -> None:
    """What the bot sent in these calls: the markup escaped somewhere, raw nowhere, and our own
    mention live when given."""
    said = strings(calls)
    raw = sorted({e for s in said for e in EVIL if e in s})
    assert raw == [], f"{what}: {raw} arrived live"
    assert any(ESCAPED in s for s in said), f"{what}: the typed markup never reached it: {said}"
    if mention:
        assert any(mention in s for s in said), f"{what}: {mention} did not arrive live"


def _wait(fake, method: str, since: int, count: int = 1) -> None:
    deadline = time.monotonic() + 5
    while len([c for c in fake.calls[since:] if c.method == method]) < count:
        assert time.monotonic() < deadline, f"no {method}: {fake.methods()[since:]}"
        time.sleep(0.01)  # polled as FakeSlack.wait_for does


@pytest.mark.parametrize("owner", [REP, REP_EN])
def test_a_new_customer_named_with_markup_reaches_the_new_customer_dm_escaped(bolt, fake, db, remember, owner):
    remember(owner, "Asia/Shanghai" if owner == REP else "America/New_York", "zh-CN" if owner == REP else "en-US")
    values = {ids.CUST_NAME_BLOCK: {ids.CUST_NAME: typed(f"探针{MARKUP}丙")},
              ids.CUST_SOURCE_BLOCK: {ids.CUST_SOURCE: chosen("exhibition")},
              ids.CUST_OWNER_BLOCK: {ids.CUST_OWNER: {"type": "users_select", "selected_user": owner}}}
    status, answer, _ = bolt.interact(view_submission(user=owner, callback_id=ids.CUSTOMER_NEW_VIEW, values=values,
                                                      private_metadata={"channel": SALES}))
    assert (status, answer) == (200, b"")
    _wait(fake, "chat.postMessage", 0)
    dm = fake.calls_to("chat.postMessage")[0].params
    assert dm["channel"] == owner and "探针&lt;!channel&gt;&lt;!here&gt;" in dm["text"]
    check(fake.calls, "new-customer DM", mention=f"<@{owner}>")


def _customer(db, owner: str) -> Customer:
    """A converted customer with markup in its name, a contact and a deal moved today (for the stats)."""
    me = Viewer(id=owner)
    now = utcnow()
    with transaction(db) as s:
        c = create_customer(session=s, name=f"探针{MARKUP}", owner_id=owner, created_by=owner, now=now)
        change_stage(session=s, viewer=me, customer_id=c.id, stage="converted", status="signed", now=now)
        add_contact(session=s, viewer=me, customer_id=c.id, name=f"张{MARKUP}", title=MARKUP, now=now)
        deal = create_deal(session=s, viewer=me, customer_id=c.id, title=f"单{MARKUP}", amount="10", now=now)
        move_deal(session=s, viewer=me, deal_id=deal.id, stage="proposal", now=now)
        return c


def _at_risk(db, customer: Customer, owner: str, now: datetime) -> None:
    """Red now, and its ping queued as the health pass queues one."""
    with transaction(db) as s:
        row = s.get(Customer, customer.id)
        row.health_score, row.health_band = 20, "red"
        s.add(row)
        enqueue(session=s, kind=PING, subject=f"customer:{customer.id}", due_key=now.isoformat(), recipient=owner, now=now,
                data={"score": 20, "band": "red", "previous_score": 80, "previous_band": "green", "turned_red": True,
                      "drop": None, "week_high": 80, "at": now.isoformat()})


@pytest.mark.parametrize("owner", [REP, REP_EN])
def test_markup_typed_anywhere_is_escaped_in_every_message_that_shows_it(bolt, fake, db, remember, owner):
    remember(owner, "Asia/Shanghai" if owner == REP else "America/New_York", "zh-CN" if owner == REP else "en-US")
    customer = _customer(db, owner)
    now = utcnow()
    due = (now + timedelta(days=1)).replace(microsecond=0)

    mark = len(fake.calls)  # the log confirmation
    state = log_state(customer=f"{ids.CUSTOMER_EXISTING}{customer.id}", day=now.date(), summary=f"谈了{MARKUP}",
                      action=f"回电{MARKUP}", due=due, owner=owner, feedback=MARKUP, participants=MARKUP)
    bolt.interact(view_submission(user=owner, callback_id=ids.LOG_VIEW, values=state, private_metadata={"channel": SALES}))
    _wait(fake, "chat.postMessage", mark)
    check(fake.calls[mark:], "log confirmation", mention=f"<@{owner}>")

    mark = len(fake.calls)  # the card
    bolt.command(f"show {customer.code}", user=owner)
    _wait(fake, "response_url:cmd", mark)
    check(fake.calls[mark:], "card")

    mark = len(fake.calls)  # the ticket card
    values = {ids.TICKET_CUSTOMER_BLOCK: {ids.TICKET_CUSTOMER: chosen(f"{ids.CUSTOMER_EXISTING}{customer.id}", "external_select")},
              ids.TICKET_PRIORITY_BLOCK: {ids.TICKET_PRIORITY: chosen("P2")}, ids.TICKET_TYPE_BLOCK: {ids.TICKET_TYPE: chosen("complaint")},
              ids.TICKET_DESCRIPTION_BLOCK: {ids.TICKET_DESCRIPTION: typed(f"坏了{MARKUP}")},
              ids.TICKET_ASSIGNEE_BLOCK: {ids.TICKET_ASSIGNEE: {"type": "users_select", "selected_user": owner}}}
    bolt.interact(view_submission(user=owner, callback_id=ids.TICKET_VIEW, values=values, private_metadata={"channel": SALES}))
    _wait(fake, "chat.postMessage", mark)
    check(fake.calls[mark:], "ticket card", mention=f"<@{owner}>")

    mark = len(fake.calls)  # the NPS detractor: the confirmation and the owner's DM
    bolt.command(f"nps {customer.code} 2 差评{MARKUP}", user=owner)
    _wait(fake, "chat.postMessage", mark)
    check(fake.calls[mark:], "NPS detractor DM", mention=f"<@{owner}>")

    mark = len(fake.calls)  # the stats lists: the deal moved today
    bolt.command("stats", user=owner)
    _wait(fake, "response_url:cmd", mark)
    check(fake.calls[mark:], "stats lists")

    mark = len(fake.calls)  # the churn-risk ping, as the scheduler delivers it
    _at_risk(db, customer, owner, now)
    deliver(client=bolt.client, db=db, defaults=bolt.defaults, now=now)
    _wait(fake, "chat.postMessage", mark)
    check(fake.calls[mark:], "risk ping")

    with transaction(db) as s:  # a daily digest of everyone's figures to #sales, due with the action
        subscribe(session=s, channel_id=SALES, cadence="daily", team_of="", at_time=f"{due:%H:%M}", tz="UTC",
                  locale="zh-CN" if owner == REP else "en-US", by=owner, now=now)
    mark = len(fake.calls)  # the due DM and the digest (its list of deals moved), from the scheduler's tick
    tick(client=bolt.client, db=db, defaults=bolt.defaults, now=due)
    _wait(fake, "chat.postMessage", mark, count=2)
    posted = {c.params["channel"]: c for c in fake.calls[mark:] if c.method == "chat.postMessage"}
    assert set(posted) >= {owner, SALES}
    check([posted[owner]], "due DM")
    check([posted[SALES]], "digest")

    mark = len(fake.calls)  # the Home tab
    body = payload("app_home_opened")
    body["event"].update(user=owner, tab="home")
    raw = json.dumps(body).encode()
    bolt.post(raw, {**sign(raw), "Content-Type": "application/json"})
    _wait(fake, "views.publish", mark)
    check(fake.calls[mark:], "home")
    check(fake.calls, "every message")
