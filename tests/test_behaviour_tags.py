"""Behaviour tags that write themselves (store/behaviour_tags.py, store/tag_jobs.py) on SQLite and
PostgreSQL: each rule on hand-made records, the scheduler's nightly and touched passes at stated
instants, the outcome in /crm log, the card, /crm find, and a removed tag staying removed; through
signed requests into the real Bolt app, in zh-CN and en."""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

from sqlmodel import select

from handlers import ids
from handlers.delivery.jobs import tick
from store.behaviour_tags import TagRules
from store.db import transaction
from store.models import AuditEntry, ComputedTag, Customer, Interaction
from store.tag_jobs import run_due
from store.users import set_manager, set_role
from tests.bolt_server import payload
from tests.conftest import BOSS, REP, REP_EN
from tests.flows import block, log_state, view_submission

UTC = timezone.utc
NOW = datetime(2026, 11, 16, 2, 0, tzinfo=UTC)      # Monday 10:00 in Shanghai: today is 2026-11-16 there
DAY, MIN = timedelta(days=1), timedelta(minutes=1)
TODAY = date(2026, 11, 16)
TZ = "Asia/Shanghai"
RULES = TagRules()                                   # the README's defaults: 90 days; 4 interactions in 30 days


def _customer(s, name: str, *, stage: str = "lead", since: datetime | None = None, owner: str = REP) -> int:
    created = NOW - 200 * DAY
    row = Customer(code=f"C{abs(hash(name)) % 10**9:09d}", name=name, name_norm=name.casefold(), search_norm=name.casefold(),
                   stage=stage, owner_id=owner, created_by=owner, created_at=created, updated_at=created, stage_changed_at=since)
    s.add(row)
    s.flush()
    return row.id


def _talk(s, cid: int, days_ago: int, outcome: str | None, way: str = "phone") -> None:
    s.add(Interaction(customer_id=cid, occurred_on=TODAY - timedelta(days=days_ago), way=way, summary="跟进", author_id=REP,
                      created_at=NOW - days_ago * DAY, outcome=outcome))
    s.flush()


def _world(db) -> dict[str, int]:
    """Eleven customers, each built to meet or just miss one rule (the expected tags in _EXPECTED)."""
    with transaction(db) as s:
        ids_ = {}
        ids_["沉默科技"] = c = _customer(s, "沉默科技")           # replied, then 3 silent: no reply; 4 in 30 days: frequent
        for days, outcome in ((10, "replied"), (5, "no_answer"), (3, "no_reply"), (1, "no_answer")):
            _talk(s, c, days, outcome)
        ids_["回电科技"] = c = _customer(s, "回电科技")           # the latest one reached them
        for days, outcome in ((5, "no_answer"), (3, "no_reply"), (1, "reached")):
            _talk(s, c, days, outcome)
        ids_["两次科技"] = c = _customer(s, "两次科技")           # only two silent ones
        for days in (5, 3):
            _talk(s, c, days, "no_answer")
        ids_["未填科技"] = c = _customer(s, "未填科技")           # an outcome left blank breaks the run
        for days, outcome in ((5, "no_answer"), (3, None), (1, "no_reply")):
            _talk(s, c, days, outcome)
        ids_["线上科技"] = c = _customer(s, "线上科技")
        _talk(s, c, 40, "replied", way="online_meeting")
        ids_["缺席科技"] = c = _customer(s, "缺席科技")           # invited online, nobody came
        _talk(s, c, 40, "no_answer", way="online_meeting")
        ids_["长考科技"] = _customer(s, "长考科技", stage="nurturing", since=NOW - 91 * DAY)
        ids_["快定科技"] = _customer(s, "快定科技", stage="nurturing", since=NOW - 89 * DAY)
        ids_["老线索"] = _customer(s, "老线索")                   # a lead for 200 days: not nurturing
        ids_["常联科技"] = c = _customer(s, "常联科技")           # 4 within the 30 days ending today (day -29 inside)
        for days in (0, 7, 14, 29):
            _talk(s, c, days, "reached", way="visit")
        ids_["稍疏科技"] = c = _customer(s, "稍疏科技")           # the 4th is day -30: outside
        for days in (0, 7, 14, 30):
            _talk(s, c, days, "reached", way="visit")
    return ids_


