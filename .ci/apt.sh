#!/usr/bin/env bash
# Install what building zmq_cffi on CPython and PyPy needs, plus the Debian packages given as
# arguments, where not installed yet (sudo when not root; nothing missing, no apt-get run).
# Shared by setup.sh and packaging.sh.
#
#   bash .ci/apt.sh [more packages...]
set -euo pipefail
need_apt=()
for pkg in libzmq3-dev pkg-config pypy3 pypy3-dev gcc "$@"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need_apt+=("$pkg")
done
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "apt: installing ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
