"""The App Home tab through the real Bolt app: a signed `app_home_opened` event, the view the bot
publishes on the fake Slack server, the Done and Snooze buttons clicked from the tab, and the
buttons that open the log, new-customer and ticket modals.

The tab is drawn as of the app's clock (`Defaults.clock`); the `clock` fixture sets it to a fixed instant
(Tue, Mar 4, 2031, 10:00\u202fAM in Shanghai) so every time shown is hand-computed. Data is written with the
store's own functions, or inserted as rows where hundreds are needed."""
from __future__ import annotations

import json
import logging
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert
from sqlmodel import select

from handlers import ids
from handlers.stats.cards import headline_blocks
from store.customers import create_customer
from store.db import transaction
from store.figures import Period, Scope, figures
from store.home import customer_counts, pending_actions
from store.interactions import log_interaction
from store.models import Customer, NextAction, Ticket
from store.sla import Calendar
from store.tickets import create_ticket
from store.users import set_manager, set_role
from tests.bolt_server import payload, sign
from tests.conftest import BOSS, REP, REP_EN

UTC = timezone.utc
SH, NY = ZoneInfo("Asia/Shanghai"), ZoneInfo("America/New_York")
NOW = datetime(2031, 3, 4, 2, 0, tzinfo=UTC)  # Tue 4 Mar 2031: 10:00 in Shanghai, Mon 3 Mar 21:00 in New York
CAL = Calendar()


@pytest.fixture
def clock(bolt):
    bolt.now = NOW  # the app's clock (Defaults.clock): every listener reads this instant
    return NOW


# -- requests --------------------------------------------------------------------------------

def open_home(bolt, user: str, *, tab: str = "home") -> int:
    body = payload("app_home_opened")
    body["event"].update(user=user, tab=tab)
    raw = json.dumps(body).encode()
    status, _, _ = bolt.post(raw, {**sign(raw), "Content-Type": "application/json"})
    return status


def home_click(bolt, *, user: str, action_id: str, value: str = "", block_id: str = "", metadata: str = "") -> int:
    body = payload("block_actions_home")
    body["user"]["id"] = user
    body["actions"][0].update(action_id=action_id, value=value, block_id=block_id)
    body["view"]["private_metadata"] = metadata
    status, _, _ = bolt.interact(body)
    return status


def menu_click(bolt, *, user: str, choice: str, action_id: int, metadata: str = "") -> int:
    """A choice ("done", "snooze", "tomorrow", "reschedule") in an action's overflow menu on the tab."""
    body = payload("block_actions_home")
    body["user"]["id"] = user
    body["actions"] = [{"action_id": ids.HOME_ACTION_MENU, "block_id": f"home_action.{action_id}", "type": "overflow",
                        "selected_option": {"text": {"type": "plain_text", "text": choice}, "value": f"{choice}:{action_id}"},
                        "action_ts": "1700000100.000200"}]
    body["view"]["private_metadata"] = metadata
    status, _, _ = bolt.interact(body)
    return status


def published(fake, n: int = 1) -> dict:
    call = fake.wait_for("views.publish", count=n)[n - 1]
    return call.params


def texts(blocks: list[dict]) -> list[str]:
    """Each block as text: a section's text (and its fields), a context's, a header's, an
    actions block's buttons as [label|action_id|value]; a section's overflow menu, as the next
    item, its options as [label|value]."""
    out = []
    for b in blocks:
        if b["type"] in ("section", "header"):
            out.append(b["text"]["text"] + "".join(f" | {f['text']}" for f in b.get("fields", [])))
            menu = b.get("accessory") or {}
            if menu.get("type") == "overflow":
                assert menu["action_id"] == ids.HOME_ACTION_MENU
                out.append("⋯ " + " ".join(f"[{o['text']['text']}|{o['value']}]" for o in menu["options"]))
        elif b["type"] == "context":
            out.append(" ".join(e["text"] for e in b["elements"]))
        elif b["type"] == "actions":
            out.append(" ".join(f"[{e['text']['text']}|{e['action_id']}|{e.get('value', '')}]" if e["type"] == "button" else
                                f"{{{e['placeholder']['text']}|{','.join(o['value'] for o in e['options'])}}}" for e in b["elements"]))
        else:
            out.append(f"<{b['type']}>")
    return out


# -- data ------------------------------------------------------------------------------------

def customer(db, name: str, owner: str = REP, *, stage: str = "lead", band: str | None = None, score: int | None = None) -> Customer:
    with transaction(db) as s:
        c = create_customer(session=s, name=name, owner_id=owner, created_by=owner, now=NOW - timedelta(hours=1))
        c.stage, c.health_band, c.health_score = stage, band, score
        s.add(c)
        s.flush()
        return c


