"""manifest.yml is the contract: it passes Slack's official schema and names exactly the
commands the app registers, each of which the app answers."""
from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SCHEMAS = ROOT.parent / "shared" / "slack-manifest-schema" / "schemas"


def manifest() -> dict:
    return yaml.safe_load((ROOT / "manifest.yml").read_text(encoding="utf-8"))


def test_manifest_passes_slacks_official_schema():
    doc = manifest()
    major = (doc.get("_metadata") or {}).get("major_version", 1)
    schema_file = SCHEMAS / f"manifest.schema.{major}.0.0.json"
    if not schema_file.exists():
        pytest.skip(f"no {schema_file}: this clone has no ../shared/slack-manifest-schema beside it")
    validator = jsonschema.Draft7Validator(json.loads(schema_file.read_text()))
    errors = sorted(validator.iter_errors(doc), key=str)
    assert errors == [], [f"{'/'.join(map(str, e.path))}: {e.message}" for e in errors]


def test_the_schema_check_can_fail():
    """The same check refuses a manifest with a broken command, so a pass above means something."""
    schema_file = SCHEMAS / "manifest.schema.1.0.0.json"
    if not schema_file.exists():
        pytest.skip(f"no {schema_file}: this clone has no ../shared/slack-manifest-schema beside it")
    doc = manifest()
    doc["features"]["slash_commands"][0]["command"] = "crm-without-slash"
    assert list(jsonschema.Draft7Validator(json.loads(schema_file.read_text())).iter_errors(doc))


def test_manifest_commands_are_the_registered_ones_and_each_is_answered(bolt, fake):
    declared = sorted(c["command"] for c in manifest()["features"]["slash_commands"])
    assert declared == sorted(bolt.app.registered_commands)
    for command in declared:
        fields = {"command": command, "text": "help", "user_id": "U0REP00001", "channel_id": "C1", "team_id": "T000TEST",
                  "response_url": fake.response_url(command.strip("/")), "trigger_id": "t.1"}
        status, _, _ = bolt.signed(fields)
        assert status == 200, command
        fake.wait_for(f"response_url:{command.strip('/')}")


def test_manifest_asks_for_the_scopes_the_bot_uses():
    scopes = set(manifest()["oauth_config"]["scopes"]["bot"])
    assert {"commands", "chat:write", "users:read"} <= scopes
    assert manifest()["settings"]["interactivity"]["is_enabled"] is True
