"""Tests for the Block Kit limit checker (tests/blockkit.py), called directly."""

from __future__ import annotations

import pytest

from tests.blockkit import check_blocks, check_view
from tests.blockkit_builders import mrkdwn, modal, option, plain, rich_valid_blocks, section, select_input


def _btn(**kw):
    return {"type": "button", "text": plain("Go"), "action_id": "go", **kw}


def _confirm(**kw):
    return {"title": plain("Sure?"), "text": plain("Really delete?"), "confirm": plain("Yes"),
            "deny": plain("No"), **kw}


BAD_BLOCKS = [
    ("header mrkdwn", [{"type": "header", "text": mrkdwn("h")}], "must be 'plain_text'"),
    ("header 151", [{"type": "header", "text": plain("h" * 151)}], "151 chars exceeds max 150"),
    ("empty text", [{"type": "section", "text": mrkdwn("")}], "must be a non-empty string"),
    ("bad text type", [{"type": "section", "text": {"type": "markdown", "text": "x"}}], "'plain_text' or 'mrkdwn'"),
    ("unknown block", [{"type": "secton", "text": mrkdwn("x")}], "unknown block type 'secton'"),
    ("fields 11", [{"type": "section", "fields": [mrkdwn("f")] * 11}], "11 fields exceeds max 10"),
    ("field 2001", [{"type": "section", "fields": [mrkdwn("f" * 2001)]}], "2001 chars exceeds max 2000"),
    ("section empty", [{"type": "section"}], "section needs text or fields"),
    ("context 11", [{"type": "context", "elements": [mrkdwn("c")] * 11}], "11 elements exceeds max 10"),
    ("actions 26", [{"type": "actions", "elements": [_btn(action_id=f"a{i}") for i in range(26)]}],
     "26 elements exceeds max 25"),
    ("button text 76", [{"type": "actions", "elements": [_btn(text=plain("b" * 76))]}], "76 chars exceeds max 75"),
    ("button mrkdwn", [{"type": "actions", "elements": [_btn(text=mrkdwn("b"))]}], "must be 'plain_text'"),
    ("button value 2001", [{"type": "actions", "elements": [_btn(value="v" * 2001)]}], "2001 chars exceeds max 2000"),
    ("button url 3001", [{"type": "actions", "elements": [_btn(url="u" * 3001)]}], "3001 chars exceeds max 3000"),
    ("dup block_id", [section(block_id="x"), section(block_id="x")], "duplicate block_id 'x'"),
    ("dup action_id", [{"type": "actions", "elements": [_btn(), _btn()]}], "duplicate action_id 'go'"),
    ("block_id 256", [section(block_id="b" * 256)], "256 chars exceeds max 255"),
    ("action_id 256", [{"type": "actions", "elements": [_btn(action_id="a" * 256)]}], "256 chars exceeds max 255"),
    ("label 2001", [{"type": "input", "label": plain("l" * 2001), "element": {"type": "plain_text_input"}}],
     "2001 chars exceeds max 2000"),
    ("hint 2001", [{"type": "input", "label": plain("l"), "hint": plain("h" * 2001),
                    "element": {"type": "plain_text_input"}}], "2001 chars exceeds max 2000"),
    ("label mrkdwn", [{"type": "input", "label": mrkdwn("l"), "element": {"type": "plain_text_input"}}],
     "must be 'plain_text'"),
    ("button in input", [{"type": "input", "label": plain("l"), "element": _btn()}],
     "'button' is not allowed in an input block"),
    ("placeholder 151", [{"type": "input", "label": plain("l"),
                          "element": {"type": "plain_text_input", "placeholder": plain("p" * 151)}}],
     "151 chars exceeds max 150"),
    ("initial_value > max_length", [{"type": "input", "label": plain("l"),
                                     "element": {"type": "plain_text_input", "max_length": 5,
                                                 "initial_value": "123456"}}],
     "6 chars exceeds the element's max_length 5"),
    ("option value 151", [select_input([option("o", "v" * 151)])], "151 chars exceeds max 150"),
    ("option description 76", [select_input([{**option("o"), "description": plain("d" * 76)}])],
     "76 chars exceeds max 75"),
    ("select 101 options", [select_input([option("o")] * 101)], "101 options exceeds max 100"),
    ("option_groups 101", [{"type": "section", "text": mrkdwn("s"), "accessory": {
        "type": "static_select", "option_groups": [{"label": plain("g"), "options": [option("o")]}] * 101}}],
     "101 option groups exceeds max 100"),
    ("option mrkdwn in select", [select_input([{"text": mrkdwn("o"), "value": "v"}])], "must be 'plain_text'"),
    ("checkboxes 11", [{"type": "input", "label": plain("l"), "element": {
        "type": "checkboxes", "options": [{"text": mrkdwn("c"), "value": "v"}] * 11}}], "11 options exceeds max 10"),
    ("radio 11", [{"type": "input", "label": plain("l"), "element": {
        "type": "radio_buttons", "options": [option("r")] * 11}}], "11 options exceeds max 10"),
    ("overflow url 3001", [section(accessory={"type": "overflow", "options": [{**option("o"), "url": "u" * 3001}]})],
     "3001 chars exceeds max 3000"),
    ("url outside overflow", [select_input([{**option("o"), "url": "https://x"}])], "only allowed on overflow"),
    ("option group label 76", [section(accessory={"type": "static_select", "option_groups": [
        {"label": plain("g" * 76), "options": [option("o")]}]})], "76 chars exceeds max 75"),
    ("option group 101 options", [section(accessory={"type": "static_select", "option_groups": [
        {"label": plain("g"), "options": [option("o")] * 101}]})], "101 options exceeds max 100"),
    ("max_length 3001", [{"type": "input", "label": plain("l"),
                          "element": {"type": "plain_text_input", "max_length": 3001}}], "must be an integer 1..3000"),
    ("confirm title 101", [{"type": "actions", "elements": [_btn(confirm=_confirm(title=plain("t" * 101)))]}],
     "101 chars exceeds max 100"),
    ("confirm text 301", [{"type": "actions", "elements": [_btn(confirm=_confirm(text=plain("t" * 301)))]}],
     "301 chars exceeds max 300"),
    ("confirm confirm 31", [{"type": "actions", "elements": [_btn(confirm=_confirm(confirm=plain("c" * 31)))]}],
     "31 chars exceeds max 30"),
    ("confirm deny 31", [{"type": "actions", "elements": [_btn(confirm=_confirm(deny=plain("d" * 31)))]}],
     "31 chars exceeds max 30"),
]


