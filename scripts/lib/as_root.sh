# Root for the scripts that need it (install packages, load BPF programs). Source it, then call
#   cs_as_root "$0" "$@"
# - Already root (e.g. a fresh container, where sudo is usually not installed): returns at once.
# - Not root, sudo installed: re-runs the script under sudo with the same arguments and the callscope
#   variables below (sudo may ask for a password), so `scripts/test.sh` works as typed for both.
# - Not root, no sudo: exits 1 saying how to get a root shell.
# The variables kept across sudo (sudo resets the environment):
CS_AS_ROOT_KEEP=(BUILD_DIR BUILD_TYPE CMAKE_ARGS CTEST_ARGS JOBS SAN_BUILD_DIR FUZZ_SECONDS SANITIZER_STAGE
  DEMO_A_PORT DEMO_B_PORT DEMO_SKIP_BUILD
  SOAK_MINUTES SOAK_INTERVAL SOAK_WARMUP SOAK_MAX_GROWTH_MB SOAK_PORTS)

cs_as_root() {
  local script name
  script="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"
  shift
  name="$(basename "$script")"
  [ "$(id -u)" -eq 0 ] && return 0
  if [ -n "${CS_AS_ROOT_REEXEC:-}" ]; then
    echo "$name: still not root after sudo (uid $(id -u)); run it from a root shell" >&2
    exit 1
  fi
  if ! command -v sudo >/dev/null 2>&1; then
    echo "$name: needs root (packages, BPF programs) and sudo is not installed:" \
      "run it from a root shell (su -, or docker exec -u 0)" >&2
    exit 1
  fi
  local v keep=(CS_AS_ROOT_REEXEC=1)
  for v in "${CS_AS_ROOT_KEEP[@]}"; do
    if [ -n "${!v+set}" ]; then keep+=("$v=${!v}"); fi
  done
  echo "$name: not root; re-running under sudo" >&2
  exec sudo -- env "${keep[@]}" bash "$script" "$@"
}
