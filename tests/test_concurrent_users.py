"""A user the bot has never seen, sending many requests at once: every one is answered, the
profile cache gets one row (save_user is an upsert), nothing is logged as an error."""
from __future__ import annotations

import threading

from sqlmodel import select

from store.db import transaction
from store.models import SlackUser
from tests.payload_probe import ErrorLog

NEW = "U0NEWUSER1"


def test_twenty_first_requests_of_a_new_user_at_once(bolt, fake, db):
    fake.add_user(NEW, tz="Europe/London", locale="en-GB", name="newbie", real_name="New Person")
    start, answers = threading.Barrier(20), []

    def ask() -> None:
        start.wait()
        answers.append(bolt.command("show Nobody Ltd", user=NEW)[0])  # reads the profile from Slack

    with ErrorLog() as errors:
        threads = [threading.Thread(target=ask) for _ in range(20)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        replies = fake.wait_for("response_url:cmd", count=20, timeout=60)
        bolt.executor.shutdown(wait=True)  # every listener done before the log is read
    assert answers == [200] * 20 and errors.lines == []
    assert len({r.params["text"] for r in replies}) == 1  # the same answer, in English
    with transaction(db) as s:
        users = s.exec(select(SlackUser).where(SlackUser.id == NEW)).all()
    assert [(u.tz, u.locale, u.role) for u in users] == [("Europe/London", "en-GB", "rep")]
