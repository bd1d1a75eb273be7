#!/usr/bin/env bash
# One entry point for a fresh Debian/Ubuntu machine: installs the system packages,
# a virtual environment in .venv with the locked Python packages, then either
# starts the station app in demo mode ("run") or runs the whole test suite ("test").
set -euo pipefail
cd "$(dirname "$0")/.."

SYSTEM_PACKAGES=(
  python3 python3-venv python3-dev
  libzbar0                                  # pyzbar's decoder
  fonts-wqy-zenhei fonts-droid-fallback     # TrueType CJK fonts (screens, tickets, PDFs)
  libgl1 libegl1 libglib2.0-0 libfontconfig1 libdbus-1-3 libxkbcommon0 libxkbcommon-x11-0
  libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0
  libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1   # Qt's xcb platform
  xvfb xauth                                # a screen for machines without one
  poppler-utils                             # pdftotext / pdftoppm (PDF checks)
  socat                                     # pseudo-terminal pairs for serial tests
  chromium                                  # the browser tests of the bureau's web pages
)

install_system_packages() {
  local missing=()
  for p in "${SYSTEM_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "Installing system packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

install_python_packages() {
  [ -x .venv/bin/python ] || python3 -m venv .venv
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -r requirements.lock
  .venv/bin/python -m pip install -q --no-deps -e .
}

install_system_packages
install_python_packages

case "${1:-run}" in
  run)
    shift || true
    exec .venv/bin/vaxdesk demo "$@"
    ;;
  test)
    shift || true
    .venv/bin/ruff check .
    .venv/bin/ruff format --check .
    .venv/bin/mypy
    QT_QPA_PLATFORM=offscreen exec .venv/bin/python -m pytest "$@"
    ;;
  *)
    echo "usage: scripts/setup.sh [run|test] [args...]" >&2
    exit 2
    ;;
esac