def action(db, c: Customer, title: str, due: datetime, owner: str = REP, *, status: str = "open", origin: str | None = None,
           kind: str | None = None) -> NextAction:
    with transaction(db) as s:
        a = NextAction(customer_id=c.id, title=title, due_at=due, owner_id=owner, created_by=owner, status=status,
                       announce_at=None, created_at=NOW - timedelta(days=10), updated_at=NOW - timedelta(days=10), origin=origin, kind=kind)
        s.add(a)
        s.flush()
        return a


def ticket(db, c: Customer, assignee: str, *, priority: str = "P1", created: datetime) -> Ticket:
    with transaction(db) as s:
        return create_ticket(session=s, created_by=assignee, customer_id=c.id, new_customer_name=None, priority=priority,
                             ticket_type="complaint", description="打印机无法启动", assignee_id=assignee, calendar=CAL, now=created)


def sh(*args) -> datetime:
    return datetime(*args, tzinfo=SH)


def ny(*args) -> datetime:
    return datetime(*args, tzinfo=NY)


def buttons(action_id: int, zh: bool = True) -> str:
    """The action's menu: the due-action DM's four choices."""
    labels = ("完成", "推迟 1 小时", "明天 9:00", "改期…") if zh else ("Done", "Snooze 1 hour", "Tomorrow 9:00", "Reschedule…")
    return "⋯ " + " ".join(f"[{label}|{verb}:{action_id}]" for label, verb in zip(labels, ("done", "snooze", "tomorrow", "reschedule")))


TOP_ZH = "[📝 记录互动|home_log|] [➕ 新建客户|home_new_customer|] [🎫 新建工单|home_new_ticket|]"
TOP_EN = "[📝 Log interaction|home_log|] [➕ New customer|home_new_customer|] [🎫 New ticket|home_new_ticket|]"
STAGES_ZH = " | *线索期*\n{} | *培育期*\n{} | *转化期*\n{} | *成熟期*\n{} | *流失期*\n{}"
STAGES_EN = " | *Lead*\n{} | *Nurturing*\n{} | *Converted*\n{} | *Mature*\n{} | *Churned*\n{}"


# -- the rep's tab -----------------------------------------------------------------------------

def test_rep_sees_overdue_today_and_upcoming_actions_customers_and_tickets_in_chinese(bolt, fake, db, clock):
    star = customer(db, "星河科技")                                        # C203103001, lead
    blue = customer(db, "蓝海物流", stage="nurturing")                      # C203103002
    hill = customer(db, "远山制造", stage="mature", band="red", score=35)   # C203103003
    pine = customer(db, "青松医疗", stage="converted", band="yellow", score=55)  # C203103004
    customer(db, "绿洲酒店", stage="converted", band="green", score=90)     # C203103005: healthy
    north = customer(db, "北辰集团", BOSS)                                  # someone else's
    late = action(db, star, "发送报价", sh(2031, 3, 3, 9, 0))               # 25 hours ago
    today = action(db, blue, "电话回访", sh(2031, 3, 4, 15, 0))
    soon = action(db, hill, "上门演示 <b>", sh(2031, 3, 6, 9, 30))
    auto = action(db, pine, "定期跟进", sh(2031, 3, 11, 23, 59), origin="cadence", kind="cadence")
    action(db, star, "太远了", sh(2031, 3, 12, 0, 0))                       # the 8th day: not shown
    action(db, star, "已完成", sh(2031, 3, 3, 9, 0), status="done")
    action(db, north, "别人的", sh(2031, 3, 3, 9, 0), BOSS)
    t1 = ticket(db, pine, REP, created=NOW - timedelta(minutes=30))
    ticket(db, north, BOSS, created=NOW)

    assert open_home(bolt, REP) == 200
    view = published(fake)
    assert view["user_id"] == REP and view["view"]["type"] == "home"
    assert texts(view["view"]["blocks"]) == [
        "我的 CRM 工作台",
        "更新于 2031年3月4日周二 10:00",
        TOP_ZH,
        "<divider>",
        "*下一步行动*",
        "*🔴 已逾期（1）*",
        "发送报价 · *星河科技*（C203103001）\n截止 2031年3月3日周一 09:00，已逾期 1天1小时",
        buttons(late.id),
        "*🟡 今天（1）*",
        "电话回访 · *蓝海物流*（C203103002）\n截止 2031年3月4日周二 15:00",
        buttons(today.id),
        "*🗓 未来 7 天（2）*",
        "上门演示 &lt;b&gt; · *远山制造*（C203103003）\n截止 2031年3月6日周四 09:30",
        buttons(soon.id),
        "定期跟进 · *青松医疗*（C203103004）\n截止 2031年3月11日周二 23:59",
        buttons(auto.id),
        "<divider>",
        "*我的客户：共 5 个*" + STAGES_ZH.format(1, 1, 2, 1, 0),
        "*需要关注（2）*\n• 🔴 危险 *远山制造*（C203103003） · 健康分 35\n• 🟡 关注 *青松医疗*（C203103004） · 健康分 55",
        "<divider>",
        "*你负责的未结工单：1 张*",
        f"*{t1.code}* · P1 · 青松医疗 · 新建\n⏱ 首次响应：2031年3月4日周二 11:30 到期，还剩 1小时30分钟\n"
        "⏱ 解决：2031年3月5日周三 09:30 到期，还剩 23小时30分钟",
        f"{{打开客户卡片…|{star.id},{blue.id},{hill.id},{pine.id}}}",
    ]
    assert t1.code == "T203103001"


