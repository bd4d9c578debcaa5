"""Customer-success owners by team (CRM_CS_OWNER=MANAGER:CS,…,*:CS, store/cs_owners.py): a customer that
converts without one gets the one of its owner's manager's team (a manager's own customers count as
their team's), the rest the `*` one; audited; `/crm admin cs` shows them in zh-CN and en; through signed
requests into the real Bolt app on SQLite and PostgreSQL."""
from __future__ import annotations

import pytest
from sqlmodel import select

from bot.settings import Settings
from store.cs_owners import CsOwners
from store.crm_models import AuditEntry
from store.db import transaction
from store.models import Customer
from store.users import set_manager, set_role
from tests.bolt_server import BoltServer
from tests.conftest import BOSS, REP, REP_EN
from tests.record_flows import customer

MGR_EN = "U0MGREN005"   # REP_EN's manager
LONE = "U0LONE0006"     # a rep without a manager
CS, CS_EN, CS_ALL = "U0CSZH0007", "U0CSEN0008", "U0CSALL009"
ADMIN = "U0ADMIN004"
TEAMS = f"{BOSS}:{CS}, {MGR_EN}:{CS_EN},*:{CS_ALL}"


@pytest.fixture
def bolt_teams(db, fake):
    server = BoltServer(db=db, fake=fake, crm_cs_owner=TEAMS)
    yield server
    server.stop()


def _say(bolt, fake, words: str, user: str) -> str:
    fake.reset()
    bolt.command(words, user=user)
    return fake.wait_for("response_url:cmd")[0].params["text"]


def _cs_entries(db, customer_id: int) -> list[tuple[str, str | None, str | None]]:
    with transaction(db) as s:
        return [(e.by, e.old, e.new) for e in s.exec(select(AuditEntry).where(AuditEntry.customer_id == customer_id,
                                                                                AuditEntry.field == "cs_owner_id")).all()]


def test_crm_cs_owner_per_manager_parses_and_refuses_with_its_sentence():
    assert Settings(_env_file=None, crm_cs_owner=TEAMS).cs_owners == CsOwners(default=CS_ALL, by_manager=((BOSS, CS), (MGR_EN, CS_EN)))
    assert Settings(_env_file=None, crm_cs_owner=f"{BOSS}:{CS}").cs_owners == CsOwners(default=None, by_manager=((BOSS, CS),))
    assert Settings(_env_file=None, crm_cs_owner=CS).cs_owners == CsOwners(default=CS)   # one for everyone, as before
    assert Settings(_env_file=None).cs_owners == CsOwners()
    said = ("CRM_CS_OWNER: {part!r} should be MANAGER:CS_OWNER as Slack user IDs (each manager once), or *:CS_OWNER for "
            "everyone else, e.g. U0MGR01:U0CS001,*:U0CS009")
    for value, part in ((f"{BOSS}:bob", f"{BOSS}:bob"), (f"{BOSS}:{CS},{BOSS}:{CS_EN}", f"{BOSS}:{CS_EN}"),
                        (f"*:{CS},*:{CS_EN}", f"*:{CS_EN}"), (f"{BOSS}={CS}:x", f"{BOSS}={CS}:x")):
        with pytest.raises(ValueError) as caught:
            Settings(_env_file=None, crm_cs_owner=value)
        assert said.format(part=part) in str(caught.value)