@pytest.mark.parametrize("name,blocks,expected", BAD_BLOCKS, ids=[b[0] for b in BAD_BLOCKS])
def test_check_blocks_flags_each_limit(name, blocks, expected):
    problems = check_blocks(blocks, surface="modal")
    assert any(expected in p for p in problems), problems


def test_check_blocks_accepts_valid_payloads_and_surface_limits():
    assert check_blocks(rich_valid_blocks(50), surface="message") == []
    assert check_blocks(rich_valid_blocks(100), surface="home") == []
    assert check_blocks(rich_valid_blocks(51), surface="message") == ["blocks: 51 blocks exceeds max 50 for a message"]
    assert check_blocks([{"type": "input", "label": plain("l"), "element": {
        "type": "checkboxes", "options": [{"text": mrkdwn("*c*"), "value": "v"}] * 10}}], surface="modal") == []
    at_limits = [
        {"type": "actions", "elements": [_btn(confirm=_confirm(title=plain("t" * 100), text=plain("x" * 300),
                                                               confirm=plain("c" * 30), deny=plain("d" * 30)))]},
        section(accessory={"type": "overflow", "options": [{**option("o"), "url": "u" * 3000}]}),
        {"type": "input", "label": plain("l"), "element": {"type": "radio_buttons", "options": [option("r")] * 10}},
        {"type": "input", "label": plain("l"), "element": {"type": "plain_text_input", "max_length": 3000}},
        section(accessory={"type": "static_select", "option_groups": [
            {"label": plain("g" * 75), "options": [option("o")] * 100}] * 100}),
    ]
    assert check_blocks(at_limits, surface="modal") == []
    with pytest.raises(ValueError):
        check_blocks([], surface="dialog")


@pytest.mark.parametrize(
    "view,expected",
    [
        (modal([section()], submit=plain("s" * 25)), "view.submit.text: 25 chars exceeds max 24"),
        (modal([section()], close=plain("c" * 25)), "view.close.text: 25 chars exceeds max 24"),
        (modal([section()], title=mrkdwn("t")), "view.title.type: must be 'plain_text'"),
        ({"type": "modal", "blocks": [section()]}, "view.title: required text object is missing"),
        (modal([section()], private_metadata="m" * 3001), "view.private_metadata: 3001 chars exceeds max 3000"),
        (modal([section()], callback_id="c" * 256), "view.callback_id: 256 chars exceeds max 255"),
        (modal([section()], external_id="e" * 256), "view.external_id: 256 chars exceeds max 255"),
        ({"type": "dialog", "blocks": []}, "view.type: must be 'modal' or 'home'"),
        ({"type": "modal", "title": plain("t"), "blocks": [select_input([option("o")])]},
         "view.submit: is required when the modal has input blocks"),
        ({"type": "home", "blocks": [section()] * 101}, "view.blocks: 101 blocks exceeds max 100 for a home"),
    ],
)
def test_check_view_flags_each_limit(view, expected):
    problems = check_view(view)
    assert any(expected in p for p in problems), problems


def test_check_view_home_has_no_title_rules():
    assert check_view({"type": "home", "blocks": [section()], "title": plain("x" * 100)}) == []
