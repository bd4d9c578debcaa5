"""Property-based: generated text, numbers, emoji and markup at every `/crm` subcommand and at the
text fields of every modal the card and the commands open, through the real Bolt app. Never a 5xx,
never an error that only the app's last-resort handler caught, every payload sent (and every view
answered in an ack) within Block Kit's limits, and nothing written by a request that was refused.

One server per backend for the whole module (hypothesis runs many examples inside one test, so
the server cannot be a per-test fixture); a listener's work after its ack() is awaited through
the counting executor before anything is checked."""
from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from bot import listeners
from handlers import ids
from tests.blockkit import check_view
from tests.bolt_server import BoltServer
from tests.conftest import BACKENDS, BOSS, REP, REP_EN, Database, add_people, remember_user
from tests.fake_slack import FakeSlack
from tests.flows import button, view_submission
from tests.payload_probe import CountingExecutor, ErrorLog, registered, rows
from tests.record_flows import customer
from store.db import transaction
from store.models import Customer

SALES = "C0SALES001"
EXAMPLES = {"sqlite": 12, "postgresql": 4}  # per subcommand and per modal
MARKUP = ["<!channel>", "<!here>", "<@U0BOSS0003>", "<#C0SALES001>", "<https://evil.example|click>", "*bold*", "_i_", "~s~",
          "`code`", "```", "&lt;b&gt;", "&amp;", "⑤", "٣", "５", "²", "\x00", "\u202e", "\u200f", "\u2066", "\ufeff", "😀👍🏽🇨🇳",
          "1e309", "1e30", "-1", "0", "10", "NaN", "9" * 40, "9999-12-31", "0001-01-01", "2026-W99", "c:999999999999999999999",
          "x" * 3001, "星" * 300, "\n\n", "   ", "@wang", "#sales", "明天 15:00", "tomorrow 3pm"]
CHARACTER = st.characters(blacklist_categories=("Cs",))  # Slack sends UTF-8: no lone surrogates
WORD = st.one_of(st.sampled_from(MARKUP), st.text(CHARACTER, max_size=30), st.integers(-10**20, 10**20).map(str),
                 st.floats(allow_nan=True, allow_infinity=True).map(str), CHARACTER)
TEXT = st.one_of(WORD, st.lists(WORD, max_size=6).map(" ".join))  # one piece alone, or several
# Where a number goes: digits isdigit() accepts and int() does not (⑤ ² ¹⁰), others' digits, numbers out of range.
DIGITISH = ["⑤", "²", "¹⁰", "٣", "５", "Ⅴ", "1e309", "-1", "11", "3.5", "0x1", "9" * 30]
NUMBER = st.one_of(st.sampled_from(DIGITISH), st.sampled_from(DIGITISH), st.integers(-100, 100).map(str))
SUBCOMMANDS = [name for s in listeners.subcommands() for name in (s.name, *s.aliases)]


@dataclass
class World:
    backend: str
    db: object
    fake: FakeSlack
    bolt: BoltServer
    executor: CountingExecutor
    customer_id: int
    signed_id: int
    views: dict[str, dict]


def _open_modals(world: World) -> None:
    """Every modal a card button or a command opens, as views.open received it (metadata included)."""
    cards = [a for a in registered()["action"] if a.startswith("card_") and a != ids.CARD_PICKER]
    for customer_id in (world.signed_id, world.customer_id):  # a lead has no churn button's modal: the signed one does
        for action_id in cards:
            body = button(user=REP, action_id=action_id, value=str(customer_id), channel=SALES, ts="1700000000.000100")
            body.update(trigger_id=f"trigger.{time.time_ns()}", response_url=world.fake.response_url("card"))
            world.bolt.interact(body)
    for text in ("new 新客户", "log", "ticket", "nps", "stage"):
        world.bolt.command(text, user=REP)
    world.executor.wait_idle()
    for call in world.fake.calls_to("views.open"):
        view = call.params["view"]
        world.views[view["callback_id"]] = json.loads(view) if isinstance(view, str) else view


@pytest.fixture(scope="module", params=BACKENDS)
def world(request):
    database = Database(request.param, None)
    database.create_all()
    fake = add_people(FakeSlack().start())
    executor = CountingExecutor()
    bolt = BoltServer(db=database.factory, fake=fake, executor=executor)
    for user, tz, locale in ((REP, "Asia/Shanghai", "zh-CN"), (REP_EN, "America/New_York", "en-US"), (BOSS, "Asia/Shanghai", "zh-CN")):
        remember_user(database.factory, user, tz, locale)
    galaxy = customer(database.factory, "星河科技", owner=REP)
    signed = customer(database.factory, "月光贸易", owner=REP, stage="converted", status="signed")
    made = World(request.param, database.factory, fake, bolt, executor, galaxy.id, signed.id, {})
    _open_modals(made)
    yield made
    bolt.stop()
    fake.stop()
    database.close()