def test_a_converting_customer_gets_its_teams_cs_owner_audited(bolt_teams, fake, db, remember):
    remember(REP, "Asia/Shanghai", "zh-CN")
    remember(REP_EN, "America/New_York", "en-US")
    remember(BOSS, "Asia/Shanghai", "zh-CN")
    remember(LONE, "Asia/Shanghai", "zh-CN")
    with transaction(db) as s:
        set_manager(session=s, user_id=REP, manager_id=BOSS)
        set_manager(session=s, user_id=REP_EN, manager_id=MGR_EN)
        set_role(session=s, user_id=BOSS, role="manager")
        set_role(session=s, user_id=MGR_EN, role="manager")
    made = {name: customer(db, name, owner=owner, stage="nurturing") for name, owner in (
        ("星河科技", REP), ("Galaxy Tech", REP_EN), ("经理自己的", BOSS), ("独行客户", LONE), ("已有客户成功", REP))}
    with transaction(db) as s:
        s.get(Customer, made["已有客户成功"].id).cs_owner_id = REP_EN
    for name, user in (("星河科技", REP), ("Galaxy Tech", REP_EN), ("经理自己的", BOSS), ("独行客户", LONE), ("已有客户成功", REP)):
        said = _say(bolt_teams, fake, f"stage {name} converted", user)
        code = made[name].code
        assert said == (f"✅ *Galaxy Tech* ({code}): Nurturing · Needs follow-up → Converted · Signed" if user == REP_EN
                        else f"✅ *{name}*（{code}）：培育期 · 需跟进 → 转化期 · 已签约")
    with transaction(db) as s:
        got = {name: (s.get(Customer, c.id).stage, s.get(Customer, c.id).cs_owner_id) for name, c in made.items()}
    assert got == {"星河科技": ("converted", CS), "Galaxy Tech": ("converted", CS_EN), "经理自己的": ("converted", CS),
                   "独行客户": ("converted", CS_ALL), "已有客户成功": ("converted", REP_EN)}
    assert _cs_entries(db, made["星河科技"].id) == [(REP, None, CS)]
    assert _cs_entries(db, made["Galaxy Tech"].id) == [(REP_EN, None, CS_EN)]
    assert _cs_entries(db, made["独行客户"].id) == [(LONE, None, CS_ALL)]
    assert _cs_entries(db, made["已有客户成功"].id) == []


def test_admin_cs_lists_the_teams_in_both_languages(bolt_teams, fake, db, remember):
    remember(ADMIN, "Asia/Shanghai", "zh-CN")
    remember(BOSS, "America/New_York", "en-US")
    with transaction(db) as s:
        set_role(session=s, user_id=ADMIN, role="admin")
        set_role(session=s, user_id=BOSS, role="admin")
    assert _say(bolt_teams, fake, "admin cs", ADMIN) == (
        "按团队设定的客户成功负责人（CRM_CS_OWNER）：客户转化时如未指定，由其负责人所在团队的这位接手。\n"
        f"• <@{BOSS}> 的团队：<@{CS}>\n• <@{MGR_EN}> 的团队：<@{CS_EN}>\n• 其他客户：<@{CS_ALL}>")
    assert _say(bolt_teams, fake, "admin cs", BOSS) == (
        "Customer-success owners by team (CRM_CS_OWNER): a customer that converts without one gets its owner's team's.\n"
        f"• <@{BOSS}>'s team: <@{CS}>\n• <@{MGR_EN}>'s team: <@{CS_EN}>\n• Everyone else's customers: <@{CS_ALL}>")


def test_admin_cs_without_a_rest_says_nobody(db, fake, remember):
    server = BoltServer(db=db, fake=fake, crm_cs_owner=f"{MGR_EN}:{CS_EN}")
    try:
        remember(ADMIN, "America/New_York", "en-US")
        with transaction(db) as s:
            set_role(session=s, user_id=ADMIN, role="admin")
        assert _say(server, fake, "admin cs", ADMIN) == (
            "Customer-success owners by team (CRM_CS_OWNER): a customer that converts without one gets its owner's team's.\n"
            f"• <@{MGR_EN}>'s team: <@{CS_EN}>\n• Everyone else's customers: nobody")
        remember(REP, "Asia/Shanghai", "zh-CN")
        lone = customer(db, "无人接手", owner=REP, stage="nurturing")
        _say(server, fake, "stage 无人接手 converted", REP)
        with transaction(db) as s:
            assert (s.get(Customer, lone.id).stage, s.get(Customer, lone.id).cs_owner_id) == ("converted", None)
    finally:
        server.stop()
