#!/usr/bin/env bash
# Put VaxDesk in the desktop menu of the current user: the desktop entry (pointing at
# this checkout's .venv, made by scripts/setup.sh) and its icon.
# Usage: installers/linux/install-desk.sh        (XDG_DATA_HOME is honoured)
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
vaxdesk="$repo/.venv/bin/vaxdesk"
if [ ! -x "$vaxdesk" ]; then
  echo "找不到 $vaxdesk，請先執行 scripts/setup.sh / run scripts/setup.sh first" >&2
  exit 2
fi
data="${XDG_DATA_HOME:-$HOME/.local/share}"
install -d "$data/applications" "$data/icons/hicolor/scalable/apps"
install -m 644 "$repo/resources/icons/vaxdesk.svg" "$data/icons/hicolor/scalable/apps/vaxdesk.svg"
sed "s|^Exec=vaxdesk |Exec=$vaxdesk |" "$repo/installers/linux/vaxdesk.desktop" \
  > "$data/applications/vaxdesk.desktop"
chmod 644 "$data/applications/vaxdesk.desktop"
echo "已安裝 / installed: $data/applications/vaxdesk.desktop"
