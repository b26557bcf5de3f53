#!/usr/bin/env bash
# Installs every build, test and demo dependency of callscope from Debian packages.
# Safe to run repeatedly. Needs root (apt-get): re-runs itself under sudo when started by another user.
set -euo pipefail
source "$(cd "$(dirname "$0")" && pwd)/lib/as_root.sh"
cs_as_root "$0" "$@"

export DEBIAN_FRONTEND=noninteractive

# Build: compiler chain for BPF (clang/llvm), libbpf + bpftool for skeletons, libelf/zlib (libbpf deps),
# CMake, the C++ libraries the agent links; libclang-rt-dev: clang's ASan/UBSan/libFuzzer runtimes for the
# sanitizer stage and scripts/fuzz.sh (clang only recommends it).
BUILD_PKGS=(
  build-essential cmake pkg-config
  clang llvm libclang-rt-dev
  libbpf-dev bpftool libelf-dev zlib1g-dev
  libcapstone-dev libdw-dev
  libboost-program-options-dev libspdlog-dev libfmt-dev
  rapidjson-dev
  libprotobuf-dev protobuf-compiler libcurl4-openssl-dev libmicrohttpd-dev
  libgtest-dev libgmock-dev googletest libbenchmark-dev
)
# Tests, demo and benchmarks: real servers and clients.
TEST_PKGS=(
  python3 python3-flask python3-requests gunicorn
  nginx-light curl wrk nghttp2-client redis-server redis-tools
  iproute2 procps psmisc time
  python3-aiohttp python3-uvloop nodejs nftables
  golang-go
  prometheus tmux
)
# Data-store tests (tests/integration/test_{redis,postgres,mariadb,memcached,flask_db_chain}.sh): the servers
# (each test starts its own in a temp dir), psycopg 3 (extended query protocol), redis-py, and DBD::MariaDB
# (server-side prepared statements).
DB_TEST_PKGS=(
  postgresql mariadb-server mariadb-client memcached
  python3-psycopg python3-redis libdbd-mariadb-perl
)
# Kernel tests (tests/integration/test_kernel_*.sh): QEMU boots Debian's kernels with a busybox initramfs;
# kmod resolves the modules it loads, cpio/xz-utils build it, the keyring checks the kernels' apt sources.
KERNEL_TEST_PKGS=(
  qemu-system-x86 busybox-static cpio kmod xz-utils debian-archive-keyring
)

missing=()
for p in "${BUILD_PKGS[@]}" "${TEST_PKGS[@]}" "${DB_TEST_PKGS[@]}" "${KERNEL_TEST_PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "install-deps.sh: installing ${missing[*]}"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The OTLP test receiver (tests/integration/otlp) decodes with the official OpenTelemetry schema from npm,
# pinned in its package-lock.json (npm comes with the nodejs package of this machine's image).
OTLP_RECEIVER="$(cd "$(dirname "$0")/.." && pwd)/tests/integration/otlp"
if [ ! -d "$OTLP_RECEIVER/node_modules/@opentelemetry/otlp-transformer" ]; then
  # Debian's own nodejs ships npm separately; this machine's image has it inside nodejs.
  command -v npm >/dev/null || apt-get install -y --no-install-recommends npm \
    || { echo "install-deps.sh: npm missing and 'apt-get install npm' failed" >&2; exit 1; }
  echo "install-deps.sh: npm ci in $OTLP_RECEIVER"
  (cd "$OTLP_RECEIVER" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
fi

# Debian starts nginx/redis/postgresql/mariadb/memcached from their packages; our tests start their own
# instances on private ports, so stop the packaged services to keep the machine quiet (ignore failures:
# no systemd in containers).
for svc in nginx redis-server postgresql mariadb memcached prometheus; do
  (service "$svc" stop >/dev/null 2>&1 || true)
done
echo "install-deps.sh: all dependencies present"
