"""A small hand-built data set for the figure reports (tests/test_figure_cards.py, test_stats.py,
test_report_cli.py): rows inserted directly with explicit instants, shifted to any week.

`week_data(s, monday)` lays out, for the Shanghai week starting `monday` (local):
    people     A1 (王小明) and A2 (alice) report to M1 (赵总, a manager)
    customers  1 星河科技 (A1, grade A, converted, last interaction 15 days before the week)
               2 云帆<物流> (A2, grade B, mature, health 35 red, touched on Thursday)
               3 蓝海 (A1, ungraded, mature, health 55 yellow)
    work       A1 logged a visit on Wednesday; A1's action due Tuesday was done an hour early;
               A2's action due Wednesday is still open
    deal       年度合同 of 星河科技 (A1): negotiation -> won on Tuesday, CNY 120,000
    NPS        蓝海 scored 4 on Wednesday ("响应慢")
    ticket     T1 of 云帆<物流>, P1 (calendar hours), opened Tuesday 09:00, never answered
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

from store.crm_models import AuditEntry, Deal
from store.models import Customer, Interaction, NextAction, NpsResponse, SlackUser, Ticket

UTC = timezone.utc
A1, A2, M1 = "U0A1000001", "U0A2000002", "U0M1000003"


def at(monday: date, day: int, hour: int) -> datetime:
    """Shanghai local `hour` of the week's `day` (0 = Monday), as UTC."""
    local = datetime(monday.year, monday.month, monday.day, tzinfo=UTC) + timedelta(days=day, hours=hour)
    return local - timedelta(hours=8)


def people(s) -> None:
    for uid, name, manager, role in ((A1, "王小明", M1, "rep"), (A2, "alice", M1, "rep"), (M1, "赵总", None, "manager")):
        s.add(SlackUser(id=uid, name=name, manager_id=manager, role=role, tz="Asia/Shanghai", locale="zh-CN"))
    s.flush()


def customer(s, n: int, name: str, owner: str, *, grade=None, stage="mature", last=None, health=None, band=None,
             created=datetime(2026, 1, 1, tzinfo=UTC)) -> int:
    s.add(Customer(id=n, code=f"C{n:06d}", name=name, name_norm=name, owner_id=owner, created_by=owner, created_at=created,
                   updated_at=created, stage=stage, status="stable", grade=grade, last_interaction_at=last,
                   health_score=health, health_band=band, health_at=None if health is None else created))
    s.flush()
    return n


def week_data(s, monday: date) -> None:
    people(s)
    customer(s, 1, "星河科技", A1, grade="A", stage="converted", last=at(monday, -15, 10))
    customer(s, 2, "云帆<物流>", A2, grade="B", last=at(monday, 3, 10), health=35, band="red")
    customer(s, 3, "蓝海", A1, health=55, band="yellow")
    s.add(Interaction(customer_id=1, occurred_on=monday + timedelta(days=2), way="visit", summary="拜访", author_id=A1,
                      created_at=at(monday, 2, 10), logged_on=monday + timedelta(days=2)))
    s.add(NextAction(customer_id=1, title="发送报价", due_at=at(monday, 1, 10), owner_id=A1, created_by=A1, status="done",
                     done_at=at(monday, 1, 9), done_by=A1, created_at=at(monday, -7, 10)))
    s.add(NextAction(customer_id=2, title="回访", due_at=at(monday, 2, 9), owner_id=A2, created_by=A2, status="open",
                     created_at=at(monday, -7, 10)))
    won = at(monday, 1, 10)
    s.add(Deal(id=1, customer_id=1, title="年度合同", amount=Decimal("120000"), currency="CNY", stage="won", owner_id=A1,
               created_by=A1, stage_changed_at=won, closed_at=won, created_at=at(monday, -30, 10), updated_at=won))
    s.add(AuditEntry(at=won, by=A1, entity="deal", entity_id=1, customer_id=1, field="stage", old="negotiation", new="won"))
    s.add(NpsResponse(customer_id=3, score=4, comment="响应慢", source="slack", responded_at=at(monday, 2, 11)))
    opened = at(monday, 1, 9)
    s.add(Ticket(id=1, code="T1", customer_id=2, priority="P1", type="complaint", description="坏了", status="new",
                 assignee_id=A2, created_by=A2, created_at=opened, updated_at=opened, sla_business=False,
                 response_minutes=120, resolution_minutes=1440, response_paused_minutes=0, resolution_paused_minutes=0))
    s.flush()
