#!/usr/bin/env bash
# Build the standalone app; hide the two known-harmless warnings (the GTK3 platform theme
# plugin we drop from the bundle anyway). KMEANS_ONEFILE=1 builds a single file.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
.venv/bin/pyinstaller --noconfirm --log-level WARN build_app.spec 2>&1 | { grep -v -E "libqgtk3|Ignoring icon" || true; }
out=dist/kmeans-gui
[ "${KMEANS_ONEFILE:-0}" = "1" ] && out=dist/kmeans-gui-onefile
echo "built $out in $(( $(date +%s) - start )) s, $(du -sh "$out" | cut -f1)"
app="dist/K-Means Image Compressor.app"   # macOS only (build_app.spec's BUNDLE)
if [ -d "$app" ] && [ "${KMEANS_ONEFILE:-0}" != "1" ]; then
  echo "and $app, $(du -sh "$app" | cut -f1)"
fi
