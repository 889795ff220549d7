-- SPDX-License-Identifier: BSD-3-Clause
-- run_mock.lua SCRIPT: run a rig script against mock_pktgen.lua; exit 1 if
-- the mock saw a call Pktgen would reject.
local here = (debug.getinfo(1, "S").source:match("^@(.*/)") or "./")
local mock = dofile(here .. "mock_pktgen.lua")
local script = assert(arg[1], "usage: run_mock.lua SCRIPT")

local ok, err = pcall(dofile, script)
if not ok then
	print("SCRIPT ERROR: " .. tostring(err))
	os.exit(1)
end
print(string.format("mock: %d calls, %d errors", mock.calls, mock.errors))
os.exit(mock.errors == 0 and 0 or 1)