_EXPECTED = {"沉默科技": {"no_reply_3", "frequent_contact"}, "线上科技": {"online_meeting"}, "长考科技": {"long_cycle"},
             "常联科技": {"frequent_contact"}}


def _tags(db, *, removed: bool = False) -> dict[str, set[str]]:
    with transaction(db) as s:
        rows = s.exec(select(Customer.name, ComputedTag.code).join(Customer, Customer.id == ComputedTag.customer_id)
                      .where(ComputedTag.removed_at.is_not(None) if removed else ComputedTag.removed_at.is_(None))).all()
    out: dict[str, set[str]] = {}
    for name, code in rows:
        out.setdefault(name, set()).add(code)
    return out


# -- the rules and the scheduler ----------------------------------------------------------------------

def test_each_rule_on_records_that_meet_or_just_miss_it(db):
    _world(db)
    done = run_due(db=db, now=NOW, rules=RULES, tz=TZ)
    assert (done.kind, done.added, done.dropped) == ("daily", 5, 0)   # the first pass ever is a whole one
    assert _tags(db) == _EXPECTED


def test_touched_and_nightly_passes_keep_the_tags_current(db):
    world = _world(db)
    assert run_due(db=db, now=NOW, rules=RULES, tz=TZ).kind == "daily"
    assert run_due(db=db, now=NOW + MIN, rules=RULES, tz=TZ).kind is None       # nothing touched: nothing written
    with transaction(db) as s:                                                    # a third silent call to 两次科技
        _talk(s, world["两次科技"], 0, "no_reply")
    touched = run_due(db=db, now=NOW + 2 * MIN, rules=RULES, tz=TZ)
    assert (touched.kind, touched.customers, touched.added, touched.dropped) == ("touched", 1, 1, 0)
    assert _tags(db)["两次科技"] == {"no_reply_3"}
    # 2026-11-17 03:00 in Shanghai: 常联科技's day -29 (10-18) leaves the window; 快定科技 is at 89 days 17 hours
    assert run_due(db=db, now=datetime(2026, 11, 16, 18, 59, tzinfo=UTC), rules=RULES, tz=TZ).kind is None
    nightly = run_due(db=db, now=datetime(2026, 11, 16, 19, 0, tzinfo=UTC), rules=RULES, tz=TZ)
    assert (nightly.kind, nightly.added, nightly.dropped) == ("daily", 0, 1)
    assert "常联科技" not in _tags(db) and "快定科技" not in _tags(db)
    assert run_due(db=db, now=datetime(2026, 11, 16, 19, 5, tzinfo=UTC), rules=RULES, tz=TZ).kind is None  # once a night
    # 2026-11-18 03:00: 快定科技 has been nurturing 90 days 17 hours, more than 90
    nightly = run_due(db=db, now=datetime(2026, 11, 17, 19, 0, tzinfo=UTC), rules=RULES, tz=TZ)
    assert (nightly.kind, nightly.added) == ("daily", 1)
    assert _tags(db)["快定科技"] == {"long_cycle"}


def test_the_long_cycle_threshold_is_the_setting(db):
    _world(db)
    run_due(db=db, now=NOW, rules=TagRules(long_cycle_days=60), tz=TZ)
    assert _tags(db)["快定科技"] == {"long_cycle"} and _tags(db)["长考科技"] == {"long_cycle"}


def test_the_tick_runs_the_pass(bolt, db):
    _world(db)
    report = tick(client=bolt.client, db=db, defaults=bolt.defaults, now=NOW)
    assert (report.tags_added, report.tags_dropped) == (5, 0)
    assert _tags(db) == _EXPECTED


# -- /crm log's outcome -------------------------------------------------------------------------------

def _outcome(value: str | None) -> dict:
    return {ids.LOG_OUTCOME_BLOCK: {ids.LOG_OUTCOME: {"type": "static_select", "selected_option":
            {"text": {"type": "plain_text", "text": value}, "value": value} if value else None}}}


def _submit_log(bolt, customer_id: int, outcome: str | None, user: str = REP, day: date = TODAY) -> tuple[int, bytes]:
    values = log_state(customer=f"c:{customer_id}", day=day, summary="电话没人接", action="再打一次",
                       due=NOW + 2 * DAY, owner=user) | _outcome(outcome)
    status, body, _ = bolt.interact(view_submission(user=user, callback_id=ids.LOG_VIEW, values=values))
    return status, body


