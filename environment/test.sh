#!/usr/bin/env bash
# The test command: installs what the tests need (as root or with sudo), then runs the whole suite.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash environment/setup.sh --all
export DJL_OFFLINE=true
mvn -B test
if [ -x environment/check-notebooks.sh ]; then
  bash environment/check-notebooks.sh --preset ci
fi
