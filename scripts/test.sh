#!/usr/bin/env bash
# The whole zdp test suite on a fresh Debian 12 machine (as root):
# installs packages, builds (warnings are errors), runs unit tests under
# ASan/UBSan, fuzz smoke passes, and black-box tests against real Linux peers
# in network namespaces. Ends with `N passed, N failed, N skipped`.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
out=${ZDP_TEST_OUT:-$root/build-test-results}
rm -rf "$out" && mkdir -p "$out"
start=$(date +%s)

step() { printf '\n=== %s (%ss)\n' "$*" "$(($(date +%s) - start))"; }

step "dependencies"
scripts/install-deps.sh || { echo "0 passed, 1 failed"; exit 1; }
scripts/setup-hugepages.sh 1024

step "build (release, -Werror)"
scripts/build.sh build --buildtype=debugoptimized || { echo "0 passed, 1 failed"; exit 1; }
step "build (ASan + UBSan, -Werror)"
scripts/build.sh build-asan --buildtype=debug -Db_lundef=false -Db_lto=false -Dsanitizers=true ||
	{ echo "0 passed, 1 failed"; exit 1; }

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

step "unit tests (ASan + UBSan)"
meson test -C build-asan --suite unit --print-errorlogs --num-processes 2 \
	--timeout-multiplier 3 --logbase unitlog >"$out/unit.log" 2>&1
rm -f build-asan/meson-logs/unitlog.json.prev
tail -n 25 "$out/unit.log"
summary=(--meson "build-asan/meson-logs/unitlog.json:unit (ASan+UBSan)")

step "fuzz smoke (ASan + UBSan)"
rm -f build-asan/meson-logs/fuzzlog.json
meson test -C build-asan --suite fuzz --print-errorlogs --logbase fuzzlog \
	>"$out/fuzz.log" 2>&1
tail -n 12 "$out/fuzz.log"
[ -s build-asan/meson-logs/fuzzlog.json ] &&
	summary+=(--meson "build-asan/meson-logs/fuzzlog.json:fuzz smoke")

export ZDP_BUILD_DIR=$root/build
for d in tests/integration tests/tcp tests/crypto; do
	ls "$d"/test_*.py >/dev/null 2>&1 || continue
	name=$(basename "$d")
	step "black-box tests: $d"
	timeout 1200 /usr/bin/python3 -m pytest -q -p no:cacheprovider \
		--junitxml="$out/$name.xml" "$d" 2>&1 | tail -n 30
	summary+=(--junit "$out/$name.xml:pytest $name")
done

step "summary"
echo "total time $(($(date +%s) - start))s"
/usr/bin/python3 tests/summarize.py "${summary[@]}"
