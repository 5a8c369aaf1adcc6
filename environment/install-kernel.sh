#!/usr/bin/env bash
# Installs the Jupyter kernelspec "permerge-java": the Java kernel rapaio-jupyter-kernel (fetched from
# Maven Central) with the permerge library jar and its dependencies on the notebook's classpath.
# Idempotent; needs java and mvn.
#
# Where the kernelspec goes (the first that applies):
#   --prefix DIR          DIR/share/jupyter/kernels/permerge-java (Binder: the environment's prefix)
#   $JUPYTER_DATA_DIR     $JUPYTER_DATA_DIR/kernels/permerge-java (tests and CI point it into build/)
#   otherwise             the user's default Jupyter data folder (`jupyter --data-dir`, ~/.local/share/jupyter)
# Options: --skip-build  do not (re)build the library jar (it must already exist)
# Environment read at install time and frozen into kernel.json:
#   DJL_CACHE_DIR (default <project>/.cache/djl), PERMERGE_KERNEL_XMX (default 1g: Binder gives a session 2 GB
#   for the Jupyter server and the kernel together, and libtorch's native memory comes on top of the heap; the
#   notebook check prints each notebook's peak RSS and fails a mini run over 2048 MiB)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RJK_VERSION=3.0.1
NAME=permerge-java
prefix=""; build=1
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix="$2"; shift 2 ;;
    --skip-build) build=0; shift ;;
    *) echo "usage: $0 [--prefix DIR] [--skip-build]" >&2; exit 2 ;;
  esac
done

for tool in java mvn; do
  command -v "$tool" >/dev/null 2>&1 || {
    echo "install-kernel: $tool not found; run: sudo bash environment/setup.sh --build" >&2; exit 1; }
done

# 1. The kernel jar, through Maven (~/.m2 is the download cache), copied into the project's cache.
KDIR="$ROOT/.cache/kernel"
KJAR="$KDIR/rapaio-jupyter-kernel-$RJK_VERSION.jar"
if [ ! -s "$KJAR" ]; then
  echo "install-kernel: fetching io.github.padreati:rapaio-jupyter-kernel:$RJK_VERSION" >&2
  mkdir -p "$KDIR"
  mvn -q -B -f "$ROOT/environment/kernel/pom.xml" dependency:copy-dependencies \
      -DexcludeTransitive=true -DoutputDirectory="$KDIR" -Drjk.version="$RJK_VERSION" >&2
  [ -s "$KJAR" ] || { echo "install-kernel: $KJAR was not produced by Maven" >&2; exit 1; }
fi

# 2. The library jar and its runtime dependencies (lib/target/permerge-lib.jar, lib/target/dependency/).
JAR="$ROOT/lib/target/permerge-lib.jar"
DEPS="$ROOT/lib/target/dependency"
if [ $build = 1 ]; then
  if [ ! -f "$JAR" ] || [ ! -d "$DEPS" ] || \
     [ -n "$(find "$ROOT/lib/src/main" "$ROOT/lib/pom.xml" "$ROOT/pom.xml" -newer "$JAR" -print -quit 2>/dev/null)" ]; then
    echo "install-kernel: building the library (mvn package)" >&2
    (cd "$ROOT" && mvn -q -B -DskipTests -pl lib package >&2)   # the kernel needs the library only, not spark/
  fi
fi
[ -f "$JAR" ] || { echo "install-kernel: $JAR is missing (build with: mvn -B -DskipTests -pl lib package)" >&2; exit 1; }

# 3. The kernelspec.
if [ -n "$prefix" ]; then
  data_dir="$prefix/share/jupyter"
elif [ -n "${JUPYTER_DATA_DIR:-}" ]; then
  data_dir="$JUPYTER_DATA_DIR"
elif command -v jupyter >/dev/null 2>&1; then
  data_dir="$(jupyter --data-dir)"
else
  data_dir="${XDG_DATA_HOME:-$HOME/.local/share}/jupyter"
fi
SPEC="$data_dir/kernels/$NAME"
mkdir -p "$SPEC"
java_bin="$(readlink -f "$(command -v java)")"
djl_cache="${DJL_CACHE_DIR:-$ROOT/.cache/djl}"
xmx="${PERMERGE_KERNEL_XMX:-1g}"

# rapaio's RJK_CLASSPATH separates entries with ';' (not ':') and expands globs.
classpath="$JAR;$DEPS/*.jar"

json_escape() { local s="${1//\\/\\\\}"; s="${s//\"/\\\"}"; printf '%s' "$s"; }
tmp="$(mktemp "$SPEC/.kernel.json.XXXXXX")"
cat > "$tmp" <<EOF
{
  "argv": [
    "$(json_escape "$java_bin")",
    "-Xmx$(json_escape "$xmx")",
    "-Dorg.slf4j.simpleLogger.log.ai.djl=error",
    "-jar", "$(json_escape "$KJAR")",
    "{connection_file}"
  ],
  "display_name": "Java (permerge)",
  "language": "java",
  "interrupt_mode": "message",
  "env": {
    "RJK_CLASSPATH": "$(json_escape "$classpath")",
    "RJK_MIMA_CACHE": "$(json_escape "$ROOT/.cache/kernel/mima_cache")",
    "DJL_OFFLINE": "true",
    "DJL_CACHE_DIR": "$(json_escape "$djl_cache")",
    "PERMERGE_HOME": "$(json_escape "$ROOT")"
  },
  "metadata": {"permerge": {"kernel": "io.github.padreati:rapaio-jupyter-kernel:$RJK_VERSION"}}
}
EOF
chmod 644 "$tmp"
mv -f "$tmp" "$SPEC/kernel.json"
echo "install-kernel: kernelspec $NAME -> $SPEC" >&2
