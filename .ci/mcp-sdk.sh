#!/usr/bin/env bash
# Installs the official MCP Python SDK that zoho-server's MCP tests connect with, into a venv.
# Usage: bash .ci/mcp-sdk.sh   (the venv is $ZOHO_MCP_VENV, default target/mcp-venv)
# Idempotent: a venv that already holds the pinned version is left as it is.
set -euo pipefail

MCP_VERSION="2.3.0"
cd "$(dirname "$0")/.."
venv="${ZOHO_MCP_VENV:-target/mcp-venv}"
python="$venv/bin/python"

if [ -x "$python" ] && "$python" -c "import importlib.metadata as m, sys; sys.exit(m.version('mcp') != '$MCP_VERSION')" 2>/dev/null; then
    echo "mcp-sdk: mcp $MCP_VERSION already in $venv"
    exit 0
fi

python3 -c 'import sys; sys.exit(sys.version_info < (3, 10))' || {
    echo "mcp-sdk: the MCP SDK needs Python 3.10 or newer; python3 is $(python3 --version 2>&1)" >&2
    exit 1
}
python3 -m venv "$venv"
"$python" -m pip install --quiet --disable-pip-version-check "mcp==$MCP_VERSION"
echo "mcp-sdk: mcp $MCP_VERSION installed in $venv"