def test_english_rep_reads_english_in_new_york_time(bolt, fake, db, clock):
    """21:00 on Monday 3 March in New York: today ends at midnight there, 05:00 UTC."""
    galaxy = customer(db, "Galaxy Tech", REP_EN)
    late = action(db, galaxy, "send quote", ny(2031, 3, 3, 20, 15), REP_EN)
    tonight = action(db, galaxy, "call back", ny(2031, 3, 3, 23, 30), REP_EN)
    tomorrow = action(db, galaxy, "demo", ny(2031, 3, 4, 0, 0), REP_EN)
    ticket(db, galaxy, REP_EN, created=NOW - timedelta(minutes=30))

    assert open_home(bolt, REP_EN) == 200
    assert texts(published(fake)["view"]["blocks"]) == [
        "Your CRM home",
        "Updated Mon, Mar 3, 2031, 9:00\u202fPM",
        TOP_EN,
        "<divider>",
        "*Next actions*",
        "*🔴 Overdue (1)*",
        "send quote · *Galaxy Tech* (C203103001)\nDue Mon, Mar 3, 2031, 8:15\u202fPM, 45 min overdue",
        buttons(late.id, zh=False),
        "*🟡 Today (1)*",
        "call back · *Galaxy Tech* (C203103001)\nDue Mon, Mar 3, 2031, 11:30\u202fPM",
        buttons(tonight.id, zh=False),
        "*🗓 Next 7 days (1)*",
        "demo · *Galaxy Tech* (C203103001)\nDue Tue, Mar 4, 2031, 12:00\u202fAM",
        buttons(tomorrow.id, zh=False),
        "<divider>",
        "*Your customers: 1*" + STAGES_EN.format(1, 0, 0, 0, 0),
        "<divider>",
        "*Your open tickets: 1*",
        "*T203103001* · P1 · Galaxy Tech · new\n⏱ First response: due Mon, Mar 3, 2031, 10:30\u202fPM, 1 h 30 min left\n"
        "⏱ Resolution: due Tue, Mar 4, 2031, 8:30\u202fPM, 23 h 30 min left",
        f"{{Open a customer's card…|{galaxy.id}}}",
    ]


def test_a_user_with_nothing_sees_a_friendly_empty_state(bolt, fake, clock):
    assert open_home(bolt, REP) == 200
    assert texts(published(fake)["view"]["blocks"]) == [
        "我的 CRM 工作台",
        "更新于 2031年3月4日周二 10:00",
        TOP_ZH,
        "👋 这里会列出你的待办行动、客户和工单。现在还是空的——先新建一个客户，或记录一次客户互动吧。",
    ]


def test_customers_but_nothing_due_says_so(bolt, fake, db, clock):
    customer(db, "星河科技")
    open_home(bolt, REP)
    assert texts(published(fake)["view"]["blocks"])[3:] == [
        "<divider>",
        "*下一步行动*\n未来 7 天没有待办的下一步行动。",
        "<divider>",
        "*我的客户：共 1 个*" + STAGES_ZH.format(1, 0, 0, 0, 0),
        "<divider>",
        "你名下没有未结工单。",
    ]


def test_only_the_home_tab_is_drawn(bolt, fake, clock):
    assert open_home(bolt, REP, tab="messages") == 200
    bolt.executor.shutdown(wait=True)  # the listener has run (or was never called)
    assert fake.calls_to("views.publish") == []


def test_slack_refusing_the_tab_is_logged_not_raised(bolt, fake, clock, caplog):
    fake.fail_next("views.publish", error="not_enabled")
    with caplog.at_level(logging.INFO):
        assert open_home(bolt, REP) == 200
        fake.wait_for("views.publish")
        bolt.executor.shutdown(wait=True)
    assert [r.getMessage() for r in caplog.records if r.name == "handlers.home.views"] == [
        f"home tab of {REP} not published: not_enabled"]
    assert not [r for r in caplog.records if r.name == "crm"]  # the app's error handler saw nothing


# -- the buttons -------------------------------------------------------------------------------

