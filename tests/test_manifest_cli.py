"""`python -m bot manifest --http https://HOST` / `--socket` as a process: a complete manifest for
either mode from manifest.yml, each passing Slack's official schema."""
from __future__ import annotations

import json

import jsonschema
import pytest
import yaml

from tests.test_cli import run
from tests.test_manifest import SCHEMAS, manifest

EVENTS = "https://crm.example.com/slack/events"


def printed(args: list[str], tmp_path) -> dict:
    done = run(["manifest", *args], env={}, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("# The Slack app's manifest")
    return yaml.safe_load(done.stdout)


def schema_errors(doc: dict) -> list[str]:
    schema_file = SCHEMAS / "manifest.schema.1.0.0.json"
    if not schema_file.exists():
        pytest.skip(f"no {schema_file}: this clone has no ../shared/slack-manifest-schema beside it")
    validator = jsonschema.Draft7Validator(json.loads(schema_file.read_text()))
    return [f"{'/'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(doc)]


def test_http_manifest_sends_every_request_to_slack_events(tmp_path):
    doc = printed(["--http", "https://crm.example.com/"], tmp_path)
    settings = doc["settings"]
    assert settings["socket_mode_enabled"] is False
    assert [c["url"] for c in doc["features"]["slash_commands"]] == [EVENTS] * len(manifest()["features"]["slash_commands"])
    assert settings["interactivity"] == {"is_enabled": True, "request_url": EVENTS, "message_menu_options_url": EVENTS}
    assert settings["event_subscriptions"]["request_url"] == EVENTS
    assert settings["event_subscriptions"]["bot_events"] == manifest()["settings"]["event_subscriptions"]["bot_events"]
    assert schema_errors(doc) == []


def test_socket_manifest_is_manifest_yml(tmp_path):
    doc = printed(["--socket"], tmp_path)
    assert doc == manifest()
    assert doc["settings"]["socket_mode_enabled"] is True
    assert "url" not in doc["features"]["slash_commands"][0]
    assert schema_errors(doc) == []


def test_both_modes_differ_only_where_slack_sends_requests(tmp_path):
    http, socket = printed(["--http", "https://crm.example.com/base"], tmp_path), printed(["--socket"], tmp_path)
    assert http["features"]["slash_commands"][0]["url"] == "https://crm.example.com/base/slack/events"
    for doc in (http, socket):
        for command in doc["features"]["slash_commands"]:
            command.pop("url", None)
        doc["settings"].pop("socket_mode_enabled")
        doc["settings"]["interactivity"] = {"is_enabled": True}
        doc["settings"]["event_subscriptions"].pop("request_url", None)
    assert http == socket


@pytest.mark.parametrize("bad", ["http://crm.example.com", "crm.example.com", "https://", "https://x.com/?a=1"])
def test_a_url_slack_cannot_use_is_refused_with_what_to_give(tmp_path, bad):
    done = run(["manifest", "--http", bad], env={}, cwd=tmp_path)
    assert done.returncode == 2
    assert "is not the bot's public HTTPS address; give it like https://crm.example.com" in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""


def test_one_mode_must_be_chosen(tmp_path):
    done = run(["manifest"], env={}, cwd=tmp_path)
    assert done.returncode == 2 and "one of the arguments --http --socket is required" in done.stderr
