#!/usr/bin/env bash
# Prints the cache key of the listaudit build the action installs: the
# runner's platform and a hash of what the binary is built from, so that a
# new version is built once and then restored.
set -euo pipefail
root="${GITHUB_ACTION_PATH:-$(cd "$(dirname "$0")/.." && pwd)}"
cd "$root"
hash=$(
  { sha256sum Cargo.lock Cargo.toml; find src data templates docs -type f -print0 | sort -z | xargs -0 sha256sum; } \
    | sha256sum | cut -c1-32
)
echo "key=listaudit-${RUNNER_OS:-$(uname -s)}-$(uname -m)-$hash"
