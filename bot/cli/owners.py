"""Owners named in `python -m bot import`, matched to Slack users, colleagues who never opened the
bot included. store/customer_import.py calls `SlackOwners` once per owner cell (its resolver); each
distinct text is looked up once per run:

- a Slack ID of any length (U0123ABCD, UZH001), a mention (<@U0123ABCD>, <@U0123ABCD|wang>) or the
  export's "王小明 (U0123ABCD)": confirmed with users.info (user_not_found refuses it);
- an email (or Slack's <mailto:…|…>, or mail's "Name <…>", around one): a colleague the bot
  already knows, else users.lookupByEmail;
- an ID, mention or email of a deactivated account or of a bot: refused, naming it;
- a name (a leading @ dropped: @jay): the real name, display name or username of the workspace's members (users.list, read
  once per run, every page; deactivated accounts and bots left out) and the names of people the
  bot knows. Two or more people refuse the row, naming each candidate.

Without SLACK_BOT_TOKEN only the people the bot knows are matched, and an ID is taken as it is.
`matched` keeps how each text was matched, in the order first seen (`--dry-run` prints it). A
Slack error (a wrong token, the network) ends the import with one sentence and exit code 1.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from store.customer_csv import People, person_key, slack_id
from store.errors import DomainError
from store.users import not_a_person

_MENTION = re.compile(r"^<@([UW][A-Z0-9]{2,})(?:\|[^>]*)?>$")
_MAILTO = re.compile(r"^<mailto:([^|<>\s]+@[^|<>\s]+)(?:\|[^>]*)?>$")  # an email copied out of a Slack message
_NAMED_EMAIL = re.compile(r"^[^<>@]*<([^<>\s@]+@[^<>\s@]+)>$")           # "Lina Wu <lina@example.com>", as mail writes it
PAGE = 200  # users.list members per page (Slack recommends at most 200)
# how a text was matched -> the catalog key that says so
HOW = ("id", "mention", "email_known", "email", "real_name", "display_name", "username", "name_known")


class SlackOwners:
    def __init__(self, *, client: WebClient | None, known: People, fail: Callable[[str], None]) -> None:
        self.client, self.known, self.fail = client, known, fail
        self.matched: dict[str, tuple[str, str, str]] = {}  # text -> (user id, how, name)
        self._answers: dict[str, str | DomainError] = {}
        self._members: list[dict] | None = None
        self._users: dict[str, dict | None] = {}  # users.info by id
        self._emails: dict[str, dict | None] = {}  # users.lookupByEmail by email, however the file wrote it

    def __call__(self, text: str, field: str = "owner") -> str:
        value = " ".join(unicodedata.normalize("NFKC", text or "").split())
        if value not in self._answers:
            try:
                user_id, how, name = self._match(value)
            except DomainError as e:
                self._answers[value] = e
            else:
                self._answers[value] = user_id
                self.matched[value] = (user_id, how, name)
        answer = self._answers[value]
        if isinstance(answer, DomainError):
            raise DomainError(answer.key, field=field, **answer.params)
        return answer

    # -- one text -----------------------------------------------------------------------------------

    def _match(self, value: str) -> tuple[str, str, str]:
        mention = _MENTION.match(value)
        if mention:
            return self._confirmed(mention.group(1), "mention", value)
        found = slack_id(value)
        if found:
            return self._confirmed(found, "id", value)
        mailto = _MAILTO.match(value) or _NAMED_EMAIL.match(value)
        if mailto:
            return self._by_email(mailto.group(1), value)
        if value.startswith("@") and value.count("@") == 1 and len(value) > 1:
            return self._by_name(value[1:], value)  # a Slack handle written as people type it: @jay
        if "@" in value:
            return self._by_email(value, value)
        return self._by_name(value, value)

    def _confirmed(self, user_id: str, how: str, value: str) -> tuple[str, str, str]:
        if self.client is None:
            return user_id, how, ""
        if user_id not in self._users:  # once per id, whichever way it was written
            try:
                self._users[user_id] = self._call("users.info", self.client.users_info, user=user_id)["user"]
            except SlackApiError:  # user_not_found
                self._users[user_id] = None
        user = self._users[user_id]
        if user is None:
            raise DomainError("imp_owner_no_id", owner=value[:60])
        _active(user, value)
        return user_id, how, _name(user)

    def _by_email(self, email: str, value: str) -> tuple[str, str, str]:
        known = self.known.by_email.get(person_key(email), set())
        if len(known) == 1:
            return next(iter(known)), "email_known", ""
        if self.client is None:
            return self._known_only(email)
        if person_key(email) not in self._emails:
            try:
                self._emails[person_key(email)] = self._call("users.lookupByEmail", self.client.users_lookupByEmail, email=email)["user"]
            except SlackApiError as e:
                if e.response.get("error") != "users_not_found":
                    raise
                self._emails[person_key(email)] = None
        user = self._emails[person_key(email)]
        if user is None:
            raise DomainError("imp_owner_not_in_slack", owner=value[:60])
        _active(user, value)
        return user["id"], "email", _name(user)

    def _by_name(self, name: str, value: str) -> tuple[str, str, str]:
        """`name` looked up; `value` is what the file said (shown in refusals)."""
        key = person_key(name)
        found: dict[str, tuple[str, str]] = {user_id: ("name_known", "") for user_id in self.known.by_name.get(key, set())}
        if self.client is None:
            return self._known_only(name) if not found else self._one(value, found)
        for member in self._everyone():
            profile = member.get("profile") or {}
            for how, name in (("real_name", member.get("real_name") or profile.get("real_name")),
                              ("display_name", profile.get("display_name")), ("username", member.get("name"))):
                if name and person_key(name) == key:
                    found[member["id"]] = (how, _name(member))
                    break
        if not found:
            raise DomainError("imp_owner_not_in_slack", owner=value[:60])
        return self._one(value, found)

    def _one(self, value: str, found: dict[str, tuple[str, str]]) -> tuple[str, str, str]:
        if len(found) > 1:
            labels = {m["id"]: _label(m) for m in (self._members or []) if m["id"] in found}
            raise DomainError("imp_owner_candidates", owner=value[:60], count=len(found),
                              candidates=", ".join(labels.get(user_id, user_id) for user_id in sorted(found)))
        user_id, (how, name) = next(iter(found.items()))
        return user_id, how, name

    def _known_only(self, value: str) -> tuple[str, str, str]:
        found = self.known.find(value)  # raises imp_owner_unknown / imp_owner_ambiguous
        return found, "email_known" if "@" in value else "name_known", ""

    # -- Slack ----------------------------------------------------------------------------------------

    def _everyone(self) -> list[dict]:
        """The workspace's people (not deactivated, not bots), every page of users.list, once per run."""
        if self._members is None:
            members, cursor = [], None
            while True:
                page = self._call("users.list", self.client.users_list, limit=PAGE, **({"cursor": cursor} if cursor else {}))
                members += [m for m in page.get("members") or [] if not_a_person(m) is None and m.get("id") != "USLACKBOT"]
                cursor = (page.get("response_metadata") or {}).get("next_cursor")
                if not cursor:
                    break
            self._members = members
        return self._members

    def _call(self, method: str, fn, **params):
        try:
            return fn(**params)
        except SlackApiError as e:
            if e.response.get("error") in ("user_not_found", "users_not_found"):
                raise
            self.fail(f"import: Slack refused {method}: {e.response.get('error')}")
        except OSError as e:
            self.fail(f"import: Slack did not answer {method}: {e}")
        raise AssertionError("fail() returns only by raising")


def _active(user: dict, value: str) -> None:
    """A deactivated account or a bot owns nothing: nobody would read its reminders."""
    if not_a_person(user) is not None:
        raise DomainError("imp_owner_inactive", owner=value[:60], user=user.get("id", ""), name=_name(user))


def _name(user: dict) -> str:
    profile = user.get("profile") or {}
    return user.get("real_name") or profile.get("real_name") or profile.get("display_name") or user.get("name") or ""


def _label(user: dict) -> str:
    email = (user.get("profile") or {}).get("email") or ""
    return f"{_name(user)} ({user['id']}{', ' + email if email else ''})"
