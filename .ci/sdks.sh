#!/usr/bin/env bash
# Installs Zoho's official SDKs (pinned) into target/sdks/, where the sandbox's tests look for them:
# the Python SDK into a virtual environment. Safe to run again: an installed SDK is kept.
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
