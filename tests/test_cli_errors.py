"""`python -m bot` never shows a traceback: an argument or setting it cannot use is one sentence on
stderr naming it and what it takes, with exit code 2 (1 for a database server that does not answer),
each run as a process with a clean environment in a scratch folder."""
from __future__ import annotations

import re
import socket

import pytest

from tests.bolt_server import SECRET
from tests.test_cli import run

LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (INFO|WARNING) ")
URLS = "use sqlite:///crm.db (a file) or postgresql://user:password@host:5432/name."
KEY = "CRM_ENCRYPTION_KEY: a key of at least 32 characters is needed, not one of 9; make one with `python -m bot new-key`."
YEARS = "is outside the years 2000 to 2099"
NOW = "(e.g. 2026-11-23T09:00:00+08:00)"


def said(done) -> list[str]:
    """What stderr says beyond the log lines."""
    return [line for line in done.stderr.splitlines() if not LOG_LINE.match(line)]


CASES = [
    (["jobs", "--once", "--now", "9999-12-31T23:59:59+00:00"], {}, f"--now: '9999-12-31T23:59:59+00:00' {YEARS} {NOW}", 2),
    (["jobs", "--once", "--now", "0001-01-01T00:00:00+00:00"], {}, f"--now: '0001-01-01T00:00:00+00:00' {YEARS} {NOW}", 2),
    (["report", "--period", "9999-12"], {}, f"report: --period: '9999-12' {YEARS}", 2),
    (["report", "--period", "0001-01"], {}, f"report: --period: '0001-01' {YEARS}", 2),
    (["report", "--period", "2026-10", "--now", "9999-12-31T23:59:59+00:00"], {},
     f"report: --now: '9999-12-31T23:59:59+00:00' {YEARS} {NOW}", 2),
    (["migrate"], {"DATABASE_URL": "sqlite:////proc/crm.db"},
     "Settings: DATABASE_URL: cannot open the SQLite file /proc/crm.db (unable to open database file); "
     "give a file in a folder you can write to, e.g. sqlite:///crm.db.", 2),
    (["migrate"], {"DATABASE_URL": "sqlite:///{tmp}/no/such/crm.db"},
     "Settings: DATABASE_URL: the folder {tmp}/no/such does not exist; create it, or give a file in a folder that exists, "
     "e.g. sqlite:///crm.db.", 2),
    (["migrate"], {"DATABASE_URL": "mysql://crm:secret@127.0.0.1/crm"},
     f"Settings: DATABASE_URL: mysql is not supported; {URLS}", 2),
    (["migrate"], {"DATABASE_URL": "postgresql+psycopg2://postgres@127.0.0.1/test"},
     f"Settings: DATABASE_URL: the driver postgresql+psycopg2 is not installed; {URLS}", 2),
    (["migrate"], {"DATABASE_URL": "::::"}, f"Settings: DATABASE_URL: '::::' is not a database URL; {URLS}", 2),
    (["migrate"], {"DATABASE_URL": "postgresql://postgres@127.0.0.1:9/test"},
     'Could not open the database at postgresql+psycopg://postgres@127.0.0.1:9/test (connection failed: connection to server '
     'at "127.0.0.1", port 9 failed: Connection refused); check DATABASE_URL and that the server is running.', 1),
    ([], {"CRM_ENCRYPTION_KEY": "not-a-key"}, f"Settings: {KEY}", 2),
    (["jobs", "--once"], {"CRM_ENCRYPTION_KEY": "not-a-key"}, f"Settings: {KEY}", 2),
    (["export"], {"CRM_ENCRYPTION_KEY": "not-a-key"}, f"Settings: {KEY}", 2),
    ([], {"PORT": "abc"}, "Settings: PORT: 'abc' is not accepted; give a port number from 1 to 65535.", 2),
    (["migrate"], {"PORT": "70000"}, "Settings: PORT: '70000' is not accepted; give a port number from 1 to 65535.", 2),
    (["jobs", "--once"], {"CRM_RISK_DROP_POINTS": "lots"},
     "Settings: CRM_RISK_DROP_POINTS: 'lots' is not accepted; give a whole number from 1 to 100.", 2),
    (["jobs", "--once"], {"CRM_LONG_CYCLE_DAYS": "ninety"},
     "Settings: CRM_LONG_CYCLE_DAYS: 'ninety' is not accepted; give a whole number of days from 1 to 3650.", 2),
    (["jobs", "--once"], {"CRM_LONG_CYCLE_DAYS": "0"}, "Settings: CRM_LONG_CYCLE_DAYS must be between 1 and 3650 days, not 0", 2),
    # before, a quiet window the delivery could not read meant no quiet hours for anybody, unsaid
    ([], {"CRM_QUIET_HOURS": "25:00-07:00"},
     "Settings: CRM_QUIET_HOURS must be a window such as 21:00-08:00, or off, not '25:00-07:00' (25:00 is not a time of day)", 2),
    (["jobs", "--once"], {"CRM_QUIET_HOURS": "22:00-22:00"},
     "Settings: CRM_QUIET_HOURS must be a window such as 21:00-08:00, or off, not '22:00-22:00' (it starts when it ends)", 2),
    (["jobs", "--once"], {"CRM_QUIET_HOURS": "nights"},
     "Settings: CRM_QUIET_HOURS must be a window such as 21:00-08:00, or off, not 'nights' (not two times of day)", 2),
    # digits Python's isdigit() takes but nobody types: the variable's own sentence, not int()'s
    (["jobs", "--once"], {"CRM_CADENCE_DAYS": "A=⑤"}, "Settings: CRM_CADENCE_DAYS: 'A=⑤' should look like A=7", 2),
    (["jobs", "--once"], {"CRM_MONEY_DAYS": "ahead=٣"},
     "Settings: CRM_MONEY_DAYS: 'ahead=٣' should be ahead=0..3660, escalate=1..3660 or renewal=1..3660", 2),
]


