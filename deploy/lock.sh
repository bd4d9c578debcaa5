#!/usr/bin/env bash
# Refreshes the hashed locks from pyproject.toml's bounds: requirements.lock (what the image and
# deploy/install.sh install) and requirements-test.lock (the same plus the test extras, for .ci/run).
# For Python 3.11 on Linux, whatever machine runs it. Needs uv (`pip install uv`); pass
# `--upgrade` to move every pin to the newest release the bounds allow, or
# `--upgrade-package NAME` for one.
set -euo pipefail
cd "$(dirname "$0")/.."
common=(--generate-hashes --python-version 3.11 --python-platform linux --no-emit-package crm-slack "$@")
uv pip compile pyproject.toml "${common[@]}" -o requirements.lock
# the test lock is held to the runtime pins, so the tests run what the image runs
uv pip compile pyproject.toml --extra test -c requirements.lock "${common[@]}" -o requirements-test.lock
