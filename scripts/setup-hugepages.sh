#!/usr/bin/env bash
# Best effort: reserve 2 MiB hugepages and mount hugetlbfs. zdp falls back to
# --no-huge by itself (and says so) when this is not possible.
pages=${1:-1024}
[ "$(id -u)" -eq 0 ] || { echo "hugepages: not root, zdp will use --no-huge"; exit 0; }
cur=$(awk '/HugePages_Total/ {print $2}' /proc/meminfo)
if [ "${cur:-0}" -lt "$pages" ]; then
	echo "$pages" > /proc/sys/vm/nr_hugepages 2>/dev/null || true
fi
if ! grep -q ' /dev/hugepages hugetlbfs ' /proc/mounts; then
	mkdir -p /dev/hugepages && mount -t hugetlbfs nodev /dev/hugepages 2>/dev/null || true
fi
echo "hugepages: $(awk '/HugePages_Free/ {print $2}' /proc/meminfo) free of $(awk '/HugePages_Total/ {print $2}' /proc/meminfo)"
