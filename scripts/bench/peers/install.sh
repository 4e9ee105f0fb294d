#!/usr/bin/env bash
# Installs the peer queues that scripts/bench/peers/*.ts measure. Each peer folder
# (plainjob, liteque, bunqueue) has its own package.json and lock file, so the peers'
# node_modules stay apart from the repository's and none of them becomes a dependency
# of autocron. A folder with a lock file is installed with `npm ci`, one without it
# with `npm install`, which writes the lock file.
#
# The repository's own dependencies are installed first when they are missing: the
# peer scripts run through its tsx, bun and deno packages, and plainjob on Node uses
# its better-sqlite3.
#
# liteque's better-sqlite3 11.9.1 first tries to download a prebuilt binary from GitHub.
# Where that fails, it compiles from source, which took about 1.5 minutes on 2 cores.
#
# Usage: scripts/bench/peers/install.sh
set -euo pipefail

peers_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_dir="$(cd "$peers_dir/../../.." && pwd)"

install_folder() {
  local dir="$1"
  echo "== installing ${dir#"$repo_dir"/}"
  if [ -f "$dir/package-lock.json" ]; then
    (cd "$dir" && npm ci)
  else
    (cd "$dir" && npm install)
  fi
}

if [ ! -d "$repo_dir/node_modules/better-sqlite3" ] || [ ! -x "$repo_dir/node_modules/.bin/tsx" ]; then
  echo "== installing the repository's dependencies"
  (cd "$repo_dir" && npm ci)
fi

for peer in plainjob liteque bunqueue; do
  install_folder "$peers_dir/$peer"
done
