#!/usr/bin/env bash
# Installs the real kubernetes-mcp-server (npm package kubernetes-mcp-server-linux-amd64, a static
# binary) into a cache dir, for tests/test_mcp_kubernetes.py; nothing downloads at test time.
# Prints the binary's path. Idempotent: an installed binary is kept.
#   bash scripts/install-mcp-server.sh            # -> ~/.cache/holmes-nb/kubernetes-mcp-server-0.0.67/...
set -euo pipefail
VERSION=${K8S_MCP_VERSION:-0.0.67}
PKG=kubernetes-mcp-server-linux-amd64
DIR=${HOLMES_NB_MCP_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/holmes-nb}/kubernetes-mcp-server-$VERSION
BIN=$DIR/package/bin/$PKG
if [ ! -x "$BIN" ]; then
  command -v npm >/dev/null || { echo "install-mcp-server: npm is needed (apt-get install npm)" >&2; exit 1; }
  mkdir -p "$DIR"
  tgz=$(cd "$DIR" && npm pack --silent "$PKG@$VERSION" | tail -1)
  tar -xzf "$DIR/$tgz" -C "$DIR"
  rm -f "$DIR/$tgz"
  chmod +x "$BIN"
fi
"$BIN" --version >/dev/null
echo "$BIN"
