"""compose.yaml and the Dockerfile say what README's Deploy section promises. No Docker engine runs
here, so the compose file is read as YAML (and by `docker compose config` when a client is there)."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


def compose() -> dict:
    return yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))


def bots(doc: dict) -> dict[str, dict]:
    return {name: svc for name, svc in doc["services"].items() if name.startswith("bot")}


def test_postgres_15_with_a_healthcheck_and_a_volume():
    pg = compose()["services"]["postgres"]
    assert pg["image"] == "postgres:15"
    assert "pg_isready" in " ".join(pg["healthcheck"]["test"])
    assert any(v.endswith(":/var/lib/postgresql/data") for v in pg["volumes"])
    assert pg["env_file"] == ".env"


def test_two_replicas_in_http_mode_each_on_its_own_port():
    replicas = bots(compose())
    assert len(replicas) == 2
    host_ports = [svc["ports"][0].split(":")[0] for svc in replicas.values()]
    assert len(set(host_ports)) == 2, host_ports
    for name, svc in replicas.items():
        assert svc["ports"][0].endswith(":3000"), name
        assert svc["environment"]["PORT"] == "3000"
        assert svc["env_file"] == ".env", name
        assert "SLACK_APP_TOKEN" not in svc["environment"], "HTTP mode: no app token"
        assert svc["environment"]["DATABASE_URL"].startswith("postgresql+psycopg://crm:${POSTGRES_PASSWORD")
        assert "@postgres:5432/crm" in svc["environment"]["DATABASE_URL"]


def test_each_replica_waits_for_a_healthy_database_and_has_its_own_healthcheck():
    for name, svc in bots(compose()).items():
        assert svc["depends_on"] == {"postgres": {"condition": "service_healthy"}}, name
        check = " ".join(svc["healthcheck"]["test"])
        assert "http://127.0.0.1:3000/readyz" in check, name
        # SIGTERM's drain (10 s) fits in the grace period before SIGKILL
        assert int(svc["stop_grace_period"].rstrip("s")) > 10


def test_no_secret_is_written_in_the_compose_file():
    text = (ROOT / "compose.yaml").read_text()
    for needle in ("xoxb-", "xapp-", "SLACK_SIGNING_SECRET=", "CRM_ENCRYPTION_KEY="):
        assert needle not in text
    example = (ROOT / "deploy" / "env.example").read_text()
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "CRM_ENCRYPTION_KEY", "POSTGRES_PASSWORD"):
        assert f"\n{name}=" in example, name


def test_dockerfile_runs_install_script_as_a_non_root_user_with_a_chinese_font():
    lines = [line.strip() for line in (ROOT / "Dockerfile").read_text().splitlines()]
    assert lines[next(i for i, l in enumerate(lines) if l.startswith("FROM"))] == "FROM python:3.11-slim"
    text = "\n".join(lines)
    assert "fonts-wqy-microhei" in text
    assert "RUN deploy/install.sh /opt/venv" in text
    users = [l for l in lines if l.startswith("USER ")]
    assert users and users[-1] != "USER root"
    assert text.index(users[-1]) > text.index("RUN deploy/install.sh")
    health = text[text.index("HEALTHCHECK"):]
    assert "/healthz" in health.split("CMD", 1)[1].splitlines()[0]
    assert lines[-1] == 'CMD ["python", "-m", "bot"]'


def test_dockerfile_copies_everything_install_script_needs():
    text = (ROOT / "Dockerfile").read_text()
    copied = {part for line in text.splitlines() if line.startswith("COPY") for part in line.split()[1:-1]}
    for needed in ("requirements.lock", "pyproject.toml", "bot", "handlers", "store", "deploy/install.sh"):
        assert needed in copied, needed


def _compose_client() -> list[str] | None:
    if shutil.which("docker") and subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        return ["docker", "compose"]
    return ["docker-compose"] if shutil.which("docker-compose") else None


def test_docker_compose_config_accepts_the_file(tmp_path):
    client = _compose_client()
    if client is None:
        pytest.skip("neither `docker compose` nor `docker-compose` is installed: the YAML tests above stand in")
    (tmp_path / ".env").write_text((ROOT / "deploy" / "env.example").read_text().replace("=...", "=x"))
    shutil.copy(ROOT / "compose.yaml", tmp_path / "compose.yaml")
    done = subprocess.run([*client, "-f", str(tmp_path / "compose.yaml"), "--project-directory", str(tmp_path), "config"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    resolved = yaml.safe_load(done.stdout)
    assert set(resolved["services"]) == {"postgres", "bot-1", "bot-2"}
    assert resolved["services"]["bot-1"]["environment"]["DATABASE_URL"] == "postgresql+psycopg://crm:x@postgres:5432/crm"


def test_a_started_bot_has_not_loaded_the_chart_libraries():
    """matplotlib and numpy (160 MB with Pillow and fontTools) load when a chart is first drawn."""
    code = ("import sys\nfrom slack_bolt import App\nimport bot.__main__, bot.app, bot.scheduler, bot.shutdown\n"
            "from bot.alerts import alert_kinds\nfrom bot.listeners import register\n"
            "app = App(token='xoxb-x', signing_secret='s', token_verification_enabled=False)\nregister(app)\nalert_kinds()\n"
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'matplotlib', 'numpy', 'PIL', 'fontTools'}))\n"
            "import handlers.digests.charts\nprint('matplotlib' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:2] == ["[]", "True"]  # and the check can see it when it is loaded
