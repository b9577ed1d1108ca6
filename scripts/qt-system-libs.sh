#!/usr/bin/env bash
# Check the Debian/Ubuntu libraries Qt (PySide6) needs; install the missing ones when run as
# root, otherwise print the exact apt-get command. Usage: qt-system-libs.sh [offscreen|x11|xvfb]
# offscreen: tests and --self-test; x11: a window on a real X display; xvfb: x11 plus the virtual
# display used to build and screenshot the app.
# One dpkg-query call answers for every package (about 10 ms); apt-cache, which takes most of
# a second, is only asked when glib is missing under both of its names.
set -euo pipefail
mode="${1:-offscreen}"
if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "qt-system-libs: not a Debian-based system; make sure Qt's EGL/GL/fontconfig/xkbcommon libraries are installed."
  exit 0
fi
pkgs=(libegl1 libgl1 libfontconfig1 libfreetype6 libxkbcommon0 libdbus-1-3 libx11-6 fonts-dejavu-core)
if [ "$mode" = "x11" ] || [ "$mode" = "xvfb" ]; then
  pkgs+=(libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0 libxcb-image0 libxcb-render-util0
         libxcb-shape0 libxcb-randr0 libxcb-xfixes0 libxcb-xkb1 libxkbcommon-x11-0 libxcb-xinerama0)
fi
if [ "$mode" = "xvfb" ]; then
  pkgs+=(xvfb xauth)
fi
# Installed packages among the ones we ask about ("ii" = wanted install, installed).
# dpkg-query exits 1 when it knows some name not at all, which is an answer here, not an error.
installed=" $({ dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' "${pkgs[@]}" libglib2.0-0 libglib2.0-0t64 \
  2>/dev/null || true; } | awk '$1 == "ii" { printf "%s ", $2 }') "
missing=()
for p in "${pkgs[@]}"; do
  [[ "$installed" == *" $p "* ]] || missing+=("$p")
done
if [[ "$installed" != *" libglib2.0-0 "* && "$installed" != *" libglib2.0-0t64 "* ]]; then
  glib=libglib2.0-0
  if apt-cache show libglib2.0-0t64 >/dev/null 2>&1 && ! apt-cache show libglib2.0-0 >/dev/null 2>&1; then
    glib=libglib2.0-0t64   # Debian 13 / Ubuntu 24.04 renamed it
  fi
  missing+=("$glib")
fi
if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -eq 0 ]; then
  echo "qt-system-libs: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "qt-system-libs: Qt needs these system packages; install them with:"
  echo "  sudo apt-get install -y ${missing[*]}"
  exit 1
fi
