#!/usr/bin/env bash
# The test command: installs what the tests need (as root or with sudo), then runs the whole suite.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# tests and CI keep Jupyter state (the kernelspec included) inside the build folder, not in $HOME
export JUPYTER_DATA_DIR="$ROOT/build/jupyter/data" JUPYTER_CONFIG_DIR="$ROOT/build/jupyter/config" JUPYTER_RUNTIME_DIR="$ROOT/build/jupyter/runtime"
bash environment/setup.sh --all
export DJL_OFFLINE=true
mvn -B test
if [ -x environment/check-notebooks.sh ]; then
  bash environment/check-notebooks.sh --preset ci
fi
