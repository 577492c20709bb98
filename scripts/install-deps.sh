#!/usr/bin/env bash
# Installs the Debian 12 packages the build, the app and the tests need; does nothing when all are there.
set -euo pipefail
packages=(
    qt6-base-dev qt6-base-dev-tools libqt6sql6-sqlite libqt6sql6-psql qt6-httpserver-dev
    qt6-websockets-dev qt6-l10n-tools qt6-tools-dev qt6-tools-dev-tools qtkeychain-qt6-dev libgl-dev
    libcrypt-dev libsqlite3-dev libmimalloc-dev libsimdjson-dev cmake ninja-build g++ dpkg-dev xvfb xauth dbus dbus-x11 gnome-keyring
    libsecret-tools postgresql sqlite3 imagemagick clang-format libqt6svg6
    desktop-file-utils appstream librsvg2-bin
)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "Installing: ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