def test_log_offers_the_outcome_and_stores_it(bolt, fake, db, remember):
    remember(REP, TZ, "zh-CN")
    remember(REP_EN, "America/New_York", "en-US")
    bolt.now = NOW
    bolt.command("log", user=REP)
    view = fake.wait_for("views.open")[0].params["view"]
    outcome = block(view, ids.LOG_OUTCOME_BLOCK)
    assert outcome["optional"] is True and outcome["label"]["text"] == "结果"
    assert [o["text"]["text"] for o in outcome["element"]["options"]] == ["已联系上", "未接通", "已回复", "未回复"]
    fake.reset()
    bolt.command("log", user=REP_EN)
    view = fake.wait_for("views.open")[0].params["view"]
    assert [o["text"]["text"] for o in block(view, ids.LOG_OUTCOME_BLOCK)["element"]["options"]] == [
        "Reached", "No answer", "Replied", "No reply"]
    with transaction(db) as s:
        cid = _customer(s, "星河科技")
    assert _submit_log(bolt, cid, "no_answer") == (200, b"")
    assert _submit_log(bolt, cid, None) == (200, b"")
    with transaction(db) as s:
        assert s.exec(select(Interaction.outcome).where(Interaction.customer_id == cid).order_by(Interaction.id)).all() == ["no_answer", None]


def test_an_outcome_not_in_the_list_is_refused_and_nothing_saved(bolt, db, remember):
    remember(REP, TZ, "zh-CN")
    remember(REP_EN, "America/New_York", "en-US")
    bolt.now = NOW
    with transaction(db) as s:
        cid = _customer(s, "星河科技")
    status, body = _submit_log(bolt, cid, "maybe<script>")
    assert status == 200 and json.loads(body) == {"response_action": "errors", "errors": {ids.LOG_OUTCOME_BLOCK: "请从列表中选择结果。"}}
    status, body = _submit_log(bolt, cid, "🙂", user=REP_EN, day=TODAY - DAY)  # Sunday 21:00 in New York
    assert json.loads(body)["errors"] == {ids.LOG_OUTCOME_BLOCK: "Pick an outcome from the list."}
    with transaction(db) as s:
        assert s.exec(select(Interaction).where(Interaction.customer_id == cid)).all() == []


# -- the card, /crm find, removing a tag --------------------------------------------------------------

def _reply(bolt, fake, words: str, user: str) -> dict:
    fake.reset()
    bolt.command(words, user=user)
    return fake.wait_for("response_url:cmd")[0].params


def _tag_block(blocks: list[dict]) -> dict | None:
    return next((b for b in blocks if b.get("block_id") == ids.CARD_TAGS_BLOCK), None)


def _remove(bolt, fake, *, user: str, value: str) -> str:
    body = payload("block_actions")
    body["user"]["id"] = user
    body["actions"] = [{"type": "overflow", "action_id": ids.CARD_TAG_REMOVE, "block_id": ids.CARD_TAGS_BLOCK,
                        "selected_option": {"text": {"type": "plain_text", "text": "x"}, "value": value}, "action_ts": "1700000100.000200"}]
    body["container"]["is_ephemeral"] = True
    body["response_url"] = fake.response_url("card")
    fake.reset()
    status, answer, _ = bolt.interact(body)
    assert (status, answer) == (200, b"")
    return fake.wait_for("response_url:card")[0].params["text"]


def _team(db) -> None:
    with transaction(db) as s:
        set_manager(session=s, user_id=REP, manager_id=BOSS)
        set_manager(session=s, user_id=REP_EN, manager_id=BOSS)
        set_role(session=s, user_id=BOSS, role="manager")


