"""A light start (issue 14): `python -m bot` on a database already at the code's head answers on its
port and runs its first tick without loading what only a migration, a chart, a rare date, a phone
number or a CLI command needs. Seen from outside, through the interpreter's own `-X importtime`
report of every module the process imported, read once the first tick has finished (/readyz)."""
from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request

from tests.bolt_server import SECRET
from tests.test_cli import run
from tests.test_run import _free_port
from tests.test_shutdown import env_for, start_bot, terminate

# each deferred to its first use; `regex` is dateparser's, Mako and Pygments are Alembic's; the `holidays`
# package (4.6 MB) is imported by a short-lived child process that answers the team's days off
# (store/holiday_days.py), and in the bot only for a 节后-style date
DEFERRED = ("matplotlib", "numpy", "PIL", "dateparser", "regex", "alembic", "mako", "pygments", "cryptography", "yaml",
            "tqdm", "handlers.digests.charts", "store.customer_import", "store.customer_export", "store.nps_import",
            "holidays")


def imported(importtime: str) -> set[str]:
    """The modules named in `-X importtime` lines ("import time: self | cumulative | name")."""
    return {line.rsplit("|", 1)[1].strip() for line in importtime.splitlines()
            if line.startswith("import time:") and line.count("|") == 2 and "[us]" not in line}


def loaded(names: set[str], package: str) -> list[str]:
    return sorted(n for n in names if n == package or n.startswith(package + "."))


def wait_ready(port: int, proc, err_file) -> dict:
    """/readyz's checks once it answers 200 (the database at head, auth.test done, a tick finished)."""
    deadline = time.monotonic() + 90
    checks: dict = {}
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"the bot exited: {err_file.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as r:
                return json.loads(r.read())["checks"]
        except urllib.error.HTTPError as e:
            checks = json.loads(e.read())["checks"]
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"/readyz not ready within 90 s: {checks}")


def test_an_idle_bot_has_not_loaded_what_it_defers(empty_database, fake, tmp_path):
    port = _free_port()
    env = env_for(empty_database, fake, port, SLACK_SIGNING_SECRET=SECRET,
                  CRM_MONTHLY_SUMMARY="09:00")  # the default: each tick asks whether today is a working day
    assert run(["migrate"], env=env, cwd=tmp_path).returncode == 0
    err_file = tmp_path / "stderr.txt"
    with err_file.open("w") as err:
        proc = start_bot(env, tmp_path, flags=("-X", "importtime"), stderr=err)
    try:
        checks = wait_ready(port, proc, err_file)
        names = imported(err_file.read_text())
    finally:
        terminate(proc, port)
    assert checks["migrations"]["ok"] and checks["scheduler"]["ok"], checks
    assert {"slack_bolt", "sqlalchemy", "apscheduler", "waitress", "bot.app", "store.holiday_days"} <= names  # the report is read
    assert {name: loaded(names, name) for name in DEFERRED if loaded(names, name)} == {}


def test_the_check_sees_a_module_loaded():
    """The same reading of `-X importtime` names dateparser when a process does load it."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", "import dateparser"], capture_output=True, text=True,
                          timeout=120, check=True)
    assert "dateparser.date" in loaded(imported(done.stderr), "dateparser")
