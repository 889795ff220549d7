-- SPDX-License-Identifier: BSD-3-Clause
-- flows-1k.lua: flows.lua with the 1k flow set preset (ZDP_FLOWS still wins).
zdp_defaults = { flows = "1k" }

local src = debug and debug.getinfo(1, "S").source or ""
dofile((src:match("^@(.*/)") or ((os.getenv("ZDP_PKTGEN_DIR") or "pktgen-scripts") .. "/")) .. "flows.lua")
