"""Every `/crm` subcommand (as `listeners.subcommands()` lists them, so a new one must be classified
here) typed by a rep of another team about another rep's customer: refused in their language
with who may, nothing written, the customer's name never shown; or, for what names no record,
the reason it needs no permission."""
from __future__ import annotations

import json

import pytest

from bot import listeners
from handlers import ids
from handlers.i18n import EN, ZH
from tests.permission_world import EDIT, NAME, READ, STRANGERS, refused, snapshot, teams, wait_told, world

# subcommand -> what is typed after it, and what the caller is told.
REFUSED = {
    "show": [(lambda w: w.code, READ)],
    "stage": [(lambda w: f"{w.code} 培育期", EDIT)],
    "need": [(lambda w: f"{w.code} 产线升级", EDIT)],
    "deals": [(lambda w: w.code, READ)],
    "nps": [(lambda w: f"{w.code} 0 太慢", EDIT), (lambda w: w.code, EDIT)],
    "churn": [(lambda w: w.code, EDIT)],
    "winback": [(lambda w: w.churned_code, READ)],
    "pay": [(lambda w: w.code, READ)],
    "tier": [(lambda w: f"{w.code} high", EDIT)],
    "report": [(lambda w: f"needs {w.code}", READ)],
}
# The forms a customer may be named in: the name is dropped (as if unknown) for someone who may not read it.
FORMS = {"log": lambda w: f"{w.code} 拜访", "ticket": lambda w: f"{w.code} 打印机坏了"}
# subcommand -> why it needs no permission on a record (and where what it does check is tested).
NOT_A_RECORD = {
    "new": "a blank form for a new customer; handing it to someone else is checked on save",
    "find": "searches only what the caller may read (checked below)",
    "mine": "the caller's own customers",
    "tickets": "the tickets assigned to the caller",
    "risk": "at-risk lists of the caller, their reports or their team by role (tests/test_risk.py)",
    "stats": "figures of the caller, or of those they manage (tests/test_stats.py)",
    "digest": "channel digests, for managers and admins (tests/test_digests.py)",
    "admin": "admins only (tests/test_people.py)",
    "quiet": "the caller's own quiet hours",
}


def test_every_subcommand_is_classified():
    names = [s.name for s in listeners.subcommands()]
    assert len(names) == len(set(names))
    assert sorted(set(names) ^ (set(REFUSED) | set(FORMS) | set(NOT_A_RECORD))) == []


@pytest.mark.parametrize("lang", [ZH, EN])
def test_a_rep_of_another_team_is_refused_each_subcommand_and_nothing_changes(bolt, fake, db, remember, lang):
    teams(db, fake, remember)
    w, user = world(db), STRANGERS[lang]
    problems = [problem for name, replays in REFUSED.items() for n, (words, expect) in enumerate(replays)
                for problem in refused(db, fake, f"{name}#{n}", lambda: bolt.command(f"{name} {words(w)}", user=user),
                                       expect[lang], user)]
    assert problems == []


@pytest.mark.parametrize("lang", [ZH, EN])
def test_a_customer_named_in_a_form_or_a_search_is_not_shown_to_whoever_may_not_read_it(bolt, fake, db, remember, lang):
    teams(db, fake, remember)
    w, user = world(db), STRANGERS[lang]
    before = snapshot(db)
    for name, words in FORMS.items():
        fake.reset()
        bolt.command(f"{name} {words(w)}", user=user)
        view = fake.wait_for("views.open")[0].params["view"]
        picker = next(b["element"] for b in view["blocks"] if b.get("block_id") in (ids.LOG_CUSTOMER_BLOCK, ids.TICKET_CUSTOMER_BLOCK))
        assert NAME not in json.dumps(view, ensure_ascii=False) and "initial_option" not in picker
    fake.reset()
    status, answer, _ = bolt.command("find 星河", user=user)
    said = wait_told(fake, answer, user)
    assert status == 200 and len(said) == 1 and NAME not in json.dumps([c.params for c in fake.calls], ensure_ascii=False)
    assert snapshot(db) == before
