#!/usr/bin/env bash
# Refresh the English translation of the desk app after changing its strings:
#   1. pyside6-lupdate collects every self.tr()/QCoreApplication.translate() source string
#      (Traditional Chinese) from station_app/ into vaxdesk_en.ts (new ones "unfinished");
#   2. translate the unfinished entries (pyside6-linguist, or edit the XML);
#   3. pyside6-lrelease compiles vaxdesk_en.qm, which the app loads at start.
# tests/station_app/test_app_shell.py fails while an entry is unfinished or the .qm is stale.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=.venv/bin
mapfile -t SOURCES < <(find station_app -name '*.py' -not -path '*/store/*' | sort)
"$BIN/pyside6-lupdate" "${SOURCES[@]}" -ts resources/i18n/vaxdesk_en.ts \
  -source-language zh_TW -target-language en -no-obsolete -locations none
"$BIN/pyside6-lrelease" resources/i18n/vaxdesk_en.ts -qm resources/i18n/vaxdesk_en.qm
