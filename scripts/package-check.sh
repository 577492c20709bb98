#!/usr/bin/env bash
# CI's packaging step, after scripts/test.sh: validates the desktop file and the AppStream metainfo,
# builds the .deb with cpack in the build folder, checks its contents and its Depends, unpacks it
# into a scratch folder and runs pipedrive-sync-cli --version from there. Uses build/ (or
# $BUILD_DIR) as scripts/test.sh left it, so only the packaging itself takes time.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build}
started=$(date +%s)
app_id=com.wendellcrm.PipedriveSync
version=$(sed -n 's/^project(PipedriveSync VERSION \([0-9.]*\).*/\1/p' "$root/CMakeLists.txt")

"$root/scripts/install-deps.sh"
"$root/scripts/build.sh" >/dev/null # up to date after the tests: cpack's preinstall builds the rest

scratch=$(mktemp -d /tmp/pds-package.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
fail() { echo "package-check: $*" >&2; exit 1; }

echo "== desktop file and AppStream metainfo (sources)"
desktop-file-validate "$root/resources/pipedrive-sync.desktop"
appstreamcli validate --no-net "$root/packaging/$app_id.metainfo.xml"

echo "== cpack -G DEB"
rm -f "$build"/pipedrive-sync_*.deb
if ! (cd "$build" && cpack -G DEB >"$scratch/cpack.log" 2>&1); then
    cat "$scratch/cpack.log" >&2
    fail "cpack failed"
fi
deb=$(ls "$build"/pipedrive-sync_"$version"_*.deb) || fail "no pipedrive-sync_${version}_*.deb"
dpkg-deb --field "$deb" Package Version Installed-Size Depends Recommends

# Depends: computed from the binaries (dpkg-shlibdeps) plus the Qt plugins; every entry must
# name a package this machine has (the one the binaries were built and linked against).
depends=$(dpkg-deb --field "$deb" Depends)
for lib in libqt6core6 libqt6gui6 libqt6widgets6 libqt6network6 libqt6sql6 libqt6keychain1 \
    libqt6sql6-sqlite libqt6sql6-psql; do
    grep -q "\b$lib\b" <<<"$depends" || fail "Depends lacks $lib: $depends"
done
IFS=',' read -ra entries <<<"$depends"
for entry in "${entries[@]}"; do
    found=0
    IFS='|' read -ra alternatives <<<"$entry"
    for alternative in "${alternatives[@]}"; do
        name=$(sed 's/(.*)//; s/[[:space:]]//g' <<<"$alternative")
        dpkg-query -W -f='${Status}' "$name" 2>/dev/null | grep -q "install ok installed" && found=1
    done
    [ $found -eq 1 ] || fail "no package here satisfies '$entry'"
done

echo "== contents"
dpkg-deb --contents "$deb" | awk '{print $6}' >"$scratch/contents"
for path in usr/bin/pipedrive-sync usr/bin/pipedrive-sync-cli \
    "usr/share/applications/$app_id.desktop" "usr/share/metainfo/$app_id.metainfo.xml" \
    usr/share/icons/hicolor/scalable/apps/pipedrive-sync.svg \
    usr/lib/systemd/user/pipedrive-sync.service usr/lib/systemd/user/pipedrive-sync.timer \
    usr/share/doc/pipedrive-sync/README.md; do
    grep -qx "\./$path" "$scratch/contents" || fail "the package lacks /$path"
done
for size in 16 22 24 32 48 64 128 256; do
    grep -qx "\./usr/share/icons/hicolor/${size}x${size}/apps/pipedrive-sync.png" "$scratch/contents" \
        || fail "the package lacks the ${size}x${size} icon"
done

echo "== unpacked into a scratch folder"
unpacked="$scratch/root"
dpkg-deb -x "$deb" "$unpacked"
for size in 16 48 256; do
    png="$unpacked/usr/share/icons/hicolor/${size}x${size}/apps/pipedrive-sync.png"
    [ "$(identify -format '%wx%h' "$png")" = "${size}x${size}" ] || fail "$png is not ${size}x${size}"
done
desktop-file-validate "$unpacked/usr/share/applications/$app_id.desktop"
appstreamcli validate --no-net "$unpacked/usr/share/metainfo/$app_id.metainfo.xml"
for binary in pipedrive-sync pipedrive-sync-cli; do
    if ldd "$unpacked/usr/bin/$binary" | grep -q "not found"; then
        ldd "$unpacked/usr/bin/$binary" >&2
        fail "$binary misses libraries"
    fi
done
answer=$("$unpacked/usr/bin/pipedrive-sync-cli" --version)
echo "$answer"
[ "$answer" = "pipedrive-sync $version" ] || fail "--version said '$answer', not 'pipedrive-sync $version'"

# The user units, as systemd reads them (ExecStart pointed at the unpacked CLI: systemd looks for
# executables in /usr/bin, where the package is not installed here).
if command -v systemd-analyze >/dev/null; then
    units="$scratch/units"
    mkdir -p "$units" "$scratch/run"
    chmod 700 "$scratch/run"
    cp "$unpacked"/usr/lib/systemd/user/pipedrive-sync.{service,timer} "$units/"
    sed -i "s|^ExecStart=pipedrive-sync-cli |ExecStart=$unpacked/usr/bin/pipedrive-sync-cli |" \
        "$units/pipedrive-sync.service"
    # Valid units verify silently; systemd only warns about settings it ignores: fail on any word.
    complaints=$(XDG_RUNTIME_DIR="$scratch/run" systemd-analyze verify --user \
        "$units/pipedrive-sync.service" "$units/pipedrive-sync.timer" 2>&1) || fail "$complaints"
    [ -z "$complaints" ] || fail "systemd-analyze verify: $complaints"
    echo "systemd user units verified"
fi

echo "== package check passed in $(($(date +%s) - started)) s: $(basename "$deb")"