def test_done_from_home_closes_the_action_and_publishes_the_tab_again(bolt, fake, db, clock):
    star = customer(db, "星河科技")
    late = action(db, star, "发送报价", sh(2031, 3, 3, 9, 0))
    today = action(db, star, "电话回访", sh(2031, 3, 4, 15, 0))
    open_home(bolt, REP)
    first = texts(published(fake)["view"]["blocks"])
    assert buttons(late.id) in first and buttons(today.id) in first

    assert menu_click(bolt, user=REP, choice="done", action_id=late.id) == 200
    again = published(fake, 2)
    assert again["user_id"] == REP
    assert texts(again["view"]["blocks"])[4:8] == [
        "*下一步行动*",
        "*🟡 今天（1）*",
        "电话回访 · *星河科技*（C203103001）\n截止 2031年3月4日周二 15:00",
        buttons(today.id),
    ]
    with transaction(db) as s:
        done = s.get(NextAction, late.id)
        assert (done.status, done.done_by, done.announce_at) == ("done", REP, None)
    assert fake.calls_to("chat.update") == [] and fake.calls_to("chat.postEphemeral") == []


def test_done_on_an_action_closed_meanwhile_just_redraws_the_tab(bolt, fake, db, clock):
    star = customer(db, "星河科技")
    late = action(db, star, "发送报价", sh(2031, 3, 3, 9, 0), status="done")
    menu_click(bolt, user=REP, choice="done", action_id=late.id)
    assert texts(published(fake)["view"]["blocks"])[3:5] == ["<divider>", "*下一步行动*\n未来 7 天没有待办的下一步行动。"]
    assert fake.calls_to("chat.update") == [] and fake.calls_to("chat.postEphemeral") == []


def test_snooze_from_home_moves_the_action_an_hour_on_and_redraws(bolt, fake, db, clock):
    """The action was due two hours ago and is due an hour from the click after."""
    star = customer(db, "星河科技")
    late = action(db, star, "发送报价", NOW - timedelta(hours=2))
    menu_click(bolt, user=REP, choice="snooze", action_id=late.id)
    blocks = texts(published(fake)["view"]["blocks"])
    with transaction(db) as s:
        moved = s.get(NextAction, late.id)
    assert moved.status == "snoozed"
    assert moved.due_at == NOW + timedelta(hours=1)
    assert buttons(late.id) in blocks and not any(b.startswith("*🔴") for b in blocks)


@pytest.mark.parametrize("action_id, callback_id", [(ids.HOME_LOG, ids.LOG_VIEW), (ids.HOME_NEW_CUSTOMER, ids.CUSTOMER_NEW_VIEW),
                                                    (ids.HOME_NEW_TICKET, ids.TICKET_VIEW)])
def test_home_buttons_open_the_same_modals_as_the_commands(bolt, fake, action_id, callback_id):
    assert home_click(bolt, user=REP, action_id=action_id) == 200
    opened = fake.wait_for("views.open")[0]
    assert [m for m in fake.methods() if m != "auth.test"][0] == "views.open"  # first, while the trigger_id lives
    assert opened.params["trigger_id"] == payload("block_actions_home")["trigger_id"]
    assert (opened.params["view"]["type"], opened.params["view"]["callback_id"]) == ("modal", callback_id)


# -- managers and admins -------------------------------------------------------------------------

def _team_week(db, boss: str, rep: str) -> None:
    """The rep (reporting to `boss`) logs two visits this week, each a new lead."""
    with transaction(db) as s:
        set_manager(session=s, user_id=rep, manager_id=boss)
        for n, name in enumerate(("星河科技", "蓝海物流")):
            log_interaction(session=s, author_id=rep, customer_id=None, new_customer_name=name, way="visit",
                            occurred_on=NOW.date(), summary="拜访", feedback="", participants="", action_title="发送报价",
                            due_at=sh(2031, 3, 5, 9, 0) + timedelta(days=n), action_owner_id=rep, now=NOW - timedelta(hours=1))


@pytest.mark.parametrize("role, head, everyone", [("manager", "*团队本周数据*", False), ("admin", "*全员本周数据*", True)])
def test_managers_and_admins_see_this_weeks_figures(bolt, fake, db, clock, role, head, everyone):
    _team_week(db, BOSS, REP)
    customer(db, "别组客户", REP_EN)  # not the manager's team: counted for admins only
    with transaction(db) as s:
        set_role(session=s, user_id=BOSS, role=role)
    open_home(bolt, BOSS)
    blocks = published(fake)["view"]["blocks"]
    at = texts(blocks).index(head)
    with transaction(db) as s:
        f = figures(session=s, period=Period.week(date(2031, 3, 4), "Asia/Shanghai"),
                    scope=Scope.everyone() if everyone else Scope.team(BOSS), now=NOW, targets=bolt.defaults.targets,
                    calendar=bolt.defaults.calendar)
    assert (f.period.start, f.period.end) == (sh(2031, 3, 3, 0, 0), sh(2031, 3, 10, 0, 0))  # Monday to Monday, Shanghai
    assert (f.interactions.value, f.new_leads.value) == (2, 3 if everyone else 2)
    assert blocks[at - 1] == {"type": "divider"}
    assert blocks[at + 1:] == headline_blocks(f, "zh-CN", targets=bolt.defaults.targets)
    # the boss has nothing of their own: the friendly line, then the team
    assert texts(blocks)[3] == "👋 这里会列出你的待办行动、客户和工单。现在还是空的——先新建一个客户，或记录一次客户互动吧。"


