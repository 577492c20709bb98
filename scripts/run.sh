#!/usr/bin/env bash
# The first README command: install what is missing, build, start the desktop app.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh"
exec "${BUILD_DIR:-$root/build}/src/app/pipedrive-sync" "$@"
