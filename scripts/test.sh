#!/usr/bin/env bash
# Set up the environment and run the test suite (extra arguments go to pytest). The default run leaves out
# the tests marked slow (setup.cfg); `bash scripts/test.sh -m slow` runs those.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_env.sh test
exec .venv/bin/python -m pytest "$@"
