"""Benchmark (not a test): how long `python -m bot` takes to answer on its port and to serve Slack,
and how much memory it holds once idle, against a bare Bolt app served the same way in the same run.

    .venv/bin/python -m tests.bench_start [--idle 20] [--runs 3]
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/test]

Each run starts a process against the fake Slack and a fresh database (a temporary SQLite file,
or a schema of its own on PostgreSQL, dropped afterwards; migrated beforehand, so the time is the
start, not the first migration) and times two moments, each in wall time and in the CPU time the
process had used by then (the steadier figure when other work shares the machine):
  port answering  `/healthz` answers 200 (the bot listens before it loads the app: bot/front.py);
  ready           the first signed Slack request (a url_verification event, sent as soon as the
                  port answers) is answered, correctly, by the app: the bot holds it until loaded.
The bare app is ready when its port answers. Then it waits `--idle` seconds after ready and reads
VmRSS and which heavy libraries with a compiled part are mapped (/proc/<pid>/maps; the pure-Python
ones are checked by tests/test_light_start.py).

Bytecode: the image (Dockerfile) installs the package with pip, which compiles every module; a
checkout run with PYTHONDONTWRITEBYTECODE=1 (as this machine's shell sets) would compile all of the
project's ~250 modules at every start instead. The project is compiled first (compileall, into its
own __pycache__ folders, which git ignores), so each start reads bytecode as the image does.
`--no-bytecode` removes those folders instead and writes none (a checkout whose modules were never compiled).
"""
from __future__ import annotations

import argparse
import compileall
import hashlib
import hmac
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from tests.fake_slack import FakeSlack
from tests.scratch import ScratchDatabase

