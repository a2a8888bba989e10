#!/usr/bin/env bash
# Set up the environment and run the School demonstration (extra arguments go to the demo,
# e.g. --splits 2 for a quick look).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_env.sh plot
exec .venv/bin/python -m mtlearn.demo "$@"