def test_the_card_shows_the_tags_with_their_reasons_in_both_languages(bolt, fake, db, remember):
    _team(db)
    remember(REP, TZ, "zh-CN")
    remember(REP_EN, "America/New_York", "en-US")
    world = _world(db)
    run_due(db=db, now=NOW, rules=RULES, tz=TZ)
    bolt.now = NOW
    tags = _tag_block(_reply(bolt, fake, "show 沉默科技", REP)["blocks"])
    assert tags["text"]["text"] == ("*行为标签*（系统根据互动记录计算）\n"
                                    "• 未响应近3次跟进：最近 3 次跟进都是“未接通”或“未回复”\n"
                                    "• 高频互动：近 30 天互动不少于 4 次")
    assert [(o["text"]["text"], o["value"]) for o in tags["accessory"]["options"]] == [
        ("移除“未响应近3次跟进”", f"{world['沉默科技']}:no_reply_3"), ("移除“高频互动”", f"{world['沉默科技']}:frequent_contact")]
    tags = _tag_block(_reply(bolt, fake, "show 长考科技", REP_EN)["blocks"])   # a teammate reads, cannot edit
    assert tags["text"]["text"] == ("*Behaviour tags* (computed from the interactions)\n"
                                    "• long decision cycle: nurturing for more than 90 days")
    assert "accessory" not in tags
    assert _tag_block(_reply(bolt, fake, "show 快定科技", REP)["blocks"]) is None


def test_find_matches_the_tags_labels_in_either_language(bolt, fake, db, remember):
    _team(db)
    remember(REP, TZ, "zh-CN")
    remember(REP_EN, "America/New_York", "en-US")
    _world(db)
    run_due(db=db, now=NOW, rules=RULES, tz=TZ)
    found = _reply(bolt, fake, "find 高频互动", REP)
    assert found["text"] == "符合“高频互动”的客户：2 个"
    names = lambda reply: sorted(n for n in _world_names() if n in str(reply["blocks"]))  # noqa: E731
    assert names(found) == ["常联科技", "沉默科技"]
    assert names(_reply(bolt, fake, "find no reply", REP_EN)) == ["沉默科技"]
    assert names(_reply(bolt, fake, "find 决策周期", REP)) == ["长考科技"]
    assert names(_reply(bolt, fake, "find online meeting", REP_EN)) == ["线上科技"]
    assert names(_reply(bolt, fake, "find 常联 高频", REP)) == ["常联科技"]       # every word must match, name or tag


def _world_names() -> list[str]:
    return ["沉默科技", "回电科技", "两次科技", "未填科技", "线上科技", "缺席科技", "长考科技", "快定科技", "老线索", "常联科技", "稍疏科技"]


def test_a_removed_tag_stays_removed(bolt, fake, db, remember):
    _team(db)
    remember(REP, TZ, "zh-CN")
    remember(REP_EN, "America/New_York", "en-US")
    world = _world(db)
    run_due(db=db, now=NOW, rules=RULES, tz=TZ)
    bolt.now = NOW
    cid = world["沉默科技"]
    # a teammate who may read but not edit is refused, and nothing changes
    refused = _remove(bolt, fake, user=REP_EN, value=f"{cid}:frequent_contact")
    assert refused == f"Only the owner <@{REP}>, their manager or an admin can change this customer."
    assert _remove(bolt, fake, user=REP, value=f"{cid}:frequent_contact") == (
        "已移除 *沉默科技* 的行为标签“高频互动”，系统不会再自动加回。")
    assert _remove(bolt, fake, user=REP, value=f"{cid}:frequent_contact") == "这个客户现在没有这个行为标签（可能已被移除）。"
    assert _remove(bolt, fake, user=REP_EN, value="99999:frequent_contact") == "That customer no longer exists; search again."
    assert _remove(bolt, fake, user=REP, value=f"{cid}:<b>") == "这个客户现在没有这个行为标签（可能已被移除）。"
    assert _tags(db, removed=True) == {"沉默科技": {"frequent_contact"}}
    # another interaction (a touched pass) and the next nights do not bring it back
    with transaction(db) as s:
        _talk(s, cid, 0, "no_reply")
    assert run_due(db=db, now=NOW + MIN, rules=RULES, tz=TZ).kind == "touched"
    run_due(db=db, now=datetime(2026, 11, 16, 19, 0, tzinfo=UTC), rules=RULES, tz=TZ)
    assert _tags(db)["沉默科技"] == {"no_reply_3"}
    tags = _tag_block(_reply(bolt, fake, "show 沉默科技", REP)["blocks"])
    assert tags["text"]["text"] == ("*行为标签*（系统根据互动记录计算）\n• 未响应近3次跟进：最近 3 次跟进都是“未接通”或“未回复”\n"
                                    "已移除（系统不会自动加回）：高频互动")
    assert [(o["text"]["text"], o["value"]) for o in tags["accessory"]["options"]] == [
        ("移除“未响应近3次跟进”", f"{cid}:no_reply_3"), ("恢复“高频互动”", f"{cid}:frequent_contact:restore")]
    assert "沉默科技" not in str(_reply(bolt, fake, "find 高频互动", REP)["blocks"])


