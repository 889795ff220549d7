-- SPDX-License-Identifier: BSD-3-Clause
-- flows.lua: set up one traffic profile and start it, for watching zdp
-- (and Pktgen's screen) interactively. Stop with "stop 0" (or "stop all").
--
--   ZDP_VIP   tcp | udp | v6        (default tcp: 198.18.10.1:9080, canary 90/10)
--   ZDP_FLOWS 1k | 1m               (default 1k)
--   ZDP_SIZE  frame bytes, 64..1518 (default 64)
--   ZDP_FLOW_ORDER sequential | random (default sequential; random: udp only)
--
-- flows-1k.lua and flows-1m.lua preset ZDP_FLOWS through zdp_defaults.

local function script_dir()
	local src = debug and debug.getinfo(1, "S").source or ""
	return src:match("^@(.*/)") or ((os.getenv("ZDP_PKTGEN_DIR") or "pktgen-scripts") .. "/")
end

local rig = dofile(script_dir() .. "zdp_rig.lua")
local defaults = zdp_defaults or {}
local vip = os.getenv("ZDP_VIP") or defaults.vip or "tcp"
local fl = os.getenv("ZDP_FLOWS") or defaults.flows or "1k"
local size = tonumber(os.getenv("ZDP_SIZE") or defaults.size or 64)

rig.setup_ports()
local ok, why = rig.setup_range(vip, fl, size)
if not ok then
	error(string.format("cannot generate %s with %d flows: %s (README.md)", vip,
			    rig.flow_count(fl), why))
end
pktgen.start(rig.cfg.tx)
rig.log("# sending %s (%s) to %s:%d, %d flows in %s order, %d-byte frames on port %s",
	rig.vips[vip].name, rig.vips[vip].proto, rig.vips[vip].dst, rig.vips[vip].dport,
	rig.flow_count(fl), rig.cfg.order, size, rig.cfg.tx)
