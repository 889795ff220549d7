-- SPDX-License-Identifier: BSD-3-Clause
-- flows-1m.lua: flows.lua with the 1m flow set preset (ZDP_FLOWS still wins).
zdp_defaults = { flows = "1m" }

local src = debug and debug.getinfo(1, "S").source or ""
dofile((src:match("^@(.*/)") or ((os.getenv("ZDP_PKTGEN_DIR") or "pktgen-scripts") .. "/")) .. "flows.lua")