def test_a_rep_sees_no_team_figures(bolt, fake, db, clock):
    _team_week(db, BOSS, REP)
    open_home(bolt, REP)
    assert not {"*团队本周数据*", "*全员本周数据*"} & set(texts(published(fake)["view"]["blocks"]))


# -- however much there is ---------------------------------------------------------------------

def _lots(db, owner: str) -> None:
    """200 customers (40 per stage; 30 red among the converted and mature), 300 pending actions
    (100 overdue, 100 later today, 100 in the next days) and 100 open tickets, all the owner's."""
    stages = ("lead", "nurturing", "converted", "mature", "churned")
    customers, red = [], 0
    for i in range(200):
        stage = stages[i % 5]
        band, score = ("green", 90)
        if stage in ("converted", "mature") and red < 30:
            band, score, red = "red", 10 + red, red + 1
        customers.append(dict(code=f"C2031039{i:04d}", name=f"客户{i:03d}", name_norm=f"客户{i:03d}", company="", industry="", region="",
                              source="", stage=stage, status="to_nurture", owner_id=owner, created_by=owner, created_at=NOW,
                              updated_at=NOW, health_band=band, health_score=score, search_norm=""))
    day_end = sh(2031, 3, 5, 0, 0)
    dues = ([NOW - timedelta(minutes=n + 1) for n in range(100)] + [NOW + timedelta(minutes=n + 1) for n in range(100)]
            + [day_end + timedelta(hours=n) for n in range(100)])
    with transaction(db) as s:
        s.execute(insert(Customer), customers)
        ids_ = [c.id for c in s.exec(select(Customer).where(Customer.owner_id == owner).order_by(Customer.id))]
        s.execute(insert(NextAction), [dict(customer_id=ids_[n % 200], title=f"行动{n}", due_at=due, owner_id=owner, created_by=owner,
                                            status="open", created_at=NOW, updated_at=NOW) for n, due in enumerate(dues)])
        s.execute(insert(Ticket), [dict(code=f"T2031039{n:04d}", customer_id=ids_[n], priority="P3", type="complaint", description="坏了",
                                        status="pending", assignee_id=owner, created_by=owner, created_at=NOW - timedelta(hours=1),
                                        updated_at=NOW, pending_since=NOW - timedelta(minutes=30), sla_business=True,
                                        response_minutes=120, resolution_minutes=1440) for n in range(100)])


def _window(shown: list[str], title: str) -> list[str]:
    """The lines of the actions listed under a window's title (each action's first line)."""
    at = next(n for n, b in enumerate(shown) if b.startswith(title))
    out = []
    for b in shown[at + 1:]:
        if b.startswith("⋯ "):
            continue
        if not b.startswith("行动") and not b.startswith("Action"):
            break
        out.append(b.split(" · ")[0])
    return out


def test_300_actions_200_customers_100_tickets_stay_within_100_blocks(bolt, fake, db, clock):
    _lots(db, REP)
    with transaction(db) as s:
        set_role(session=s, user_id=REP, role="manager")  # the most a tab holds: a manager's, with the team's figures
    open_home(bolt, REP)
    view = published(fake)["view"]
    blocks = view["blocks"]
    shown = texts(blocks)
    team = len(blocks) - 1 - next(n for n, b in enumerate(blocks) if b.get("text", {}).get("text") == "*团队本周数据*")
    # 3 on top, divider, 1 + 3 x (title + 15 actions + Previous/Next), divider, 2 customers, divider, 1 + 15 + more
    # tickets, the card picker, divider + 1 + the team's figures (up to 5)
    assert len(blocks) == 3 + 1 + 52 + 1 + 2 + 1 + 17 + 1 + 2 + team <= 100 and 0 < team <= 5
    assert [b for b in shown if b.startswith("*🔴") or b.startswith("*🟡") or b.startswith("*🗓")] == [
        "*🔴 已逾期（100）* · 第 1–15 条", "*🟡 今天（100）* · 第 1–15 条", "*🗓 未来 7 天（100）* · 第 1–15 条"]
    assert _window(shown, "*🔴") == [f"行动{n}" for n in range(99, 84, -1)]  # the most overdue first: due 100 minutes ago
    assert _window(shown, "*🟡") == [f"行动{n}" for n in range(100, 115)]
    assert shown.count("[下一页 ▶|home_page_next|overdue:1]") == 1 and "[下一页 ▶|home_page_next|upcoming:1]" in shown
    assert not any("上一页" in b for b in shown) and json.loads(view["private_metadata"]) == {"pages": {}}
    assert "*我的客户：共 200 个*" + STAGES_ZH.format(40, 40, 40, 40, 40) in shown
    attention = next(b for b in shown if b.startswith("*需要关注"))
    assert attention.splitlines()[0] == "*需要关注（30）*" and attention.splitlines()[-1] == "……还有 15 条"
    assert attention.splitlines()[1] == "• 🔴 危险 *客户002*（C20310390002） · 健康分 10" and len(attention.splitlines()) == 17
    assert "*你负责的未结工单：100 张*" in shown and "……还有 85 张未列出。" in shown


