#!/usr/bin/env bash
# Executes every notebook headless and looks at it the way a person would:
#   1. runs notebooks/NN-*.ipynb with the permerge-java kernel (environment/run_notebook.py; Jupyter
#      state kept in build/), retrying
#      only on the kernel's known start-up hang ("Kernel didn't respond");
#   2. checks the executed copies: no error output, the expectations the notebooks declare
#      (environment/check_notebook_outputs.py);
#   3. exports each to HTML, opens it in headless Chromium: every Plotly figure drawn (js-plotly-plot
#      with main-svg inside), no "Uncaught" script error; saves a screenshot next to the HTML.
# Prints each notebook's peak RSS (the kernel's VmHWM plus the client's, run_notebook.py); with --preset mini
# a notebook over the Binder budget (2048 MiB for the Jupyter server and the kernel together) fails.
# Outputs: results/notebooks/NN-name.{ipynb,html,png} (and .dom.html, .console.txt for diagnosis).
# Usage: environment/check-notebooks.sh [--preset ci|mini] [--out DIR] [--no-browser] [NAME ...]
#   NAME: notebook names or prefixes (e.g. 01) to run only some.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
preset=ci; out="$ROOT/results/notebooks"; browser=1; only=()
while [ $# -gt 0 ]; do
  case "$1" in
    --preset) preset="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --no-browser) browser=0; shift ;;
    -h|--help) sed -n 2,15p "$0"; exit 0 ;;
    -*) echo "check-notebooks: unknown option $1" >&2; exit 2 ;;
    *) only+=("$1"); shift ;;
  esac
done
case "$preset" in ci|mini) ;; *) echo "check-notebooks: --preset must be ci or mini, got $preset" >&2; exit 2 ;; esac

PY=/usr/bin/python3
"$PY" -c 'import nbconvert, nbclient, nbformat' 2>/dev/null || {
  echo "check-notebooks: $PY lacks nbconvert/nbclient/nbformat; run: sudo bash environment/setup.sh --notebooks" >&2; exit 1; }

# Jupyter state and the kernelspec live in the build folder, never in $HOME.
J="$ROOT/build/jupyter"
export JUPYTER_DATA_DIR="$J/data" JUPYTER_CONFIG_DIR="$J/config" JUPYTER_RUNTIME_DIR="$J/runtime"
export JUPYTER_PLATFORM_DIRS=1 PYDEVD_DISABLE_FILE_VALIDATION=1
mkdir -p "$JUPYTER_DATA_DIR" "$JUPYTER_CONFIG_DIR" "$JUPYTER_RUNTIME_DIR" "$out"
export DJL_CACHE_DIR="${DJL_CACHE_DIR:-$ROOT/.cache/djl}"
bash "$ROOT/environment/install-kernel.sh"
export PERMERGE_PRESET="$preset"
if [ "$preset" = mini ]; then
  # as on Binder (postBuild): the mini corpora (2 x 2000 clips) are generated before a kernel starts; generating
  # them inside a notebook takes more than the kernel's 1 GB heap
  for d in speech music; do
    [ -s "$ROOT/.cache/corpora/$d/manifest.jsonl" ] || "$ROOT/permerge" corpus --domain "$d" >&2
  done
fi

chrome=""
if [ $browser = 1 ]; then
  for c in chromium chromium-browser google-chrome; do command -v "$c" >/dev/null 2>&1 && { chrome="$c"; break; }; done
  [ -n "$chrome" ] || { echo "check-notebooks: no chromium; run: sudo bash environment/setup.sh --browser (or pass --no-browser)" >&2; exit 1; }
fi
chrome_run() {  # chrome_run <profile dir> <args...>
  local profile="$1"; shift
  timeout 120 "$chrome" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync --disable-dev-shm-usage \
    --hide-scrollbars --user-data-dir="$profile" "$@"
}

