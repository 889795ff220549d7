-- SPDX-License-Identifier: BSD-3-Clause
-- mock_pktgen.lua: a stand-in for Pktgen's Lua binding, so the rig scripts
-- can be run with a plain Lua interpreter (lua5.3 / lua5.4) where there is
-- no NIC. It checks argument counts and value formats the way Pktgen's
-- lpktgenlib.c does, simulates counters (zdp forwarding 99% at 10 Mpps),
-- and checks that every range it is given yields the promised flow count
-- (random order: address range x random source-port bits, with the UDP
-- checksum cleared).
--
--   lua5.4 pktgen-scripts/test/run_mock.lua pktgen-scripts/bench.lua
--
-- MOCK_PKTGEN_LEGACY=1 makes CLI command files fail, as on a Pktgen whose
-- CLI lacks "range <port> type ipv6" and TCP flags.

local mock = { now_ms = 0, sending = false, errors = 0, ranges = {}, calls = 0 }
local legacy = os.getenv("MOCK_PKTGEN_LEGACY") == "1"

local function fail(fmt, ...)
	mock.errors = mock.errors + 1
	print("MOCK ERROR: " .. string.format(fmt, ...))
end

local function nargs(name, want, ...)
	local n = select("#", ...)
	mock.calls = mock.calls + 1
	if n ~= want then
		fail("%s: %d arguments, Pktgen wants %d", name, n, want)
	end
end

local function is_mac(s)
	return type(s) == "string" and s:match("^%x%x:%x%x:%x%x:%x%x:%x%x:%x%x$") ~= nil
end

local function v4(s)
	local a, b, c, d = tostring(s):match("^(%d+)%.(%d+)%.(%d+)%.(%d+)$")
	if not a then
		return nil
	end
	return ((tonumber(a) * 256 + tonumber(b)) * 256 + tonumber(c)) * 256 + tonumber(d)
end

local function portlist(s)
	if type(s) ~= "string" or not (s == "all" or s:match("^[%d,%-]+$")) then
		fail("bad portlist %s", tostring(s))
	end
end

local function range_for(port)
	mock.ranges[port] = mock.ranges[port] or {}
	return mock.ranges[port]
end

local function smmi(name, port, what, value, kind)
	portlist(port)
	if what ~= "start" and what ~= "min" and what ~= "max" and what ~= "inc" then
		fail("%s: bad selector %s", name, tostring(what))
	end
	local r = range_for(port)
	r[name] = r[name] or {}
	if kind == "ip" then
		local v = v4(value)
		if not v then
			fail("%s: %s is not an IPv4 address (the Lua binding parses IPv4 only)",
			     name, tostring(value))
		end
		r[name][what] = v
	elseif kind == "mac" then
		if not is_mac(value) then
			fail("%s: bad MAC %s", name, tostring(value))
		end
		r[name][what] = value
	else
		if math.type(value) ~= "integer" then
			fail("%s: %s is not an integer", name, tostring(value))
		end
		r[name][what] = value
	end
end

local function count(f)
	if not f or f.inc == nil or f.min == nil or f.max == nil then
		return nil
	end
	if f.inc == 0 then
		return 1
	end
	return (f.max - f.min) // f.inc + 1
end

local function gcd(a, b)
	while b ~= 0 do
		a, b = b, a % b
	end
	return a
end