def test_next_and_previous_redraw_the_tab_at_that_windows_page_keeping_the_others(bolt, fake, db, clock):
    _lots(db, REP)
    open_home(bolt, REP)
    first = published(fake)["view"]
    assert home_click(bolt, user=REP, action_id=ids.HOME_NEXT, value="overdue:1", block_id="home_page.overdue",
                      metadata=first["private_metadata"]) == 200
    second = published(fake, 2)["view"]
    shown = texts(second["blocks"])
    assert "*🔴 已逾期（100）* · 第 16–30 条" in shown and _window(shown, "*🔴") == [f"行动{n}" for n in range(84, 69, -1)]
    assert "[◀ 上一页|home_page_prev|overdue:0] [下一页 ▶|home_page_next|overdue:2]" in shown
    assert json.loads(second["private_metadata"]) == {"pages": {"overdue": 1}}
    # the next window turns too, the first stays where it was
    home_click(bolt, user=REP, action_id=ids.HOME_NEXT, value="today:1", metadata=second["private_metadata"])
    third = published(fake, 3)["view"]
    shown = texts(third["blocks"])
    assert "*🔴 已逾期（100）* · 第 16–30 条" in shown and "*🟡 今天（100）* · 第 16–30 条" in shown
    assert json.loads(third["private_metadata"]) == {"pages": {"overdue": 1, "today": 1}}
    # the last page: 91-100 and only Previous; a page past the end (stale, or made up) shows the last
    home_click(bolt, user=REP, action_id=ids.HOME_NEXT, value="overdue:6", metadata=third["private_metadata"])
    shown = texts(published(fake, 4)["view"]["blocks"])
    assert "*🔴 已逾期（100）* · 第 91–100 条" in shown and "[◀ 上一页|home_page_prev|overdue:5]" in shown
    home_click(bolt, user=REP, action_id=ids.HOME_NEXT, value="overdue:999999", metadata=third["private_metadata"])
    assert "*🔴 已逾期（100）* · 第 91–100 条" in texts(published(fake, 5)["view"]["blocks"])
    # back to the start
    home_click(bolt, user=REP, action_id=ids.HOME_PREV, value="overdue:0", metadata=third["private_metadata"])
    last = published(fake, 6)["view"]
    assert "*🔴 已逾期（100）* · 第 1–15 条" in texts(last["blocks"])
    assert json.loads(last["private_metadata"]) == {"pages": {"today": 1}}


@pytest.mark.parametrize("value, metadata", [("overdue:-1", ""), ("nowhere:2", ""), ("overdue:x", "not json"),
                                             ("overdue:1", '{"pages": {"overdue": "1", "today": true, "x": 3}}'),
                                             ("", '{"pages": [1]}')])
def test_a_made_up_page_or_metadata_draws_the_first_page(bolt, fake, db, clock, value, metadata):
    _lots(db, REP)
    assert home_click(bolt, user=REP, action_id=ids.HOME_NEXT, value=value, metadata=metadata) == 200
    view = published(fake)["view"]
    first = value == "overdue:1"
    assert ("*🔴 已逾期（100）* · 第 16–30 条" if first else "*🔴 已逾期（100）* · 第 1–15 条") in texts(view["blocks"])
    assert "*🟡 今天（100）* · 第 1–15 条" in texts(view["blocks"])


def test_an_english_tab_pages_in_english(bolt, fake, db, clock, remember):
    remember(REP_EN, "America/New_York", "en-US")
    _lots(db, REP_EN)
    home_click(bolt, user=REP_EN, action_id=ids.HOME_NEXT, value="upcoming:1", metadata=json.dumps({"pages": {"overdue": 6}}))
    shown = texts(published(fake)["view"]["blocks"])
    assert "*🔴 Overdue (100)* · 91–100" in shown and "[◀ Previous|home_page_prev|overdue:5]" in shown
    assert "[◀ Previous|home_page_prev|upcoming:0] [Next ▶|home_page_next|upcoming:2]" in shown
    first = _action_id(db, "行动9")  # the 91st most overdue (due 10 minutes ago) opens the last page
    assert next(b for b in shown if b.startswith("⋯ ")) == (
        f"⋯ [Done|done:{first}] [Snooze 1 hour|snooze:{first}] [Tomorrow 9:00|tomorrow:{first}] [Reschedule…|reschedule:{first}]")