ROOT = Path(__file__).resolve().parent.parent
BARE = """
import os
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from waitress import serve
app = App(token="xoxb-bare", signing_secret="s" * 32, token_verification_enabled=False)
handler = SlackRequestHandler(app)
def wsgi(environ, start_response):
    if environ["PATH_INFO"] == "/healthz":
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]
    return handler(environ, start_response)
serve(wsgi, host="127.0.0.1", port=int(os.environ["PORT"]), _quiet=True)
"""
# a file each of these maps once imported: none should be while idle
HEAVY_MAPPED = {"matplotlib": "matplotlib", "numpy": "numpy", "Pillow": "/PIL/", "dateparser's regex": "_regex",
                "cryptography": "cryptography", "PyYAML": "_yaml"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _answering(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
            return r.status == 200
    except OSError:
        return False


def _signed_challenge(port: int, secret: str) -> None:
    """A signed url_verification event, as Slack sends when the request URL is set; waits for the
    answer and checks it is the app's (the challenge echoed)."""
    body = json.dumps({"token": "bench", "challenge": "bench-challenge", "type": "url_verification"}).encode()
    ts = str(int(time.time()))
    signature = "v0=" + hmac.new(secret.encode(), f"v0:{ts}:".encode() + body, hashlib.sha256).hexdigest()
    request = urllib.request.Request(f"http://127.0.0.1:{port}/slack/events", data=body, method="POST", headers={
        "Content-Type": "application/json", "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature})
    with urllib.request.urlopen(request, timeout=60) as r:
        answer = r.read()
    if r.status != 200 or json.loads(answer).get("challenge") != "bench-challenge":
        raise SystemExit(f"the first signed request was answered {r.status} {answer[:200]!r}")


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used (all its threads): steadier than wall time on a shared machine."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _mapped(pid: int) -> set[str]:
    maps = Path(f"/proc/{pid}/maps").read_text()
    return {name for name, part in HEAVY_MAPPED.items() if part in maps}


def measure(argv: list[str], env: dict, idle: float) -> tuple[float, float, set[str], float, float, float]:
    """(seconds until /healthz answers, RSS MB `idle` s after ready, heavy libraries mapped then, CPU
    seconds used until /healthz answered, seconds until ready, CPU seconds until ready)."""
    port = _free_port()
    started = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=ROOT, env={**env, "PORT": str(port)}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        while not _answering(port):
            if proc.poll() is not None:
                raise SystemExit(f"{argv} exited: {proc.stderr.read().decode()[-2000:]}")
            threading.Event().wait(0.01)
        answering, cpu = time.perf_counter() - started, _cpu_seconds(proc.pid)
        _signed_challenge(port, env["SLACK_SIGNING_SECRET"])
        ready, ready_cpu = time.perf_counter() - started, _cpu_seconds(proc.pid)
        threading.Event().wait(idle)
        return answering, _rss_mb(proc.pid), _mapped(proc.pid), cpu, ready, ready_cpu
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--idle", type=float, default=20.0)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database-url")
    parser.add_argument("--no-bytecode", action="store_true", help="compile the project at every start (no .pyc)")
    args = parser.parse_args()
    for package in ("bot", "handlers", "store"):
        if args.no_bytecode:  # as a checkout that never wrote any: the starts below write none either
            for cache in (ROOT / package).rglob("__pycache__"):
                shutil.rmtree(cache)
        else:
            compileall.compile_dir(ROOT / package, quiet=1)
    fake = FakeSlack().start()
    scratch = ScratchDatabase(args.database_url)
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL", "CRM_"))}
    env = {**clean, "PYTHONPATH": str(ROOT), "DATABASE_URL": scratch.url, "SLACK_BOT_TOKEN": "xoxb-test",
           "SLACK_SIGNING_SECRET": "s" * 32, "SLACK_API_URL": fake.url, "CRM_ENCRYPTION_KEY": "bench-encryption-key-0123456789-abcdef",
           **({"PYTHONDONTWRITEBYTECODE": "1"} if args.no_bytecode else {})}
    try:
        subprocess.run([sys.executable, "-m", "bot", "migrate"], cwd=ROOT, env=env, check=True, capture_output=True)
        bot, bare = [], []
        for _ in range(args.runs):  # alternated, so both see the same load on a shared machine
            bot.append(measure([sys.executable, "-m", "bot"], env, args.idle))
            bare.append(measure([sys.executable, "-c", BARE], env, args.idle))
    finally:
        fake.stop()
        scratch.drop()
    best = lambda runs, i: min(r[i] for r in runs)  # noqa: E731 - the least disturbed run on a shared machine
    every = lambda runs, i, f: ", ".join(format(r[i], f) for r in runs)  # noqa: E731
    kind = "PostgreSQL" if args.database_url else "SQLite"
    print(f"{kind}: runs: {args.runs} each, idle {args.idle:g} s after ready; "
          f"{'no bytecode' if args.no_bytecode else 'bytecode compiled beforehand'}; best of the runs (the machine is shared)")
    print(f"cold start to port answering (/healthz 200): figure {best(bot, 0):.2f} s, floor (bare Bolt + waitress) {best(bare, 0):.2f} s, "
          f"ratio {best(bot, 0) / best(bare, 0):.1f}x (target <= 0.6 s); every run: {every(bot, 0, '.2f')} vs {every(bare, 0, '.2f')}")
    print(f"  CPU time until then: figure {best(bot, 3):.2f} s, floor {best(bare, 3):.2f} s, ratio "
          f"{best(bot, 3) / best(bare, 3):.1f}x; every run: {every(bot, 3, '.2f')} vs {every(bare, 3, '.2f')}")
    print(f"cold start to ready (first signed request served by the app): figure {best(bot, 4):.2f} s, floor {best(bare, 4):.2f} s, "
          f"ratio {best(bot, 4) / best(bare, 4):.1f}x; every run: {every(bot, 4, '.2f')} vs {every(bare, 4, '.2f')}")
    print(f"  CPU time until then: figure {best(bot, 5):.2f} s, floor {best(bare, 5):.2f} s, ratio "
          f"{best(bot, 5) / best(bare, 5):.1f}x; every run: {every(bot, 5, '.2f')} vs {every(bare, 5, '.2f')}")
    print(f"idle RSS ({args.idle:g} s after ready): figure {best(bot, 1):.0f} MB, floor {best(bare, 1):.0f} MB, ratio {best(bot, 1) / best(bare, 1):.1f}x "
          f"(target <= 90 MB); every run: {every(bot, 1, '.0f')} vs {every(bare, 1, '.0f')}")
    mapped = set().union(*(r[2] for r in bot))
    print(f"heavy libraries mapped while idle: {', '.join(sorted(mapped)) or 'none'} (of {', '.join(HEAVY_MAPPED)})")


if __name__ == "__main__":
    main()