pktgen = {
	set = function(...)
		nargs("set", 3, ...)
		local p, what, v = ...
		portlist(p)
		local known = { count = 1, size = 1, rate = 1, burst = 1, sport = 1, dport = 1,
				ttl = 1, seq_cnt = 1, seqCnt = 1, prime = 1 }
		if not known[what] then
			fail("set does not support %s", tostring(what))
		end
		if tonumber(v) == nil then
			fail("set %s: value %s is not a number", what, tostring(v))
		end
	end,
	set_mac = function(...)
		nargs("set_mac", 3, ...)
		local p, which, mac = ...
		portlist(p)
		if which ~= "src" and which ~= "dst" then
			fail("set_mac: %s", tostring(which))
		end
		if not is_mac(mac) then
			fail("set_mac: bad MAC %s", tostring(mac))
		end
	end,
	set_ipaddr = function(...)
		nargs("set_ipaddr", 3, ...)
		local p, which, a = ...
		portlist(p)
		if which == "src" and not tostring(a):match("/%d+$") then
			fail("set_ipaddr src %s: Pktgen wants a /prefix on the source", tostring(a))
		end
	end,
	set_proto = function(...)
		nargs("set_proto", 2, ...)
	end,
	set_type = function(...)
		nargs("set_type", 2, ...)
		local _, t = ...
		if t ~= "ipv4" and t ~= "ipv6" then
			fail("set_type %s", tostring(t))
		end
	end,
	set_range = function(...)
		nargs("set_range", 2, ...)
		local p, state = ...
		portlist(p)
		if state ~= "on" and state ~= "off" then
			fail("set_range %s", tostring(state))
		end
		if state == "on" then
			local r = range_for(p)
			if r.v6 then
				print(string.format("mock: port %s range IPv6 (CLI), %d flows", p, r.v6))
			elseif r.random then
				-- random bitfields on top of the range (zdp_rig.lua, M.flows)
				local a, b = count(r.src_ip), count(r.src_port)
				local sp, cs = r.rnd and r.rnd[34], r.rnd and r.rnd[40]
				if not a or b ~= 1 then
					fail("random order: the range must fix the source port (got %s)", tostring(b))
				elseif not sp then
					fail("random order without a bitfield on the UDP source port (offset 34)")
				elseif not cs or cs ~= string.rep("0", 16) then
					fail("random bits without a zeroed UDP checksum: every packet's checksum is wrong")
				else
					local _, bits = sp:gsub("[Xx]", "")
					print(string.format("mock: port %s range %d addrs x 2^%d random ports -> %d flows (random order)",
							    p, a, bits, a * (1 << bits)))
					mock.last_flows = a * (1 << bits)
				end
			else
				local a, b = count(r.src_ip), count(r.src_port)
				if not a or not b then
					fail("range on without src_ip/src_port set")
				else
					print(string.format("mock: port %s range %d addrs x %d ports, gcd %d -> %d flows",
							    p, a, b, gcd(a, b), a * b // gcd(a, b)))
					mock.last_flows = a * b // gcd(a, b)
				end
			end
		end
	end,
	rnd = function(...)
		nargs("rnd", 4, ...)
		local p, idx, off, mask = ...
		portlist(p)
		if math.type(idx) ~= "integer" or idx < 0 or idx >= 32 then
			fail("rnd: index %s out of 0..31", tostring(idx))
		end
		if math.type(off) ~= "integer" or off < 0 then
			fail("rnd: offset %s", tostring(off))
		end
		if type(mask) ~= "string" or #mask > 32 or not mask:match("^[01%.Xx]*$") then
			fail("rnd: mask %s (up to 32 of 0 1 . X)", tostring(mask))
		end
		local r = range_for(p)
		r.rnd = r.rnd or {}
		r.rnd[off] = mask ~= "" and mask or nil
	end,
	seqTable = function(...)
		nargs("seqTable", 3, ...)
		local seq, p, t = ...
		portlist(p)
		if math.type(seq) ~= "integer" or seq < 0 or seq >= 16 then
			fail("seqTable: sequence %s out of 0..15", tostring(seq))
		end
		for _, k in ipairs({ "eth_dst_addr", "eth_src_addr", "ip_dst_addr", "ip_src_addr",
				     "sport", "dport", "ethType", "ipProto", "vlanid", "pktSize" }) do
			if t[k] == nil then
				fail("seqTable: field %s missing", k)
			end
		end
		if not is_mac(t.eth_src_addr) or not is_mac(t.eth_dst_addr) then
			fail("seqTable: bad MACs")
		end
	end,
	start = function(...)
		nargs("start", 1, ...)
		mock.sending = true
		mock.t_start = mock.now_ms
	end,
	stop = function(...)
		nargs("stop", 1, ...)
		mock.sending = false
	end,
	clr = function(...)
		nargs("clr", 0, ...)
		mock.base_ms = mock.now_ms
	end,
	delay = function(...)
		nargs("delay", 1, ...)
		mock.now_ms = mock.now_ms + (...)
	end,
	screen = function(...)
		nargs("screen", 1, ...)
	end,
	load = function(...)
		nargs("load", 1, ...)
		local f = assert(io.open((...), "r"))
		local text = f:read("a")
		f:close()
		for l in text:gmatch("[^\n]+") do
			print("mock cli: " .. l)
			local p, lo, hi = l:match("^range (%S+) src ip (%S+) %S+ (%S+) ::1$")
			if p then
				local a = tonumber(lo:match(":(%x+)$"), 16)
				local b = tonumber(hi:match(":(%x+)$"), 16)
				range_for(p).v6_addrs = b - a + 1
			end
			local p2, smin, smax = l:match("^range (%S+) src port (%d+) %d+ (%d+) 1$")
			if p2 and range_for(p2).v6_addrs then
				local a, b = range_for(p2).v6_addrs, tonumber(smax) - tonumber(smin) + 1
				range_for(p2).v6 = a * b // gcd(a, b)
			end
			local onoff, p3 = l:match("^(%a+) (%S+) random$")
			if onoff == "enable" or onoff == "disable" then
				range_for(p3).random = onoff == "enable"
			end
			if l:match("type ipv4") then
				range_for(l:match("^range (%S+)")).v6 = nil
				range_for(l:match("^range (%S+)")).v6_addrs = nil
			end
		end
		if legacy then
			error("load command failed for " .. tostring(...))
		end
	end,
	portStats = function(...)
		nargs("portStats", 2, ...)
		local _, kind = ...
		if kind ~= "port" then
			fail("portStats type %s", tostring(kind))
		end
		-- 10 Mpps sent since clr() while sending, 99% of it forwarded.
		local ms = mock.now_ms - (mock.base_ms or 0)
		local tx = math.floor(ms * 10000)
		local rx = math.floor(tx * 0.99)
		return {
			[0] = { opackets = tx, obytes = tx * 60, ipackets = 0, ibytes = 0 },
			[1] = { opackets = 0, obytes = 0, ipackets = rx, ibytes = rx * 60 },
		}
	end,
	range = {},
}

for _, name in ipairs({ "src_ip", "dst_ip" }) do
	pktgen.range[name] = function(...)
		nargs("range." .. name, 3, ...)
		local p, what, v = ...
		smmi(name, p, what, v, "ip")
	end
end
for _, name in ipairs({ "src_port", "dst_port", "pkt_size" }) do
	pktgen.range[name] = function(...)
		nargs("range." .. name, 3, ...)
		local p, what, v = ...
		smmi(name, p, what, v, "int")
	end
end
for _, name in ipairs({ "src_mac", "dst_mac" }) do
	pktgen.range[name] = function(...)
		nargs("range." .. name, 3, ...)
		local p, what, v = ...
		smmi(name, p, what, v, "mac")
	end
end
pktgen.range.ip_proto = function(...)
	nargs("range.ip_proto", 2, ...)
	local _, proto = ...
	if proto ~= "tcp" and proto ~= "udp" then
		fail("range.ip_proto %s", tostring(proto))
	end
end

return mock