@pytest.mark.parametrize(("args", "env", "sentence", "code"), CASES, ids=[" ".join(c[0]) + " " + " ".join(c[1]) for c in CASES])
def test_a_bad_argument_or_setting_is_one_sentence(tmp_path, args, env, sentence, code):
    base = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1", "SLACK_API_URL": "http://127.0.0.1:9/api/",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'crm.db'}"}
    env = {name: value.replace("{tmp}", str(tmp_path)) for name, value in env.items()}
    done = run(args, env={**base, **env}, cwd=tmp_path)
    assert (done.returncode, said(done), done.stdout) == (code, [sentence.replace("{tmp}", str(tmp_path))], "")
    assert "Traceback" not in done.stderr


def test_a_port_in_use_is_one_sentence(fake, tmp_path):
    with socket.socket() as taken:
        taken.bind(("0.0.0.0", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": SECRET, "SLACK_API_URL": fake.url, "PORT": str(port),
               "DATABASE_URL": f"sqlite:///{tmp_path / 'crm.db'}", "CRM_ENCRYPTION_KEY": "k" * 32}
        done = run([], env=env, cwd=tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert said(done) == [f"Settings: PORT: cannot listen on port {port} (Address already in use); "
                          f"give a free port from 1 to 65535."]


def test_the_years_at_the_edges_are_taken(tmp_path):
    env = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_API_URL": "http://127.0.0.1:9/api/",
           "DATABASE_URL": f"sqlite:///{tmp_path / 'crm.db'}"}
    for now in ("2000-01-01T00:00:00+14:00", "2099-12-31T23:59:59-12:00"):
        done = run(["jobs", "--once", "--now", now], env=env, cwd=tmp_path)
        assert done.returncode == 0 and '"queued": 0' in done.stdout, done.stderr
    for period in ("2000-01", "2099-12", "2000-W01", "2099-W53"):
        done = run(["report", "--period", period, "--now", "2099-12-31T23:59:59-12:00", "--lang", "en"], env=env, cwd=tmp_path)
        assert done.returncode == 0 and done.stdout.startswith("\ufefffigure,period value"), done.stderr
