#!/usr/bin/env bash
# The second README command: install what is missing, build, and run the whole test suite with what
# the tests need around them: a session D-Bus with an unlocked gnome-keyring (the real keychain) and a
# throwaway PostgreSQL server on loopback. Both are stopped on any exit.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build}
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh" "$@"

work=$(mktemp -d /tmp/pds-test.XXXXXX)
chmod 755 "$work" # the postgres user must reach its data folder inside
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
pgdir="$work/pg"
cleanup() {
    if [ -f "$pgdir/data/postmaster.pid" ]; then
        as_pg "$pgbin/pg_ctl" -D "$pgdir/data" -m immediate stop >/dev/null 2>&1 || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT INT TERM
# initdb refuses to run as root: run the server as postgres when we are root.
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
mkdir -p "$pgdir"
[ "$(id -u)" -eq 0 ] && chown postgres: "$pgdir"
as_pg "$pgbin/initdb" -D "$pgdir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
# A free port: nothing answers on it (bash's /dev/tcp needs no extra tool). Another process may
# take it between the check and the server's start (seen once): three tries, each failed one
# showing the end of the server's log.
started=0
for _ in 1 2 3; do
    port=0
    for _ in $(seq 50); do
        candidate=$((20000 + RANDOM % 30000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$candidate") 2>/dev/null; then port=$candidate; break; fi
    done
    if as_pg "$pgbin/pg_ctl" -D "$pgdir/data" -l "$pgdir/log" -w \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $pgdir -c fsync=off -c full_page_writes=off" start >/dev/null; then
        started=1
        break
    fi
    tail -n 5 "$pgdir/log" >&2 || true
done
[ "$started" -eq 1 ] || { echo "PostgreSQL did not start (three tries)" >&2; exit 1; }
export PDS_TEST_PG_HOST=127.0.0.1 PDS_TEST_PG_PORT=$port PDS_TEST_PG_USER=postgres
export PDS_TEST_PGBIN=$pgbin PDS_TEST_PGDATA=$pgdir/data

# A throwaway HOME: the keyring file lives there, and no test touches the real user's settings.
export HOME="$work/home" XDG_RUNTIME_DIR="$work/run" XDG_CONFIG_HOME="$work/home/.config" XDG_DATA_HOME="$work/home/.local/share"
mkdir -p "$HOME" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"
export QT_QPA_PLATFORM=offscreen
cd "$build"
dbus-run-session -- bash -c '
    echo -n pds-test-keyring | gnome-keyring-daemon --unlock --components=secrets >/dev/null
    ctest --output-on-failure --timeout 600 ${CTEST_ARGS:-}
'

# The sanitizer step (.ci/run sets PDS_SANITIZER_STEP=1): the sync, undo and mapping tests once more,
# built with AddressSanitizer and UndefinedBehaviorSanitizer (PDS_SANITIZE) in a build folder of
# their own, only those targets. Any report fails the step (UBSan halts on the first).
if [ "${PDS_SANITIZER_STEP:-0}" = 1 ]; then
    sanitized="tst_syncengine tst_linkharvest tst_undo tst_resilience tst_mapping tst_json tst_texttools tst_passwordhash"
    asan_build=${ASAN_BUILD_DIR:-$root/build-asan}
    started=$SECONDS
    BUILD_DIR=$asan_build TARGETS="$sanitized" "$root/scripts/build.sh" -DPDS_SANITIZE=ON
    built=$SECONDS
    cd "$asan_build"
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        ctest --output-on-failure --timeout 900 -R "^($(echo "$sanitized" | tr ' ' '|'))\$"
    echo "sanitizer step: build $((built - started)) s, tests $((SECONDS - built)) s"
fi
