#!/usr/bin/env bash
# Installs what permerge needs on Debian 12 / Ubuntu. Idempotent. Run as root (or with sudo).
#   --build     JDK 17 and Maven only
#   --audio     + espeak-ng, fluidsynth with the FluidR3 GM soundfont, sox (corpus synthesis)
#   --notebooks + Jupyter (Debian packages) and the permerge Java kernel
#   --browser   + headless Chromium (notebook rendering checks)
#   --all       everything (default)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
want_build=1; want_audio=0; want_nb=0; want_browser=0
case "${1:---all}" in
  --build) ;;
  --audio) want_audio=1 ;;
  --notebooks) want_audio=1; want_nb=1 ;;
  --browser) want_browser=1 ;;
  --all) want_audio=1; want_nb=1; want_browser=1 ;;
  *) echo "usage: $0 [--build|--audio|--notebooks|--browser|--all]" >&2; exit 2 ;;
esac

SUDO=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "setup: not root and no sudo; run as root: bash environment/setup.sh $*" >&2; exit 1; fi
fi

pkgs=()
missing() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed" || pkgs+=("$1"); }
[ $want_build = 1 ] && { missing openjdk-17-jdk-headless; missing maven; }
[ $want_audio = 1 ] && { missing espeak-ng; missing fluidsynth; missing fluid-soundfont-gm; missing sox; }
[ $want_nb = 1 ] && for p in jupyter-nbconvert python3-nbconvert python3-nbclient jupyter-client python3-ipykernel jupyter-core python3-nbformat; do missing $p; done
[ $want_browser = 1 ] && missing chromium
# openjdk may come from elsewhere (e.g. a JDK on PATH): only require the package when java is absent
if command -v java >/dev/null 2>&1; then pkgs=("${pkgs[@]/openjdk-17-jdk-headless}"); fi
if command -v mvn >/dev/null 2>&1; then pkgs=("${pkgs[@]/maven}"); fi
clean=(); for p in "${pkgs[@]}"; do [ -n "$p" ] && clean+=("$p"); done
if [ ${#clean[@]} -gt 0 ]; then
  echo "setup: installing ${clean[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${clean[@]}" >&2
fi
if [ $want_nb = 1 ] && [ -x "$ROOT/environment/install-kernel.sh" ]; then
  # the kernelspec belongs to the person who ran sudo, in their Jupyter data folder, not root's
  if [ "$(id -u)" = 0 ] && [ -n "${SUDO_USER:-}" ] && [ "$SUDO_USER" != root ]; then
    sudo -u "$SUDO_USER" -H bash "$ROOT/environment/install-kernel.sh"
  else
    bash "$ROOT/environment/install-kernel.sh"
  fi
fi
