#!/usr/bin/env bash
# Installs what the peers section of `cargo xtask bench` runs: Zoho's official Python and Node
# SDKs (pinned, by .ci/sdks.sh, into target/sdks/) and axios (pinned) into target/sdks/axios/.
# Safe to run again: what is installed is kept. Exits non-zero, naming what is missing, on failure.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash .ci/sdks.sh
axios="axios@1.7.9"
dir="target/sdks/axios"
if [ ! -f "$dir/node_modules/axios/package.json" ]; then
    command -v npm >/dev/null || { echo "npm is needed for axios (Debian: apt-get install npm)" >&2; exit 1; }
    mkdir -p "$dir"
    (cd "$dir" && npm install --silent --no-audit --no-fund --no-save --no-package-lock "$axios")
fi
echo "axios in $dir: $(node -p "require('./$dir/node_modules/axios/package.json').version")"
