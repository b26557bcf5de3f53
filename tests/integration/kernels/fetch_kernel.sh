#!/usr/bin/env bash
# Fetches one Debian kernel package for the QEMU tests and extracts it into a cache; prints the directory.
#   bash fetch_kernel.sh 6.1    newest linux-image-6.1.0-*-amd64 of bookworm / bookworm-security
#   bash fetch_kernel.sh 6.12   newest linux-image-6.12.*-amd64 of bookworm-backports
# Rules:
# - "Newest" is the kernel that Debian's own metapackage linux-image-amd64 points at in those suites (what
#   `apt-get upgrade` gives a Debian 12 user). Versions are not pinned: Debian drops superseded kernel
#   ABIs from the archive, so a pinned version would stop downloading after a few months.
# - Once fetched, a kernel is reused from the cache with no network access. CALLSCOPE_KERNEL_REFRESH=1
#   looks for a newer one (and keeps the cached one if the archive cannot be reached).
# - The system's apt configuration is not changed: a private one (sources list, lists, cache, empty dpkg
#   status) lives in the cache. Its mirrors are the ones the system already uses for bookworm and
#   bookworm-security (bookworm-backports comes from the bookworm mirror).
# - Nothing is installed: `apt-get download` + `dpkg -x`, then `depmod` inside the extracted tree.
# Output (stdout, one line): the kernel's directory, holding vmlinuz, release (uname -r), package
# (name=version) and root/ (the extracted package, with lib/modules/RELEASE/modules.dep).
# Env: CALLSCOPE_KERNEL_CACHE (default /var/cache/callscope-kernels), CALLSCOPE_KERNEL_REFRESH=1.
set -euo pipefail

LABEL="${1:-}"
CACHE="${CALLSCOPE_KERNEL_CACHE:-/var/cache/callscope-kernels}"
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg

log() { echo "[fetch_kernel $LABEL] $*" >&2; }
die() {
  echo "[fetch_kernel $LABEL] ERROR: $*" >&2
  exit 1
}

case "$LABEL" in
  6.1) SUITES_RE='^bookworm(-security)?$' ;;
  6.12) SUITES_RE='^bookworm-backports$' ;;
  *) die "usage: bash $0 6.1|6.12" ;;
esac
[ "$(id -u)" -eq 0 ] || die "run as root (apt-get download keeps its state under $CACHE)"
for tool in apt-get apt-cache dpkg depmod; do
  command -v "$tool" >/dev/null || die "$tool missing (run scripts/install-deps.sh)"
done

KDIR="$CACHE/$LABEL"
mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
flock 9

if [ -f "$KDIR/ready" ] && [ "${CALLSCOPE_KERNEL_REFRESH:-0}" != 1 ]; then
  log "cached: $(cat "$KDIR/package") (CALLSCOPE_KERNEL_REFRESH=1 looks for a newer one)"
  echo "$KDIR"
  exit 0
fi

# --- private apt configuration -----------------------------------------------------------------------
APTDIR="$CACHE/apt"
mkdir -p "$APTDIR/lists/partial" "$APTDIR/archives/partial" "$APTDIR/sources.list.d" "$APTDIR/preferences.d"
: >"$APTDIR/status"
: >"$APTDIR/preferences"
APT_OPTS=(
  -o "Dir::Etc::SourceList=$APTDIR/sources.list"
  -o "Dir::Etc::SourceParts=$APTDIR/sources.list.d"
  -o "Dir::Etc::Preferences=$APTDIR/preferences"
  -o "Dir::Etc::PreferencesParts=$APTDIR/preferences.d"
  -o "Dir::State::Lists=$APTDIR/lists"
  -o "Dir::State::status=$APTDIR/status"
  -o "Dir::Cache=$APTDIR"
  -o "Dir::Cache::archives=$APTDIR/archives"
  -o "APT::Architectures::=amd64"
  -o "Acquire::Languages=none"
  -o "Acquire::Retries=3"
)

# The mirror the system's own apt configuration uses for a suite (first match; works before any update).
system_mirror() {
  # shellcheck disable=SC2016 # $(...) are apt's own format fields
  apt-get indextargets --no-release-info --format '$(RELEASE) $(REPO_URI)' 2>/dev/null | awk -v s="$1" '$1 == s { print $2; exit }'
}

