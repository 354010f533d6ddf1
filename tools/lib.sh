# Shared by the tools/ scripts: dependency set-up and the build, each a no-op
# when already done.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${ONAIR_BUILD_DIR:-$ROOT/build}

say() { printf '==> %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    say "need root to run: $*"; return 1; fi
}

# Installs the Debian packages that are not installed yet.
ensure_packages() {
  local p cmd missing=()
  while read -r p cmd; do
    case "$p" in ''|'#'*) continue ;; esac
    [ -n "$cmd" ] && command -v "$cmd" >/dev/null && continue
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed' || missing+=("$p")
  done <"$ROOT/tools/debian-packages.txt"
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing Debian packages: ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# npm packages of one folder, installed exactly as locked.
ensure_npm() {
  local dir=$1
  if [ -d "$dir/node_modules" ] && [ "$dir/node_modules/.package-lock.json" -nt "$dir/package-lock.json" ]; then
    return 0
  fi
  say "installing npm packages in ${dir#"$ROOT"/}"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
}

setup() {
  ensure_packages
  ensure_npm "$ROOT/web"
  ensure_npm "$ROOT/tests/browser"
  ensure_npm "$ROOT/tests/manifests"
}

# Configures (once) and builds a build directory: build DIR [meson options...]
build() {
  local dir=$1
  shift
  if [ ! -f "$dir/build.ninja" ]; then
    say "configuring ${dir#"$ROOT"/}"
    meson setup "$dir" "$ROOT" "$@" >/dev/null
  fi
  say "building ${dir#"$ROOT"/}"
  meson compile -C "$dir" >/dev/null || meson compile -C "$dir"
}
