#!/usr/bin/env bash
# Installs the bot into a virtualenv, as the Dockerfile does: exactly the locked, hashed packages
# of requirements.lock, then the project itself without resolving anything more.
#   deploy/install.sh /opt/venv        (default: ./.venv-run)
# Safe to run again: an existing venv is reused, the locked packages are already there, and the
# project is reinstalled from this checkout (an upgrade).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
venv="${1:-$root/.venv-run}"
python="${PYTHON:-python3}"

"$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  || { echo "deploy/install.sh: need Python 3.11 or newer ($python is $("$python" --version 2>&1))" >&2; exit 1; }
[ -x "$venv/bin/python" ] || "$python" -m venv "$venv"
pip=("$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input)
"${pip[@]}" --require-hashes -r "$root/requirements.lock"
"${pip[@]}" --no-deps --force-reinstall "$root"
"$venv/bin/python" -c 'import bot.app, store.migrate' 
echo "installed into $venv: $("$venv/bin/python" -m pip show crm-slack 2>/dev/null | sed -n 's/^Version: /crm-slack /p')"
