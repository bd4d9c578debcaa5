"""The shape the code keeps (STYLE.md): no import inside a function except for a dependency that is
optional or heavy and loaded on first use, each listed here with its reason; import-linter's
contracts (.importlinter) pass; every feature package has one register(app)."""
from __future__ import annotations

import ast
import importlib
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "handlers", "store")

# (file, module imported inside a function): why it is not at the top
LOCAL_IMPORTS_ALLOWED = {
    ("bot/cli/serve.py", "slack_bolt.adapter.socket_mode"): "optional: Socket Mode only when SLACK_APP_TOKEN is set",
    ("bot/health.py", "prometheus_client"): "the metrics' wire format, only when /metrics is scraped",
    **{("store/migrate.py", m): "heavy (about 8 MB with Mako and Pygments): Alembic only when a database is behind the code"
       for m in ("alembic", "alembic.config")},
    **{("store/privacy.py", m): "heavy (about 7 MB): cryptography with the first phone or email sealed, opened or indexed"
       for m in ("cryptography.fernet", "cryptography.hazmat.primitives", "cryptography.hazmat.primitives.kdf.hkdf")},
    ("handlers/digests/messages.py", "handlers.digests.charts"): "optional and heavy: matplotlib loads with the first chart drawn",
    ("handlers/dates/fallback.py", "dateparser"): "heavy (about a second): loaded on first use or by warm()",
    ("handlers/dates/festivals.py", "holidays"): "optional and heavy: the public holidays, loaded on first use",
    ("handlers/dates/festivals.py", "holidays.registry"): "the same, with the package's import lock",
    ("store/holiday_days.py", "holidays.registry"): "heavy (about 4.6 MB for the process's life): the public holidays are"
                                                    " computed in a short-lived child, here only when loaded already or it fails",
}


def _local_imports() -> set[tuple[str, str]]:
    found = set()
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    for inner in ast.walk(node):
                        if isinstance(inner, ast.ImportFrom):
                            found.add((path.relative_to(ROOT).as_posix(), inner.module or ""))
                        elif isinstance(inner, ast.Import):
                            found.update((path.relative_to(ROOT).as_posix(), a.name) for a in inner.names)
    return found


def test_no_import_inside_a_function_but_the_listed_optional_ones():
    unexpected = sorted(_local_imports() - set(LOCAL_IMPORTS_ALLOWED))
    assert unexpected == [], "imports inside functions (move them to the top, or list them with a reason): " + repr(unexpected)


def test_every_listed_local_import_is_still_there():
    """An entry whose import moved to the top (or went) is taken off the list, so it names only what is deferred."""
    assert sorted(set(LOCAL_IMPORTS_ALLOWED) - _local_imports()) == []


def test_the_check_sees_a_function_local_import(tmp_path):
    """The AST walk above finds an import nested in a function (so the check can fail)."""
    tree = ast.parse("def f():\n    if True:\n        from handlers import blocks\n")
    nested = [n for f in ast.walk(tree) if isinstance(f, ast.FunctionDef) for n in ast.walk(f) if isinstance(n, ast.ImportFrom)]
    assert [n.module for n in nested] == ["handlers"]


def test_every_feature_package_has_one_register():
    from bot.listeners import FEATURES

    names = {f.__name__ for f in FEATURES}
    on_disk = {f"handlers.{p.name}" for p in (ROOT / "handlers").iterdir()
               if (p / "__init__.py").exists() and p.name not in ("dates", "texts", "delivery")}
    assert names == on_disk
    for name in names:
        assert callable(importlib.import_module(name).register)


def test_the_import_contracts_hold():
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert lint, "import-linter is in the test extras: pip install -e '.[test]'"
    done = subprocess.run([lint, "--config", str(ROOT / ".importlinter")], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and "0 broken" in done.stdout, done.stdout[-3000:]


def test_every_hook_has_a_provider_and_the_features_stay_independent_without_exceptions():
    """What features lend each other goes through Defaults.hooks, each slot filled by one feature
    (an unfilled one raises MissingHook when called); the independence contract ignores nothing."""
    from dataclasses import fields

    import pytest

    from bot.hooks import features_hooks
    from handlers.hooks import Hooks, MissingHook

    built = features_hooks()
    unfilled = [f.name for f in fields(Hooks) if callable(getattr(built, f.name))
                and getattr(getattr(built, f.name), "__qualname__", "") == "_missing.<locals>.call"]
    assert unfilled == []
    assert [part.name for part in built.card_parts] == ["health", "churn"]
    assert {"log", "new", "ticket"} <= set(built.subcommands)
    with pytest.raises(MissingHook, match="open_log"):
        Hooks().open_log(client=None)
    assert "ignore_imports" not in (ROOT / ".importlinter").read_text(encoding="utf-8")