def _quietly(world: World, send) -> tuple[int, bytes]:
    """Send one request and wait for its listener; the answer, with nothing else gone wrong."""
    world.fake.reset()
    with ErrorLog() as errors:
        status, answer, _ = send()
        world.executor.wait_idle()
    assert status == 200, (status, answer)
    assert errors.lines == []
    assert world.fake.violations == []
    return status, answer


def _settings(world: World):
    return settings(max_examples=EXAMPLES[world.backend], deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.mark.parametrize("sub", SUBCOMMANDS)
def test_any_text_after_any_subcommand_is_answered_and_writes_nothing(world, sub):
    @_settings(world)
    @given(text=TEXT, user=st.sampled_from([REP, REP_EN]))
    def check(text, user):
        before = rows(world.db)
        _quietly(world, lambda: world.bolt.command(f"{sub} {text}", user=user))
        assert rows(world.db) == before

    check()


@pytest.mark.parametrize("sub", ["nps", "stage", "need", "churn", "winback", "risk"])
def test_any_text_after_a_customers_code_is_saved_whole_or_refused(world, sub):
    """With a real customer named first, a write may happen: then the one reply says what was saved
    for that customer; any other answer (a refusal, the usage) comes with nothing written."""
    with transaction(world.db) as s:
        code, name = s.get(Customer, world.signed_id).code, s.get(Customer, world.signed_id).name

    @_settings(world)
    @given(number=NUMBER, text=TEXT, user=st.sampled_from([REP, REP_EN]))
    def check(number, text, user):
        before = rows(world.db)
        _quietly(world, lambda: world.bolt.command(f"{sub} {code} {number} {text}", user=user))
        replies = [c.params.get("text", "") for c in world.fake.calls_to("response_url:cmd")]
        if rows(world.db) != before:
            assert len(replies) == 1 and (code in replies[0] or name in replies[0]), replies

    check()


# -- the modals -------------------------------------------------------------------------------------

def _element_state(element: dict, text: str, customer_id: int) -> dict:
    """What Slack would send for `element`: the generated text in a text input, the first (or the
    initial) choice anywhere else, as a person who filled every field in would."""
    kind = element["type"]
    options = element.get("options") or [o for g in element.get("option_groups", []) for o in g["options"]]
    soon = int((datetime.now(timezone.utc) + timedelta(days=3)).timestamp())
    if kind == "plain_text_input":
        return {"type": kind, "value": text or None}
    if kind == "external_select":
        return {"type": kind, "selected_option": element.get("initial_option") or {"value": f"{ids.CUSTOMER_EXISTING}{customer_id}"}}
    if kind in ("static_select", "radio_buttons"):
        return {"type": kind, "selected_option": element.get("initial_option") or (options[0] if options else None)}
    if kind in ("multi_static_select", "checkboxes"):
        return {"type": kind, "selected_options": element.get("initial_options") or options[:1]}
    if kind == "users_select":
        return {"type": kind, "selected_user": element.get("initial_user") or REP}
    if kind == "datepicker":
        return {"type": kind, "selected_date": element.get("initial_date") or "2031-03-04"}
    if kind == "datetimepicker":
        return {"type": kind, "selected_date_time": element.get("initial_date_time") or soon}
    return {"type": kind}


def _submission(view: dict, texts: list[str], customer_id: int, user: str) -> dict:
    inputs = [b for b in view["blocks"] if b["type"] == "input"]
    values = {b["block_id"]: {b["element"]["action_id"]: _element_state(b["element"], texts[n % len(texts)], customer_id)}
              for n, b in enumerate(inputs)}
    body = view_submission(user=user, callback_id=view["callback_id"], values=values)
    body["view"].update(blocks=view["blocks"], private_metadata=view.get("private_metadata", ""))
    return body


MODALS = [ids.LOG_VIEW, ids.CUSTOMER_NEW_VIEW, ids.CUSTOMER_EDIT_VIEW, ids.TICKET_VIEW, ids.NPS_VIEW, ids.STAGE_VIEW,
          ids.GRADE_VIEW, ids.NEED_VIEW, ids.DEAL_VIEW, ids.CONTACT_VIEW, ids.CHURN_VIEW]


def test_the_modals_under_test_were_opened(world):
    assert set(MODALS) <= set(world.views), sorted(world.views)


@pytest.mark.parametrize("callback_id", MODALS)
def test_any_text_in_a_modals_fields_is_saved_or_refused_whole(world, callback_id):
    view = world.views[callback_id]

    @_settings(world)
    @given(texts=st.lists(TEXT, min_size=1, max_size=4), user=st.sampled_from([REP, REP_EN]))
    def check(texts, user):
        before = rows(world.db)
        _, answer = _quietly(world, lambda: world.bolt.interact(_submission(view, texts, world.customer_id, user)))
        ack = json.loads(answer) if answer else {}
        if ack.get("response_action") == "errors":
            assert ack["errors"] and all(isinstance(v, str) and v for v in ack["errors"].values())
            assert rows(world.db) == before  # a refusal wrote nothing
        elif ack.get("response_action") in ("update", "push"):
            assert check_view(ack["view"]) == []

    check()
