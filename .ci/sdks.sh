#!/usr/bin/env bash
# Installs Zoho's official SDKs (pinned) into target/sdks/, where the sandbox's tests look for them:
# the Python SDK into a virtual environment, the Node SDK into a node_modules folder. Safe to run
# again: an installed SDK is kept.
set -euo pipefail
cd "$(dirname "$0")/.."
root="target/sdks"
mkdir -p "$root"

python_sdk="zohocrmsdk8-0==7.0.0"
if ! "$root/python/bin/python" -c "import zohocrmsdk" 2>/dev/null; then
    python3 -m venv "$root/python"
    "$root/python/bin/pip" install --quiet --disable-pip-version-check "$python_sdk"
fi
echo "Zoho SDKs in $root: $("$root/python/bin/pip" list --disable-pip-version-check 2>/dev/null | grep -i zohocrmsdk)"

# The Node SDK pins its own dependencies exactly; no lock file of ours is needed.
node_sdk="@zohocrm/nodejs-sdk-8.0@2.0.0"
if [ ! -f "$root/node/node_modules/@zohocrm/nodejs-sdk-8.0/package.json" ]; then
    command -v npm >/dev/null || { echo "npm is needed for Zoho's Node SDK (Debian: apt-get install npm)" >&2; exit 1; }
    mkdir -p "$root/node"
    (cd "$root/node" && npm install --silent --no-audit --no-fund --no-save --no-package-lock "$node_sdk")
fi
echo "Zoho SDKs in $root: $node_sdk"