notebooks=()
for f in "$ROOT"/notebooks/[0-9][0-9]-*.ipynb; do
  [ -e "$f" ] || continue
  name="$(basename "$f" .ipynb)"
  if [ ${#only[@]} -gt 0 ]; then
    keep=0; for o in "${only[@]}"; do [[ "$name" == "$o"* ]] && keep=1; done
    [ $keep = 1 ] || continue
  fi
  notebooks+=("$f")
done
[ ${#notebooks[@]} -gt 0 ] || { echo "check-notebooks: no notebooks matched" >&2; exit 1; }

# The committed notebooks carry no outputs.
"$PY" "$ROOT/environment/check_notebook_outputs.py" --sources "${notebooks[@]}"

failed=(); t_all=$(date +%s)
rss_limit=(); [ "$preset" = mini ] && rss_limit=(--max-rss-mib "${PERMERGE_RSS_BUDGET_MIB:-2048}")
for f in "${notebooks[@]}"; do
  name="$(basename "$f" .ipynb)"; t0=$(date +%s)
  log="$out/$name.log"; ok=0
  # A notebook's own outputs (Project.results: results/notebooks/<name>/, e.g. 03's cli-merge folder) are
  # removed first: commands refuse to overwrite a non-empty output, and a rerun must not see stale files.
  rm -rf "$ROOT/results/notebooks/$name" "$out/$name.ipynb" "$out/$name.html" "$out/$name.png"
  # run_notebook.py waits for the kernel's sockets before talking to it (the start-up race); a start
  # that still hangs never answers, so a short startup timeout and a retry beat waiting longer
  for attempt in 1 2 3 4; do
    rc=0
    "$PY" "$ROOT/environment/run_notebook.py" "$f" "$out/$name.ipynb" \
        --startup-timeout "${PERMERGE_KERNEL_STARTUP:-20}" --timeout "${PERMERGE_CELL_TIMEOUT:-1200}" \
        ${rss_limit[@]+"${rss_limit[@]}"} >"$log" 2>&1 || rc=$?
    if [ $rc = 0 ]; then ok=1; break; fi
    if [ $rc = 3 ] && grep -q "Kernel didn't respond" "$log"; then
      echo "check-notebooks: $name: kernel did not respond (attempt $attempt), retrying" >&2
      continue
    fi
    break
  done
  grep -h "peak RSS" "$log" | sed 's/^run_notebook/check-notebooks/' >&2 || true
  if [ $ok != 1 ]; then
    echo "check-notebooks: $name: execution failed (see $log):" >&2; tail -5 "$log" >&2
    failed+=("$name"); continue
  fi
  if ! "$PY" "$ROOT/environment/check_notebook_outputs.py" "$out/$name.ipynb"; then
    failed+=("$name"); continue
  fi
  "$PY" -m nbconvert --to html --output-dir "$out" --output "$name.html" "$out/$name.ipynb" >>"$log" 2>&1 || {
    echo "check-notebooks: $name: HTML export failed (see $log)" >&2; failed+=("$name"); continue; }
  if [ $browser = 1 ]; then
    profile="$(mktemp -d)"
    chrome_run "$profile" --virtual-time-budget=15000 --dump-dom --enable-logging=stderr --v=0 \
      "file://$out/$name.html" >"$out/$name.dom.html" 2>"$out/$name.console.txt" || true
    rm -rf "$profile"; profile="$(mktemp -d)"
    chrome_run "$profile" --virtual-time-budget=15000 --window-size=1200,4000 \
      --screenshot="$out/$name.png" "file://$out/$name.html" >>"$log" 2>&1 || true
    rm -rf "$profile"
    if ! "$PY" "$ROOT/environment/check_notebook_outputs.py" --rendered "$out/$name.dom.html" \
         --console "$out/$name.console.txt" --html "$out/$name.html"; then
      failed+=("$name"); continue
    fi
    [ -s "$out/$name.png" ] || { echo "check-notebooks: $name: no screenshot" >&2; failed+=("$name"); continue; }
    rm -f "$out/$name.dom.html"
  fi
  echo "check-notebooks: $name ok ($(( $(date +%s) - t0 )) s)" >&2
done
echo "check-notebooks: ${#notebooks[@]} notebook(s), preset $preset, $(( $(date +%s) - t_all )) s; results in $out" >&2
if [ ${#failed[@]} -gt 0 ]; then
  echo "check-notebooks: FAILED: ${failed[*]}" >&2; exit 1
fi
