#!/usr/bin/env bash
# README command 1: install, build and run the zdp demo (as root).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/setup-hugepages.sh 1024
scripts/build.sh build --buildtype=debugoptimized
exec /usr/bin/python3 scripts/demo.py
