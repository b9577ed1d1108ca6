#!/usr/bin/env bash
# User-level desktop integration: menu entry, "Open with", icons. No root needed.
# Uses the built app (dist/kmeans-gui/kmeans-gui) if present, else the .venv launcher.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"
if [ -x "$root/dist/kmeans-gui/kmeans-gui" ]; then
  exe="$root/dist/kmeans-gui/kmeans-gui"
else
  exe="$root/.venv/bin/kmeans-gui"
fi
apps="${XDG_DATA_HOME:-$HOME/.local/share}/applications"
icons="${XDG_DATA_HOME:-$HOME/.local/share}/icons/hicolor"
mkdir -p "$apps"
sed -e "s|^Exec=.*|Exec=\"$exe\" %F|" -e "s|^TryExec=.*|TryExec=$exe|" resources/kmeans-gui.desktop > "$apps/kmeans-gui.desktop"
for s in 16 24 32 48 64 128 256 512; do
  mkdir -p "$icons/${s}x${s}/apps"
  cp "resources/icons/kmeans-gui-$s.png" "$icons/${s}x${s}/apps/kmeans-gui.png"
done
mkdir -p "$icons/scalable/apps"
cp resources/icons/kmeans-gui.svg "$icons/scalable/apps/kmeans-gui.svg"
command -v update-desktop-database >/dev/null && update-desktop-database -q "$apps" || true
command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q -t "$icons" || true
echo "Installed $apps/kmeans-gui.desktop (runs $exe)"