def _action_id(db, title: str) -> int:
    with transaction(db) as s:
        return s.exec(select(NextAction).where(NextAction.title == title)).one().id


@pytest.mark.parametrize("value", ["done:abc", "done:", "explode:1", "snooze:-1", "tomorrow:1e9", "done:99999999", ":",
                                   "reschedule:<script>", "done:１"])
def test_a_made_up_menu_choice_changes_nothing_and_breaks_nothing(bolt, fake, db, clock, value):
    star = customer(db, "星河科技")
    late = action(db, star, "发送报价", sh(2031, 3, 3, 9, 0))
    body = payload("block_actions_home")
    body["actions"] = [{"action_id": ids.HOME_ACTION_MENU, "block_id": "home_action.1", "type": "overflow",
                        "selected_option": {"text": {"type": "plain_text", "text": "x"}, "value": value}}]
    status, answer, _ = bolt.interact(body)
    assert (status, answer) == (200, b"")
    bolt.executor.shutdown(wait=True)
    with transaction(db) as s:
        still = s.get(NextAction, late.id)
        assert (still.status, still.due_at) == ("open", sh(2031, 3, 3, 9, 0))
    # nothing said, or (for an action that does not exist) the tab drawn again as it is
    assert not fake.calls_to("views.open") and not fake.calls_to("chat.postMessage")
    for call in fake.calls_to("views.publish"):
        assert buttons(late.id) in texts(call.params["view"]["blocks"])


def test_done_from_a_later_page_keeps_the_page(bolt, fake, db, clock):
    _lots(db, REP)
    with transaction(db) as s:
        target = s.exec(select(NextAction).where(NextAction.title == "行动84")).one().id  # the first of page 2
    assert menu_click(bolt, user=REP, choice="done", action_id=target, metadata=json.dumps({"pages": {"overdue": 1}})) == 200
    shown = texts(published(fake)["view"]["blocks"])
    assert "*🔴 已逾期（99）* · 第 16–30 条" in shown
    assert _window(shown, "*🔴") == [f"行动{n}" for n in range(83, 68, -1)]


@pytest.mark.parametrize("locale, tz, due, shown", [
    ("zh-CN", "Asia/Shanghai", datetime(2031, 3, 5, 9, 0, tzinfo=SH), "截止 2031年3月5日周三 09:00"),
    ("en-US", "America/New_York", datetime(2031, 3, 4, 9, 0, tzinfo=NY), "Due Tue, Mar 4, 2031, 9:00\u202fAM"),
])
def test_tomorrow_from_home_moves_the_action_to_nine_the_next_morning_in_the_users_zone(bolt, fake, db, clock, remember,
                                                                                        locale, tz, due, shown):
    user = REP if locale == "zh-CN" else REP_EN
    remember(user, tz, locale)
    star = customer(db, "星河科技", user)
    late = action(db, star, "发送报价", NOW - timedelta(hours=2), user)
    assert menu_click(bolt, user=user, choice="tomorrow", action_id=late.id) == 200
    blocks = texts(published(fake)["view"]["blocks"])
    with transaction(db) as s:
        moved = s.get(NextAction, late.id)
    assert (moved.status, moved.due_at) == ("snoozed", due)
    line = next(b for b in blocks if b.startswith("发送报价 · "))
    assert line.splitlines()[1] == shown and buttons(late.id, zh=locale == "zh-CN") in blocks


def test_reschedule_from_home_opens_the_modal_and_its_answer_redraws_the_tab(bolt, fake, db, clock):
    star = customer(db, "星河科技")
    late = action(db, star, "发送报价", NOW - timedelta(hours=2))
    assert menu_click(bolt, user=REP, choice="reschedule", action_id=late.id, metadata=json.dumps({"pages": {"today": 2}})) == 200
    opened = fake.wait_for("views.open")[0].params["view"]
    assert (opened["callback_id"], opened["title"]["text"]) == (ids.RESCHEDULE_VIEW, "改期")
    assert json.loads(opened["private_metadata"])["home"] == json.dumps({"pages": {"today": 2}})
    body = payload("view_submission")
    body["user"]["id"] = REP
    body["view"].update(callback_id=ids.RESCHEDULE_VIEW, private_metadata=opened["private_metadata"],
                        state={"values": {ids.RESCHEDULE_BLOCK: {ids.RESCHEDULE_WHEN: {"type": "plain_text_input",
                                                                                        "value": "明天下午3点"}}}})
    status, answer, _ = bolt.interact(body)
    assert status == 200 and answer in (b"", b"{}")
    with transaction(db) as s:
        assert s.get(NextAction, late.id).due_at == datetime(2031, 3, 5, 15, 0, tzinfo=SH)
    shown = texts(published(fake)["view"]["blocks"])
    assert "发送报价 · *星河科技*（C203103001）\n截止 2031年3月5日周三 15:00" in shown
    assert fake.calls_to("chat.update") == []  # no message to redraw: the tab


