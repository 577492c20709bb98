#!/usr/bin/env bash
# Screenshots of the desktop app's main screens for the README: starts the fake Pipedrive server
# with generated data (some records malformed, so the Problems view has rows), then drives the
# real main window under Xvfb through a full sync into a temporary SQLite database and saves
#   docs/screenshots/{dashboard-syncing,dashboard,stats,problems,settings}.png
# and the same with -de in German (SCREENSHOT_LANGUAGES="en de" by default).
# Usage: scripts/screenshots.sh [output folder]    (BUILD_DIR as for build.sh)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build}
out=${1:-$root/docs/screenshots}
records=${SCREENSHOT_RECORDS:-3000}
languages=${SCREENSHOT_LANGUAGES:-en de}

TARGETS="app-screenshots fake-pipedrive" "$root/scripts/build.sh"
mkdir -p "$out"
work=$(mktemp -d /tmp/pds-screenshots.XXXXXX)
server_pid=
cleanup() {
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

# A throwaway HOME: nothing of the real user's settings is read or written.
export HOME="$work/home" XDG_CONFIG_HOME="$work/home/.config" XDG_DATA_HOME="$work/home/.local/share"
export XDG_RUNTIME_DIR="$work/run" LANG=C.UTF-8 LC_ALL=C.UTF-8
mkdir -p "$HOME" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"
unset PIPEDRIVE_API_TOKEN PIPEDRIVE_COMPANY_DOMAIN
export PDS_BCRYPT_COST=4 # users get random passwords: the default cost only costs time here
export QT_LOGGING_RULES="pds.*.debug=false"

token=screenshot-token
# Latency keeps the sync running long enough for the "during a sync" picture.
"$build/tests/support/fake-pipedrive" --records "$records" --seed 42 --token "$token" \
    --latency 40 --bad-records >"$work/server.log" 2>&1 &
server_pid=$!
url=
for _ in $(seq 100); do
    url=$(sed -n 's/^listening \(http:[^ ]*\).*/\1/p' "$work/server.log")
    [ -n "$url" ] && break
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
done
if [ -z "$url" ]; then
    echo "screenshots: the fake server did not start:" >&2
    cat "$work/server.log" >&2
    exit 1
fi

for language in $languages; do
    suffix=
    [ "$language" != en ] && suffix="-$language"
    shots="$work/shots-$language"
    mkdir -p "$shots"
    xvfb-run -a -s "-screen 0 1280x800x24" \
        "$build/tests/app/app-screenshots" --url "$url" --token "$token" --out "$shots" \
        --language "$language"
    for png in "$shots"/*.png; do
        name=$(basename "$png" .png)
        cp "$png" "$out/$name$suffix.png"
        echo "$out/$name$suffix.png"
    done
done
