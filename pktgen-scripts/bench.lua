-- SPDX-License-Identifier: BSD-3-Clause
-- bench.lua: the zdp fast-path benchmark matrix. For every VIP x flow set
-- x frame size (then IMIX), configure the TX port, run warmup + N seconds,
-- and print tx/rx packets per second; a CSV summary follows at the end.
--
--   ZDP_P0_MAC=... pktgen <EAL args> -- -P -m "[1:2].0, [3:4].1" \
--       -f pktgen-scripts/bench.lua
--
-- Selection (environment, comma-separated): ZDP_VIPS (tcp,udp,v6),
-- ZDP_FLOWS (1k,1m), ZDP_SIZES (64,512,1518), ZDP_IMIX (1; 0 = skip),
-- ZDP_SECS (10), ZDP_WARMUP (2), ZDP_RATE (100), ZDP_FLOW_ORDER
-- (sequential; random = UDP VIP only). README.md has the rest.

local function script_dir()
	local src = debug and debug.getinfo(1, "S").source or ""
	return src:match("^@(.*/)") or ((os.getenv("ZDP_PKTGEN_DIR") or "pktgen-scripts") .. "/")
end

local rig = dofile(script_dir() .. "zdp_rig.lua")
local getenv = os.getenv
local vips = rig.split(getenv("ZDP_VIPS") or "tcp,udp,v6")
local flows = rig.split(getenv("ZDP_FLOWS") or "1k,1m")
local sizes = rig.split(getenv("ZDP_SIZES") or "64,512,1518")
local imix = (getenv("ZDP_IMIX") or "1") ~= "0"
local results = {}

pktgen.screen("off")
rig.setup_ports()
rig.log("# zdp bench: %d s per step after %d s warmup, rate %s%%, ports tx %s rx %s, %s flow order",
	rig.cfg.secs, rig.cfg.warmup, tostring(rig.cfg.rate), rig.cfg.tx, rig.cfg.rx, rig.cfg.order)

for _, vip in ipairs(vips) do
	for _, fl in ipairs(flows) do
		for _, size in ipairs(sizes) do
			local label = string.format("%s/%s/%s", rig.vips[vip].name, fl, size)

			local ok, why = rig.setup_range(vip, fl, tonumber(size))

			if ok then
				results[#results + 1] = rig.measure(label)
			else
				rig.log("%-28s skipped: %s", label, why)
			end
		end
	end
end

if imix then
	local ok, err = pcall(rig.setup_imix, "tcp")

	if ok then
		results[#results + 1] = rig.measure(rig.vips.tcp.name .. "/imix12/imix")
	else
		rig.log("imix skipped: %s", tostring(err))
	end
	pktgen.set(rig.cfg.tx, "seq_cnt", 0)
end

rig.report(results)
pktgen.screen("on")