def test_reschedule_from_home_with_words_of_two_readings_asks_which_and_saves_the_one_picked(bolt, fake, db, clock):
    # Tue 10:00 in Shanghai: "8点" is tomorrow 08:00 by the rule, or tonight 20:00.
    late = action(db, customer(db, "星河科技"), "发送报价", NOW - timedelta(hours=2))
    assert menu_click(bolt, user=REP, choice="reschedule", action_id=late.id) == 200
    opened = fake.wait_for("views.open")[0].params["view"]
    body = payload("view_submission")
    body["user"]["id"] = REP
    values = {ids.RESCHEDULE_BLOCK: {ids.RESCHEDULE_WHEN: {"type": "plain_text_input", "value": "8点"}}}
    body["view"].update(callback_id=ids.RESCHEDULE_VIEW, private_metadata=opened["private_metadata"], state={"values": values})
    status, answer, _ = bolt.interact(body)
    view = json.loads(answer)["view"]
    pick = next(b for b in view["blocks"] if b.get("block_id", "").startswith(ids.RESCHEDULE_PICK_BLOCK + "."))
    assert pick["label"]["text"] == "“8点”有两种理解：选一个，再点保存。"
    assert [o["text"]["text"] for o in pick["element"]["options"]] == ["2031年3月5日周三 08:00", "2031年3月4日周二 20:00"]
    with transaction(db) as s:
        assert s.get(NextAction, late.id).due_at == NOW - timedelta(hours=2)
    tonight = pick["element"]["options"][1]
    values[pick["block_id"]] = {ids.RESCHEDULE_PICK: {"type": "radio_buttons", "selected_option": tonight}}
    status, answer, _ = bolt.interact(body)
    assert status == 200 and answer in (b"", b"{}")
    with transaction(db) as s:
        assert s.get(NextAction, late.id).due_at == datetime(2031, 3, 4, 20, 0, tzinfo=SH)
    assert "发送报价 · *星河科技*（C203103001）\n截止 2031年3月4日周二 20:00" in texts(published(fake)["view"]["blocks"])


# -- the store's windows -------------------------------------------------------------------------

def test_windows_are_half_open_and_only_pending_actions_of_the_owner_count(db):
    star = customer(db, "星河科技")
    day_end, horizon = sh(2031, 3, 5, 0, 0), sh(2031, 3, 12, 0, 0)
    just_late = action(db, star, "a", NOW - timedelta(microseconds=1))
    at_now = action(db, star, "b", NOW)
    snoozed = action(db, star, "c", day_end - timedelta(microseconds=1), status="snoozed")
    at_day_end = action(db, star, "d", day_end)
    action(db, star, "e", horizon)                     # the horizon itself is outside
    action(db, star, "f", NOW - timedelta(days=1), status="done")
    action(db, star, "g", NOW - timedelta(days=1), status="cancelled")
    action(db, star, "h", NOW - timedelta(days=1), BOSS)
    with transaction(db) as s:
        found = pending_actions(session=s, owner_id=REP, now=NOW, day_end=day_end, horizon=horizon, limit=1)
        got = {w: (a.total, [x.id for x, _ in a.first]) for w, a in found.items()}
        assert got == {"overdue": (1, [just_late.id]), "today": (2, [at_now.id]), "upcoming": (1, [at_day_end.id])}
        assert snoozed.id not in got["today"][1]  # the second of today's, beyond the limit of 1
        assert pending_actions(session=s, owner_id=BOSS, now=NOW, day_end=day_end, horizon=horizon, limit=5)["overdue"].total == 1
        with pytest.raises(ValueError):
            pending_actions(session=s, owner_id=REP, now=NOW, day_end=NOW - timedelta(hours=1), horizon=horizon, limit=5)


def test_customer_counts_group_by_stage_and_band(db):
    customer(db, "甲", stage="lead")
    customer(db, "乙", stage="lead")
    customer(db, "丙", stage="converted", band="yellow", score=50)
    customer(db, "丁", stage="mature", band="red", score=20)
    customer(db, "戊", stage="mature", band="green", score=80)
    customer(db, "己", stage="churned", band="red", score=5)   # not active: a churned customer is not "needing attention"
    customer(db, "庚", BOSS, stage="mature", band="red", score=1)
    with transaction(db) as s:
        counts = customer_counts(session=s, owner_id=REP)
    assert (counts.by_stage, counts.attention, counts.total) == ({"lead": 2, "converted": 1, "mature": 2, "churned": 1}, 2, 6)
