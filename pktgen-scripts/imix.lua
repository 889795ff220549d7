-- SPDX-License-Identifier: BSD-3-Clause
-- imix.lua: start the simple IMIX profile (7 x 64, 4 x 576, 1 x 1518 bytes,
-- 12 flows) towards the TCP canary VIP 198.18.10.1:9080, then measure
-- ZDP_SECS seconds and print tx/rx pps. Needs ZDP_GEN_TX_MAC (README.md).

local function script_dir()
	local src = debug and debug.getinfo(1, "S").source or ""
	return src:match("^@(.*/)") or ((os.getenv("ZDP_PKTGEN_DIR") or "pktgen-scripts") .. "/")
end

local rig = dofile(script_dir() .. "zdp_rig.lua")

rig.setup_ports()
rig.setup_imix("tcp")
rig.report({ rig.measure(rig.vips.tcp.name .. "/imix12/imix") })
pktgen.set(rig.cfg.tx, "seq_cnt", 0)
