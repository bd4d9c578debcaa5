"""Fixtures: a database per test (SQLite, and PostgreSQL when TEST_DATABASE_URL is set), the fake
Slack Web API, and the real Bolt app served over HTTP receiving signed requests."""
from __future__ import annotations

import os

import pytest
from sqlmodel import SQLModel

import store.models  # noqa: F401  (registers every table on SQLModel.metadata)
from store.db import make_engine, session_factory
from tests.fake_slack import FakeSlack
from tests.scratch import ScratchDatabase

PG_URL = os.environ.get("TEST_DATABASE_URL")
BACKENDS = ["sqlite"] + (["postgresql"] if PG_URL else [])

REP = "U0REP00001"       # a zh-CN rep in Shanghai
REP_EN = "U0REPEN002"    # an en-US rep in New York
BOSS = "U0BOSS0003"      # zh-CN, Shanghai


class Database:
    """A fresh, empty database: a SQLite file, or a PostgreSQL schema of its own."""

    def __init__(self, backend: str, tmp_path) -> None:
        self.backend = backend
        self.scratch = ScratchDatabase(PG_URL if backend == "postgresql" else None, prefix="t")
        self.url = self.scratch.url
        self.engine = make_engine(self.url)
        self.factory = session_factory(self.engine)

    def create_all(self) -> None:
        SQLModel.metadata.create_all(self.engine)

    def close(self) -> None:
        self.engine.dispose()
        self.scratch.drop()


@pytest.fixture(params=BACKENDS)
def empty_database(request, tmp_path):
    database = Database(request.param, tmp_path)
    yield database
    database.close()


@pytest.fixture
def database(empty_database):
    empty_database.create_all()
    return empty_database


@pytest.fixture
def db(database):
    """The session factory handlers and jobs take."""
    return database.factory


def add_people(slack: FakeSlack) -> FakeSlack:
    """The fixtures' users, as users.info answers for them."""
    slack.add_user(REP, tz="Asia/Shanghai", locale="zh-CN", name="wang", real_name="王小明")
    slack.add_user(REP_EN, tz="America/New_York", locale="en-US", name="alice", real_name="Alice Smith")
    slack.add_user(BOSS, tz="Asia/Shanghai", locale="zh-CN", name="zhao", real_name="赵总")
    return slack


@pytest.fixture
def fake():
    slack = add_people(FakeSlack().start())
    yield slack
    slack.stop()
    assert not slack.violations, f"Block Kit limits broken: {slack.violations}"


@pytest.fixture
def bolt(db, fake):
    from tests.bolt_server import BoltServer

    server = BoltServer(db=db, fake=fake)
    yield server
    server.stop()


def remember_user(db, user_id: str, tz: str, locale: str, *, now=None) -> None:
    """Store a user's zone and locale as users.info would have (so views.open needs no lookup), as
    fetched at `now` (default: the wall clock). A test whose app clock is set should pass a `now`
    before it: a profile fetched "later" than the app's clock counts as fresh and is never asked
    of Slack again, whatever the wall clock says."""
    from store.db import transaction
    from store.types import utcnow
    from store.users import save_user

    with transaction(db) as s:
        save_user(session=s, user_id=user_id, name=user_id, email="", tz=tz, locale=locale, now=now or utcnow())


@pytest.fixture
def remember(db):
    return lambda user_id, tz, locale: remember_user(db, user_id, tz, locale)