def _audit_tags(db, cid: int) -> list[tuple[str, str | None, str | None]]:
    with transaction(db) as s:
        return [(e.by, e.old, e.new) for e in s.exec(select(AuditEntry).where(AuditEntry.customer_id == cid,
                                                                                AuditEntry.field == "behaviour_tag")
                                                     .order_by(AuditEntry.id)).all()]


def test_a_removed_tag_is_restored_from_the_card_in_both_languages(bolt, fake, db, remember):
    _team(db)
    remember(REP, TZ, "zh-CN")
    remember(REP_EN, "America/New_York", "en-US")
    remember(BOSS, "America/New_York", "en-US")
    world = _world(db)
    run_due(db=db, now=NOW, rules=RULES, tz=TZ)
    bolt.now = NOW
    cid = world["沉默科技"]
    _remove(bolt, fake, user=REP, value=f"{cid}:frequent_contact")
    _remove(bolt, fake, user=REP, value=f"{cid}:no_reply_3")
    # everything removed: the block stays, for the removed ones and their Restore
    tags = _tag_block(_reply(bolt, fake, "show 沉默科技", BOSS)["blocks"])
    assert tags["text"]["text"] == ("*Behaviour tags* (computed from the interactions)\n"
                                    "Removed (the rules will not put them back): no reply to the last 3 follow-ups, frequent contact")
    assert [(o["text"]["text"], o["value"]) for o in tags["accessory"]["options"]] == [
        ("Restore “no reply to the last 3 follow-ups”", f"{cid}:no_reply_3:restore"),
        ("Restore “frequent contact”", f"{cid}:frequent_contact:restore")]
    # a teammate who may read but not edit sees no menu and is refused
    assert "accessory" not in _tag_block(_reply(bolt, fake, "show 沉默科技", REP_EN)["blocks"])
    assert _remove(bolt, fake, user=REP_EN, value=f"{cid}:frequent_contact:restore") == (
        f"Only the owner <@{REP}>, their manager or an admin can change this customer.")
    # the manager restores one in English, the owner the other in Chinese
    assert _remove(bolt, fake, user=BOSS, value=f"{cid}:frequent_contact:restore") == (
        "Restored the behaviour tag “frequent contact” on *沉默科技*; the rules keep it current from now on.")
    assert _remove(bolt, fake, user=BOSS, value=f"{cid}:frequent_contact:restore") == (
        "That behaviour tag was not removed from this customer: there is nothing to restore.")
    assert _remove(bolt, fake, user=REP, value=f"{cid}:no_reply_3:restore") == "已恢复 *沉默科技* 的行为标签“未响应近3次跟进”，之后由系统按规则维护。"
    assert _remove(bolt, fake, user=REP, value=f"{cid}:long_cycle:restore") == "这个客户的这个行为标签没有被移除，无需恢复。"
    assert _remove(bolt, fake, user=REP, value=f"{cid}:no_reply_3:undo") == "这个客户现在没有这个行为标签（可能已被移除）。"
    assert _tags(db)["沉默科技"] == {"no_reply_3", "frequent_contact"} and _tags(db, removed=True) == {}
    assert _audit_tags(db, cid) == [(REP, "frequent_contact", None), (REP, "no_reply_3", None),
                                    (BOSS, None, "frequent_contact"), (REP, None, "no_reply_3")]
    tags = _tag_block(_reply(bolt, fake, "show 沉默科技", REP)["blocks"])
    assert tags["text"]["text"] == ("*行为标签*（系统根据互动记录计算）\n"
                                    "• 未响应近3次跟进：最近 3 次跟进都是“未接通”或“未回复”\n• 高频互动：近 30 天互动不少于 4 次")
    # restored, it is the rules' again: once they no longer give it, the next night drops it
    with transaction(db) as s:
        s.add(Interaction(customer_id=cid, occurred_on=TODAY, way="phone", summary="通了", author_id=REP, created_at=NOW,
                          outcome="reached"))
    run_due(db=db, now=datetime(2026, 11, 16, 19, 0, tzinfo=UTC), rules=RULES, tz=TZ)
    assert _tags(db)["沉默科技"] == {"frequent_contact"}
