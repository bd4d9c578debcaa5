"""For the permission tests: two teams, one rep's records of every kind, a rep of the other team as
the caller, what the database holds (to prove nothing changed), what the caller was told, and
the exact refusals in both languages."""
from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import select
from sqlmodel import SQLModel

from handlers.i18n import EN, ZH
from store.contacts import add_contact
from store.customers import create_customer
from store.db import transaction
from store.deals import create_deal
from store.interactions import log_interaction
from store.lifecycle import change_stage
from store.needs import add_need
from store.nps import create_loop_action, record_response
from store.permissions import Viewer
from store.sla import Calendar
from store.tickets import create_ticket
from store.users import set_manager, set_role
from store.winback import PlanRequest, mark_churned
from tests.conftest import BOSS, REP, REP_EN

SALES = "C0SALES001"
MGR2 = "U0MGR20007"                                   # manages the other team
STRANGERS = {ZH: "U0OTHER005", EN: "U0OTHEREN6"}      # reps of the other team
NAME, CHURNED_NAME = "星河科技", "流失客户"
NOW = datetime(2026, 11, 16, 2, 0, tzinfo=timezone.utc)
DUE = datetime(2030, 1, 7, 7, 0, tzinfo=timezone.utc)

# What a rep of another team is told, in their language (REP owns everything).
EDIT = {ZH: f"只有负责人 <@{REP}>、其经理或管理员可以修改这个客户。",
        EN: f"Only the owner <@{REP}>, their manager or an admin can change this customer."}
READ = {ZH: f"只有负责人 <@{REP}>、其团队成员、其经理或管理员可以查看这个客户。",
        EN: f"Only the owner <@{REP}>, their teammates, their manager or an admin can see this customer."}
ACTION = {ZH: f"只有这项行动的负责人 <@{REP}> 可以处理它。", EN: f"Only the action's owner <@{REP}> can change it."}
TICKET = {ZH: f"只有工单的处理人和能查看这个客户的人（负责人 <@{REP}>、其团队成员、其经理或管理员）可以处理这张工单。",
          EN: f"Only the ticket's assignee and those who can see its customer (the owner <@{REP}>, their teammates, "
              "their manager or an admin) can work on this ticket."}
RISK = {ZH: f"只有客户负责人 <@{REP}>、其经理和管理员可以处理这条流失风险提醒。",
        EN: f"Only the owner <@{REP}>, their manager and admins can act on this churn-risk alert."}
LOG = {ZH: f"这是 <@{REP}> 的客户，你不能在上面记录互动。请找负责人或经理。",
       EN: f"That customer belongs to <@{REP}>; you cannot log on it. Ask the owner or their manager."}
HAND_ON = {ZH: "你只能把客户交给自己；经理可以交给自己的下属，管理员可以交给任何人。",
           EN: "You can only make yourself the owner; managers can choose their reports, admins anyone."}


@dataclass(frozen=True)
class World:
    customer: int
    code: str
    action: int
    ticket: int
    deal: int
    contact: int
    response: int
    loop: int
    churned: int
    churned_code: str
    case: int
    plan: int


def teams(db, fake, remember) -> None:
    """REP and REP_EN report to BOSS; the strangers to MGR2. Both managers are managers."""
    fake.add_user(STRANGERS[ZH], tz="Asia/Shanghai", locale="zh-CN", name="li", real_name="李四")
    fake.add_user(STRANGERS[EN], tz="America/New_York", locale="en-US", name="bob", real_name="Bob Jones")
    for user, tz, locale in ((REP, "Asia/Shanghai", "zh-CN"), (REP_EN, "America/New_York", "en-US"), (BOSS, "Asia/Shanghai", "zh-CN"),
                             (STRANGERS[ZH], "Asia/Shanghai", "zh-CN"), (STRANGERS[EN], "America/New_York", "en-US")):
        remember(user, tz, locale)
    with transaction(db) as s:
        for rep, manager in ((REP, BOSS), (REP_EN, BOSS), (STRANGERS[ZH], MGR2), (STRANGERS[EN], MGR2)):
            set_manager(session=s, user_id=rep, manager_id=manager)
        for manager in (BOSS, MGR2):
            set_role(session=s, user_id=manager, role="manager")