fallback_to_cache() {
  if [ -f "$KDIR/ready" ]; then
    log "WARNING: $1; keeping the cached $(cat "$KDIR/package")"
    echo "$KDIR"
    exit 0
  fi
  die "$1"
}

DEBIAN_URI="$(system_mirror bookworm)"
SECURITY_URI="$(system_mirror bookworm-security)"
[ -n "$DEBIAN_URI" ] || fallback_to_cache "the system's apt sources have no 'bookworm' suite to take the Debian mirror from"
{
  echo "deb [signed-by=$KEYRING] $DEBIAN_URI bookworm main"
  [ -z "$SECURITY_URI" ] || echo "deb [signed-by=$KEYRING] $SECURITY_URI bookworm-security main"
  echo "deb [signed-by=$KEYRING] $DEBIAN_URI bookworm-backports main"
} >"$APTDIR/sources.list"

log "apt-get update (private lists in $APTDIR)"
if ! apt-get "${APT_OPTS[@]}" -qq update >"$APTDIR/update.log" 2>&1; then
  cat "$APTDIR/update.log" >&2
  fallback_to_cache "apt-get update of the private sources failed"
fi

# The newest linux-image-amd64 of the wanted suites, then the kernel package it depends on.
META_VERSION="$(apt-cache "${APT_OPTS[@]}" madison linux-image-amd64 |
  awk -F'|' -v re="$SUITES_RE" -v want="$LABEL." '{
      gsub(/ /, "", $2); split($3, f, " "); split(f[2], s, "/")
      if (s[1] ~ re && index($2, want) == 1) print $2 }' | sort -V | tail -n 1)"
[ -n "$META_VERSION" ] || fallback_to_cache "no linux-image-amd64 $LABEL.* in suites matching $SUITES_RE"
PKG="$(apt-cache "${APT_OPTS[@]}" show "linux-image-amd64=$META_VERSION" |
  sed -n 's/^Depends: .*\(linux-image-[0-9][^ ,]*-amd64\) (= \([^)]*\)).*/\1=\2/p' | head -n 1)"
[ -n "$PKG" ] || fallback_to_cache "cannot read the kernel package of linux-image-amd64=$META_VERSION"

if [ -f "$KDIR/ready" ] && [ "$(cat "$KDIR/package")" = "$PKG" ]; then
  log "cached $PKG is the newest"
  echo "$KDIR"
  exit 0
fi

# --- download and extract into a fresh directory, then swap it in --------------------------------------
NEW="$CACHE/.new-$LABEL"
rm -rf "$NEW"
mkdir -p "$NEW/download"
# apt downloads as the unprivileged _apt user when it can write there.
if id _apt >/dev/null 2>&1; then chown _apt "$NEW/download"; fi
log "downloading $PKG"
(cd "$NEW/download" && apt-get "${APT_OPTS[@]}" -qq download "$PKG") ||
  fallback_to_cache "apt-get download $PKG failed"
DEB="$(ls "$NEW"/download/*.deb)"
dpkg -x "$DEB" "$NEW/root"

MODDIR=""
for d in "$NEW"/root/lib/modules/*/ "$NEW"/root/usr/lib/modules/*/; do
  [ -d "$d" ] && MODDIR="$d" && break
done
[ -n "$MODDIR" ] || die "$PKG has no lib/modules/<release>/"
RELEASE="$(basename "$MODDIR")"
if [ ! -e "$NEW/root/lib/modules" ]; then # merged-/usr package: depmod -b looks under lib/modules
  mkdir -p "$NEW/root/lib"
  ln -s ../usr/lib/modules "$NEW/root/lib/modules"
fi
VMLINUZ="$NEW/root/boot/vmlinuz-$RELEASE"
[ -f "$VMLINUZ" ] || die "$PKG has no boot/vmlinuz-$RELEASE"
depmod -b "$NEW/root" "$RELEASE"
ln -s "root/boot/vmlinuz-$RELEASE" "$NEW/vmlinuz"
echo "$RELEASE" >"$NEW/release"
echo "$PKG" >"$NEW/package"
rm -rf "$NEW/download" # the extracted tree is all the tests need
touch "$NEW/ready"

rm -rf "$KDIR"
mv "$NEW" "$KDIR"
log "ready: $PKG (kernel $RELEASE) in $KDIR"
echo "$KDIR"
