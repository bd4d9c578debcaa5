"""The Web API methods the fake Slack server answers, mixed into :class:`tests.fake_slack.FakeSlack`.

``_m_chat_postMessage`` answers ``chat.postMessage``, and so on; a method without an ``_m_``
implementation answers ``{"ok": true}``.  Each takes the decoded request arguments and returns
the JSON body to send.  Messages and views are checked against Block Kit limits first
(tests/blockkit.py); a problem is recorded with ``_violate`` and answered ``ok: false``.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from datetime import datetime, timezone
from typing import Any, Callable
from urllib.parse import quote

from tests.blockkit import LIMITS, check_blocks, check_view


def _truthy(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    return str(value).strip().lower() in ("1", "true", "yes", "on")


def _tz_offset(tz_name: str) -> int:
    try:
        from zoneinfo import ZoneInfo

        offset = datetime.now(timezone.utc).astimezone(ZoneInfo(tz_name)).utcoffset()
        return int(offset.total_seconds()) if offset is not None else 0
    except Exception:
        return 0


# What a chat.* method answers when an argument it needs is missing.
_MISSING_ARGUMENT_ERRORS = {"user": "user_not_in_channel", "ts": "message_not_found"}


def _dm_channel_for(user_id: str) -> str:
    return "D" + user_id[1:]


class SlackMethods:
    """Method implementations; the state they read and write is set up by FakeSlack.__init__."""

    TEAM_ID: str
    TEAM_NAME: str
    BOT_USER_ID: str
    BOT_ID: str
    APP_ID: str
    port: int
    users: dict[str, dict]
    uploads: dict[str, bytes]
    canvases: dict[str, dict]
    views: dict[str, dict]
    history: dict[str, list[dict]]
    channels: dict[str, dict]
    _lock: threading.RLock
    _pending_files: dict[str, dict]
    _external_ids: dict[str, str]
    _seq: int
    _ts_seq: int
    _violate: Callable[[str, list[str]], None]  # records a problem in FakeSlack.violations

    # ---- dispatch ---------------------------------------------------------------

    def _api(self, method: str, p: dict) -> dict:
        handler = getattr(self, "_m_" + method.replace(".", "_"), None)
        if handler is None:
            return {"ok": True}
        return handler(p)

    @staticmethod
    def _fail(error: str, **extra: Any) -> dict:
        return {"ok": False, "error": error, **extra}

    def _next_id(self, prefix: str) -> str:
        with self._lock:
            self._seq += 1
            return f"{prefix}{self._seq:010d}"

    def _next_ts(self) -> str:
        with self._lock:
            self._ts_seq += 1
            micros = self._ts_seq * 100
        return f"{1700000000 + micros // 1_000_000}.{micros % 1_000_000:06d}"

    # ---- auth and users ---------------------------------------------------------

    def _m_auth_test(self, p: dict) -> dict:
        return {
            "ok": True,
            "url": "https://test-team.slack.com/",
            "team": self.TEAM_NAME,
            "user": "crm-bot",
            "team_id": self.TEAM_ID,
            "user_id": self.BOT_USER_ID,
            "bot_id": self.BOT_ID,
            "is_enterprise_install": False,
        }

    def _m_apps_connections_open(self, p: dict) -> dict:
        """Socket Mode: the URL of tests/fake_socket_mode.py's server, when a test set one."""
        url = getattr(self, "socket_url", None)
        return {"ok": True, "url": url} if url else self._fail("invalid_auth")

    def _m_users_info(self, p: dict) -> dict:
        with self._lock:
            user = self.users.get(str(p.get("user") or ""))
        if user is None:
            return self._fail("user_not_found")
        out = self._user_object(user)
        if _truthy(p.get("include_locale")):
            out["locale"] = user["locale"]
        return {"ok": True, "user": out}

    def _m_users_list(self, p: dict) -> dict:
        """Pages of `limit` members (Slack's cursor: an opaque string; here the next index)."""
        try:
            limit = max(1, min(int(p.get("limit") or 100), 1000))
            start = int(p.get("cursor") or 0)
        except ValueError:
            return self._fail("invalid_cursor")
        with self._lock:
            everyone = [self._user_object(u) for _, u in sorted(self.users.items())]
        page = everyone[start:start + limit]
        after = start + limit
        return {"ok": True, "members": page, "response_metadata": {"next_cursor": str(after) if after < len(everyone) else ""}}

    def _m_users_lookupByEmail(self, p: dict) -> dict:
        email = str(p.get("email") or "").strip().casefold()
        with self._lock:
            found = [u for _, u in sorted(self.users.items()) if email and u["email"].casefold() == email]
        if not found:
            return self._fail("users_not_found")
        return {"ok": True, "user": self._user_object(found[0])}

    def _user_object(self, user: dict) -> dict:
        return {
            "id": user["id"],
            "team_id": self.TEAM_ID,
            "name": user["name"],
            "real_name": user["real_name"],
            "deleted": user.get("deleted", False),
            "is_bot": user.get("is_bot", False),
            "tz": user["tz"],
            "tz_label": user["tz"],
            "tz_offset": _tz_offset(user["tz"]),
            "profile": {
                "real_name": user["real_name"],
                "real_name_normalized": user["real_name"],
                "display_name": user.get("display_name", user["name"]),
                "display_name_normalized": user.get("display_name", user["name"]),
                "email": user["email"],
                "team": self.TEAM_ID,
            },
        }

    # ---- messages ---------------------------------------------------------------

    def _check_message(self, method: str, p: dict) -> dict | None:
        """Validates message content; returns an error response or None."""
        text = p.get("text")
        blocks = p.get("blocks")
        has_text = isinstance(text, str) and text != ""
        has_blocks = isinstance(blocks, list) and len(blocks) > 0
        if not (has_text or has_blocks or p.get("attachments")):
            self._violate(method, ["message has neither text nor blocks"])
            return self._fail("no_text")
        if isinstance(text, str) and len(text) > LIMITS["message.text"]:
            self._violate(method, [f"text: {len(text)} chars exceeds max {LIMITS['message.text']}"])
            return self._fail("msg_too_long")
        if "blocks" in p:
            problems = check_blocks(blocks, surface="message")
            if problems:
                self._violate(method, problems)
                return self._fail("invalid_blocks", errors=problems)
        return None

    def _message(self, p: dict, ts: str) -> dict:
        msg: dict[str, Any] = {
            "type": "message",
            "user": self.BOT_USER_ID,
            "bot_id": self.BOT_ID,
            "app_id": self.APP_ID,
            "team": self.TEAM_ID,
            "text": p.get("text") or "",
            "ts": ts,
        }
        for key in ("blocks", "attachments", "thread_ts", "metadata"):
            if p.get(key) is not None:
                msg[key] = p[key]
        return msg

    @staticmethod
    def _channel(p: dict) -> str | None:
        """The channel to answer with: a user id stands for the DM with that user."""
        channel = p.get("channel")
        if not channel or not isinstance(channel, str):
            return None
        if channel[0] in "UW":
            return _dm_channel_for(channel)
        return channel

    def _chat_refusal(self, method: str, p: dict, *, needs: str | None = None, content: bool = True) -> dict | None:
        """The error a chat.* method answers with, or None: a channel, the argument `needs`, then content."""
        if self._channel(p) is None:
            return self._fail("channel_not_found")
        if needs is not None and not p.get(needs):
            return self._fail(_MISSING_ARGUMENT_ERRORS[needs])
        return self._check_message(method, p) if content else None

    def _m_chat_postMessage(self, p: dict) -> dict:
        refusal = self._chat_refusal("chat.postMessage", p)
        if refusal:
            return refusal
        if not self._bot_is_member(self._channel(p)):
            return self._fail("not_in_channel")
        ts = self._next_ts()
        message = self._message(p, ts)
        with self._lock:
            self.history.setdefault(self._channel(p), []).append(message)
        return {"ok": True, "channel": self._channel(p), "ts": ts, "message": message}

    def _m_chat_postEphemeral(self, p: dict) -> dict:
        refusal = self._chat_refusal("chat.postEphemeral", p, needs="user")
        if refusal:
            return refusal
        return {"ok": True, "message_ts": self._next_ts()}

    def _m_chat_update(self, p: dict) -> dict:
        refusal = self._chat_refusal("chat.update", p, needs="ts")
        if refusal:
            return refusal
        message = self._message(p, p["ts"])
        with self._lock:
            posted = self.history.get(self._channel(p), [])
            for i, old in enumerate(posted):
                if old["ts"] == p["ts"]:
                    posted[i] = {**old, **message}
        return {"ok": True, "channel": self._channel(p), "ts": p["ts"], "text": p.get("text") or "", "message": message}

    def _m_chat_delete(self, p: dict) -> dict:
        refusal = self._chat_refusal("chat.delete", p, needs="ts", content=False)
        if refusal:
            return refusal
        return {"ok": True, "channel": self._channel(p), "ts": p["ts"]}

    def _m_chat_getPermalink(self, p: dict) -> dict:
        channel, ts = self._channel(p), str(p.get("message_ts") or "")
        if channel is None:
            return self._fail("channel_not_found")
        if not ts:
            return self._fail("message_not_found")
        return {"ok": True, "channel": channel, "permalink": f"https://test-team.slack.com/archives/{channel}/p{ts.replace('.', '')}"}

    # ---- conversations ----------------------------------------------------------

    def _m_conversations_history(self, p: dict) -> dict:
        """Messages the bot posted in a channel, newest first, between oldest and latest; metadata
        only with include_all_metadata, as Slack does."""
        channel = p.get("channel")
        if not channel:
            return self._fail("channel_not_found")
        oldest, latest = float(p.get("oldest") or 0), float(p.get("latest") or 9e12)
        inclusive = str(p.get("inclusive", "")).lower() in ("1", "true")
        limit = int(p.get("limit") or 100)
        with self._lock:
            posted = list(self.history.get(channel, []))
        chosen = [m for m in reversed(posted)
                  if (oldest <= float(m["ts"]) <= latest if inclusive else oldest < float(m["ts"]) < latest)]
        with_meta = str(p.get("include_all_metadata", "")).lower() in ("1", "true")
        messages = [m if with_meta else {k: v for k, v in m.items() if k != "metadata"} for m in chosen[:limit]]
        return {"ok": True, "messages": messages, "has_more": len(chosen) > limit}

    def _m_conversations_open(self, p: dict) -> dict:
        users = p.get("users")
        if isinstance(users, list):
            users = ",".join(users)
        if not users:
            if p.get("channel"):
                return {"ok": True, "channel": {"id": p["channel"]}}
            return self._fail("users_list_not_supplied")
        ids = [u.strip() for u in str(users).split(",") if u.strip()]
        if len(ids) == 1:
            channel_id = _dm_channel_for(ids[0])
        else:
            channel_id = "G" + hashlib.sha1(",".join(sorted(ids)).encode()).hexdigest()[:10].upper()
        return {"ok": True, "no_op": False, "already_open": False, "channel": {"id": channel_id}}

    def _bot_is_member(self, channel: str | None) -> bool:
        """Channels added with add_channel know; any other channel counts the bot in."""
        with self._lock:
            known = self.channels.get(channel or "")
        return known is None or known["member"]

    def _m_conversations_info(self, p: dict) -> dict:
        channel = p.get("channel")
        if not channel:
            return self._fail("channel_not_found")
        with self._lock:
            known = dict(self.channels[channel]) if channel in self.channels else None
        if known is not None:
            if known["private"] and not known["member"]:
                return self._fail("channel_not_found")  # a private channel is invisible to a bot outside it
            return {"ok": True, "channel": self._channel_info(channel, known)}
        is_im = channel.startswith("D")
        info: dict[str, Any] = {
            "id": channel,
            "name": None if is_im else channel.lower(),
            "is_channel": channel.startswith("C"),
            "is_group": channel.startswith("G"),
            "is_im": is_im,
            "is_private": not channel.startswith("C"),
            "is_archived": False,
            "is_member": True,
            "context_team_id": self.TEAM_ID,
        }
        if is_im:
            info["user"] = "U" + channel[1:]
        return {"ok": True, "channel": info}

    def _channel_info(self, channel: str, known: dict) -> dict:
        return {"id": channel, "name": known["name"], "is_channel": not known["private"], "is_group": known["private"],
                "is_im": False, "is_mpim": False, "is_private": known["private"], "is_archived": known["archived"],
                "is_member": known["member"], "context_team_id": self.TEAM_ID}

    def _m_conversations_join(self, p: dict) -> dict:
        """Joins a public channel (channels:join); a private one must invite the bot instead."""
        channel = p.get("channel")
        if not channel or not isinstance(channel, str) or channel[0] not in "CG":
            return self._fail("channel_not_found")
        with self._lock:
            known = self.channels.get(channel)
            if known is None:
                return {"ok": True, "channel": {"id": channel, "is_member": True}, "already_in_channel": True}
            if known["private"]:
                return self._fail("channel_not_found" if not known["member"] else "method_not_supported_for_channel_type")
            if known["archived"]:
                return self._fail("is_archived")
            already = known["member"]
            known["member"] = True
            info = self._channel_info(channel, known)
        return {"ok": True, "channel": info, **({"already_in_channel": True} if already else {})}

    # ---- views ------------------------------------------------------------------

    def _view_problems(self, method: str, p: dict, allowed: tuple[str, ...]) -> dict | None:
        view = p.get("view")
        if view is None:
            self._violate(method, ["view: is required"])
            return self._fail("invalid_arguments")
        problems = check_view(view)
        if not problems and view.get("type") not in allowed:
            problems = [f"view.type: {method} needs a {' or '.join(allowed)} view, got {view.get('type')!r}"]
        if problems:
            self._violate(method, problems)
            return self._fail("invalid_arguments", response_metadata={"messages": problems})
        return None

    def _store_view(self, view: dict, *, view_id: str | None = None, root_view_id: str | None = None) -> dict:
        view_id = view_id or self._next_id("V")
        nonce = hashlib.sha1(view_id.encode() + str(time.monotonic_ns()).encode()).hexdigest()[:8]
        out = dict(view)
        out.update(
            {
                "id": view_id,
                "team_id": self.TEAM_ID,
                "app_id": self.APP_ID,
                "bot_id": self.BOT_ID,
                "app_installed_team_id": self.TEAM_ID,
                "hash": f"{int(time.time())}.{nonce}",
                "state": {"values": {}},
                "root_view_id": root_view_id or view_id,
                "previous_view_id": None,
                "private_metadata": view.get("private_metadata", ""),
                "callback_id": view.get("callback_id", ""),
                "external_id": view.get("external_id", ""),
            }
        )
        with self._lock:
            self.views[view_id] = out
            if out["external_id"]:
                self._external_ids[out["external_id"]] = view_id
        return out

    def _new_view(self, method: str, p: dict, *, needs: str, allowed: tuple[str, ...]) -> dict:
        """views.open, views.push and views.publish: `needs` names the argument they require."""
        if not p.get(needs):
            self._violate(method, [f"{needs}: is required"])
            return self._fail("invalid_arguments")
        problem = self._view_problems(method, p, allowed)
        if problem:
            return problem
        return {"ok": True, "view": self._store_view(p["view"])}

    def _m_views_open(self, p: dict) -> dict:
        return self._new_view("views.open", p, needs="trigger_id", allowed=("modal",))

    def _m_views_push(self, p: dict) -> dict:
        return self._new_view("views.push", p, needs="trigger_id", allowed=("modal",))

    def _m_views_publish(self, p: dict) -> dict:
        return self._new_view("views.publish", p, needs="user_id", allowed=("home",))

    def _m_views_update(self, p: dict) -> dict:
        view_id = p.get("view_id")
        external_id = p.get("external_id")
        if not view_id and not external_id:
            self._violate("views.update", ["view_id or external_id is required"])
            return self._fail("invalid_arguments")
        with self._lock:
            if not view_id:
                view_id = self._external_ids.get(external_id)
                if view_id is None:
                    return self._fail("not_found")
            current = self.views.get(view_id)
        # An unknown view_id is accepted: tests often build interaction payloads by hand.
        if current is not None and p.get("hash") and p["hash"] != current["hash"]:
            return self._fail("hash_conflict")
        problem = self._view_problems("views.update", p, ("modal", "home"))
        if problem:
            return problem
        root = current["root_view_id"] if current else view_id
        return {"ok": True, "view": self._store_view(p["view"], view_id=view_id, root_view_id=root)}

    # ---- canvases -----------------------------------------------------------------

    def _m_canvases_create(self, p: dict) -> dict:
        """A standalone canvas from markdown (document_content {"type": "markdown", "markdown": ...}); kept in
        ``self.canvases`` by id with its title, markdown and who may read it. A workspace without canvases is
        ``fail_next("canvases.create", error="not_allowed")``."""
        content = p.get("document_content")
        if isinstance(content, str):  # slack_sdk sends it JSON-encoded in a form field
            try:
                content = json.loads(content)
            except ValueError:
                content = None
        if not isinstance(content, dict) or content.get("type") != "markdown" or not isinstance(content.get("markdown"), str):
            return self._fail("invalid_arguments")
        canvas_id = self._next_id("F")
        with self._lock:
            self.canvases[canvas_id] = {"title": p.get("title") or "", "markdown": content["markdown"], "access": {}}
        return {"ok": True, "canvas_id": canvas_id}

    def _m_canvases_access_set(self, p: dict) -> dict:
        canvas_id, level = p.get("canvas_id"), p.get("access_level")
        users = p.get("user_ids") or []
        if isinstance(users, str):
            users = [u for u in users.split(",") if u]
        with self._lock:
            canvas = self.canvases.get(canvas_id or "")
            if canvas is None:
                return self._fail("canvas_not_found")
            if level not in ("read", "write") or not (users or p.get("channel_ids")):
                return self._fail("invalid_arguments")
            for user in users:
                canvas["access"][user] = level
        return {"ok": True}

    # ---- files ------------------------------------------------------------------

    def _m_files_getUploadURLExternal(self, p: dict) -> dict:
        filename = p.get("filename")
        try:
            length = int(p.get("length"))
        except (TypeError, ValueError):
            length = None
        if not filename or length is None or length < 0:
            return self._fail("invalid_arguments")
        file_id = self._next_id("F")
        with self._lock:
            self._pending_files[file_id] = {"filename": filename, "length": length}
        return {"ok": True, "upload_url": f"http://127.0.0.1:{self.port}/upload/{file_id}", "file_id": file_id}

    def _m_files_completeUploadExternal(self, p: dict) -> dict:
        files = p.get("files")
        if not isinstance(files, list) or not files:
            return self._fail("invalid_arguments")
        out = []
        for item in files:
            file_id = item.get("id") if isinstance(item, dict) else None
            with self._lock:
                meta = self._pending_files.get(file_id or "")
                data = self.uploads.get(file_id or "")
            if meta is None or data is None:
                return self._fail("file_not_found")
            out.append(self._uploaded_file(file_id, meta["filename"], data, item, p))
        channel = p.get("channel_id")
        if channel:  # shared in a channel: a message with the files, as conversations.history shows it
            if not self._bot_is_member(channel):
                return self._fail("not_in_channel")
            message = {"type": "message", "user": self.BOT_USER_ID, "bot_id": self.BOT_ID, "text": p.get("initial_comment") or "",
                       "ts": self._next_ts(), "files": [{k: f[k] for k in ("id", "name", "title", "size")} for f in out]}
            with self._lock:
                self.history.setdefault(channel, []).append(message)
        return {"ok": True, "files": out}

    def _uploaded_file(self, file_id: str, name: str, data: bytes, item: dict, p: dict) -> dict:
        channel = p.get("channel_id")
        return {
            "id": file_id,
            "name": name,
            "title": item.get("title") or name,
            "size": len(data),
            "filetype": name.rsplit(".", 1)[-1].lower() if "." in name else "",
            "url_private": f"http://127.0.0.1:{self.port}/files/{file_id}/{quote(name)}",
            "permalink": f"https://test-team.slack.com/files/{self.BOT_USER_ID}/{file_id}",
            "channels": [channel] if channel else [],
            "initial_comment": p.get("initial_comment"),
        }

    # ---- non-API endpoints -------------------------------------------------------

    def _upload(self, file_id: str, data: bytes) -> tuple[int, str]:
        with self._lock:
            if file_id not in self._pending_files:
                return 404, "file_not_found"
            self.uploads[file_id] = data
        return 200, f"OK - {len(data)}"

    def _response_url(self, name: str, p: dict) -> tuple[int, str]:
        method = f"response_url:{name}"
        if not p.get("delete_original"):
            problem = self._check_message(method, p)
            if problem:
                return 400, problem["error"]
        return 200, "ok"
