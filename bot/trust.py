"""What the bot trusts of a request, checked without trusting anything in it.

- Slack's signature: `X-Slack-Signature: v0=<hex HMAC-SHA256(signing secret, "v0:<timestamp>:<body>")>`
  with `X-Slack-Request-Timestamp` within 5 minutes. A missing, empty, non-numeric, huge or
  negative timestamp, or a signature of the wrong shape, is simply not a valid signature: never
  an exception (slack_sdk's verifier raises on int("abc") and on non-ASCII signatures).
- Slack's hosts: where a response_url may point before the bot posts to it: https on
  hooks.slack.com (or hooks.<the SLACK_API_URL host>, e.g. GovSlack's hooks.slack-gov.com), or the
  configured SLACK_API_URL's own scheme, host and port (a test's fake Slack).
"""
from __future__ import annotations

import hashlib
import hmac
import re
from urllib.parse import urlsplit

from store.text import whole_number as ascii_whole_number

MAX_SKEW = 5 * 60
_SLACK_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")


def whole_number(text: str | None) -> int | None:
    """A request header's number (a Unix time, a length), or None when it is anything but 1 to 12
    plain digits."""
    return ascii_whole_number(text) if isinstance(text, str) and len(text) <= 12 else None


def slack_signature_ok(secret: str | None, body: bytes, timestamp: str | None, signature: str | None, *, now: float) -> bool:
    seconds = whole_number(timestamp)
    if not secret or seconds is None or abs(now - seconds) > MAX_SKEW:
        return False
    if not isinstance(signature, str) or not _SLACK_SIGNATURE.fullmatch(signature):
        return False
    expected = "v0=" + hmac.new(secret.encode(), b"v0:" + timestamp.encode() + b":" + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature)


def slack_hosted(url: str, *, api_url: str) -> bool:
    """True when `url` is one of Slack's (see above): the only places the error handler posts to."""
    try:
        target, api = urlsplit(url), urlsplit(api_url)
        target_port, api_port = target.port, api.port
    except ValueError:  # an unparseable URL or port
        return False
    if target.username is not None or target.password is not None or not target.hostname:
        return False
    if (target.scheme, target.hostname, target_port) == (api.scheme, api.hostname, api_port):
        return True
    hooks = {"hooks.slack.com"} | ({f"hooks.{api.hostname}"} if api.hostname else set())
    return target.scheme == "https" and target.hostname in hooks and target_port in (None, 443)