def world(db) -> World:
    """REP's customer with a next action, a ticket, a deal, a contact, a need and a low NPS with its
    close-the-loop action; and REP's churned customer with its case and win-back plan."""
    owner = Viewer(id=REP)
    with transaction(db) as s:
        c = create_customer(session=s, name=NAME, owner_id=REP, created_by=REP, now=NOW)
        logged = log_interaction(session=s, author_id=REP, customer_id=c.id, new_customer_name=None, way="visit",
                                 occurred_on=date(2026, 11, 16), summary="拜访", feedback="", participants="",
                                 action_title="发送报价", due_at=DUE, action_owner_id=REP, now=NOW)
        ticket = create_ticket(session=s, created_by=REP, customer_id=c.id, new_customer_name=None, priority="P2",
                               ticket_type="complaint", description="打印机坏了", assignee_id=REP, calendar=Calendar(), now=NOW)
        deal = create_deal(session=s, viewer=owner, customer_id=c.id, title="MES 一期", amount="1000", now=NOW)
        contact = add_contact(session=s, viewer=owner, customer_id=c.id, name="张伟", now=NOW)
        add_need(session=s, viewer=owner, customer_id=c.id, description="MES 升级", now=NOW)
        response, _ = record_response(session=s, customer_id=c.id, score=3, comment="慢", source="slack", external_id="x1",
                                      responded_at=NOW, recorded_by=REP, now=NOW)
        loop = create_loop_action(session=s, response=response, owner_id=REP, title="回访", due_at=DUE, created_by=REP, now=NOW)
        gone = create_customer(session=s, name=CHURNED_NAME, owner_id=REP, created_by=REP, now=NOW)
        change_stage(session=s, viewer=owner, customer_id=gone.id, stage="converted", status="signed", now=NOW)
        churned = mark_churned(session=s, viewer=owner, customer_id=gone.id, reason="price", recoverable=True, lessons="",
                               plan=PlanRequest(actions={"price"}, deadline=NOW + timedelta(days=7), owner_id=REP), now=NOW)
        return World(customer=c.id, code=c.code, action=logged.action.id, ticket=ticket.id, deal=deal.id, contact=contact.id,
                     response=response.id, loop=loop.id, churned=gone.id, churned_code=gone.code, case=churned.case.id, plan=churned.plan.id)


def snapshot(db) -> dict[str, list[str]]:
    """Every row of every table but the cache of Slack profiles, as text."""
    with transaction(db) as s:
        return {table.name: sorted(repr(tuple(row)) for row in s.execute(select(table)).all())
                for table in SQLModel.metadata.sorted_tables if table.name != "slack_user"}


def told(fake, answer: bytes, user: str) -> list[str]:
    """Everything the caller was told: ephemerals, replies through response_url, DMs, and the
    errors or options in the HTTP answer."""
    texts = [c.params.get("text", "") for c in fake.calls if c.method == "chat.postEphemeral" and c.params.get("user") == user]
    texts += [c.params.get("text", "") for c in fake.calls if c.method.startswith("response_url:")]
    texts += [c.params.get("text", "") for c in fake.calls if c.method == "chat.postMessage" and c.params.get("channel") == user]
    if answer.startswith(b"{"):
        body = json.loads(answer)
        texts += list((body.get("errors") or {}).values())
    return texts


SEEN_BY_APP = ("views.open", "views.push", "views.update", "chat.update", "views.publish")


def refused(db, fake, label: str, send: Callable[[], tuple], expect: str, user: str) -> list[str]:
    """Send; what went wrong: not told `expect`, the customer's name sent anywhere, a modal or
    message drawn for them, or the database changed."""
    before = snapshot(db)
    fake.reset()
    status, answer, _ = send()
    said = wait_told(fake, answer, user)
    sent = json.dumps([c.params for c in fake.calls], ensure_ascii=False) + answer.decode()
    problems = [] if status == 200 and expect in said else [f"{label}: {status} told {said!r}, not {expect!r}"]
    if NAME in sent:
        problems.append(f"{label}: the customer's name was sent: {sent[:300]}")
    if drawn := [c.method for c in fake.calls if c.method in SEEN_BY_APP]:
        problems.append(f"{label}: {drawn}")
    if snapshot(db) != before:
        problems.append(f"{label}: the database changed")
    return problems


def wait_told(fake, answer: bytes, user: str, timeout: float = 5.0) -> list[str]:
    """What the caller was told, once they were told anything (a listener answers after its ack)."""
    deadline = time.monotonic() + timeout
    while not (said := told(fake, answer, user)) and time.monotonic() < deadline:
        time.sleep(0.01)  # polled as FakeSlack.wait_for does
    return said
