"""A body Bolt cannot parse is refused before Bolt sees it: Bolt would raise while building its
request (not JSON, a JSON list, not UTF-8) or while reading the envelope (a `user` that is text,
`actions` that are not a list...), and the server would answer 500. Such a body is no Slack
payload, so it gets a 400 and a warning; nothing in it is used. (What is inside a well-formed
envelope, a view's metadata and values, is handlers/payload.py's to read: 200 and a warning.)"""
from __future__ import annotations

import io
import logging

from slack_bolt.request.internals import parse_body

from store.text import whole_number

log = logging.getLogger(__name__)


def unreadable(environ: dict) -> str | None:
    """Why Bolt could not read this request's body, or None. The body is put back for Bolt."""
    raw = environ["wsgi.input"].read(whole_number(environ.get("CONTENT_LENGTH") or "") or 0)
    environ["wsgi.input"] = io.BytesIO(raw)
    try:
        body = parse_body(raw.decode("utf-8"), environ.get("CONTENT_TYPE"))
    except UnicodeDecodeError:
        return "body is not UTF-8"
    except (ValueError, RecursionError):
        return "body is not JSON we accept"
    return "payload is not a JSON object" if not isinstance(body, dict) else _misshapen(body)


# The envelope of an interactive payload: each key, when present, of this type (None allowed but for user).
_ENVELOPE = {"type": str, "user": dict, "view": dict, "actions": list, "message": dict, "channel": dict, "container": dict,
             "team": dict, "callback_id": str, "action_id": str, "block_id": str, "value": str, "trigger_id": str,
             "response_url": str}
_INSIDE = {"user": {"id": str}, "view": {"id": str, "callback_id": str, "private_metadata": str, "hash": str, "state": dict,
                                         "type": str}}
_ACTION = {"action_id": str, "block_id": str, "type": str}


def _wrong(part: dict, shapes: dict[str, type]) -> str | None:
    return next((key for key, kind in shapes.items() if part.get(key) is not None and not isinstance(part[key], kind)), None)


def _misshapen(body: dict) -> str | None:
    if "event" in body or "command" in body:  # the Events API's envelope, a slash command's form (text fields only)
        return None
    key = _wrong(body, _ENVELOPE) or ("user" if "user" in body and body["user"] is None else None)
    if key is None:
        key = next((f"{outer}.{inner}" for outer, shapes in _INSIDE.items() if isinstance(body.get(outer), dict)
                    for inner in [_wrong(body[outer], shapes)] if inner), None)
    if key is None and isinstance(body.get("actions"), list):  # Bolt reads actions[0]
        key = next(("actions[]" for a in body["actions"] if not isinstance(a, dict) or _wrong(a, _ACTION)),
                   None if body["actions"] else "actions (empty)")
    if key is None and isinstance(body.get("view"), dict) and not isinstance(body["view"].get("type"), str):
        key = "view.type"  # Bolt reads it on every view payload
    return None if key is None else f"payload field {key} is not what Slack sends"


def refuse(start_response, reason: str) -> list[bytes]:
    log.warning("request to /slack/events refused: %s", reason)
    body = f"Bad Request: {reason}".encode()
    start_response("400 Bad Request", [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body)))])
    return [body]
