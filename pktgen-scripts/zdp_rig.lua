-- SPDX-License-Identifier: BSD-3-Clause
-- zdp_rig.lua: the zdp benchmark rig as Pktgen-DPDK sees it, plus helpers
-- shared by flows.lua, imix.lua and bench.lua. Loaded with dofile() by
-- those scripts; it does nothing on its own.
--
-- Topology (README.md): Pktgen port ZDP_TX_PORT (default 0) is cabled to
-- zdp p0 (client side, 198.18.0.1/24, 2001:2::1/64) and Pktgen port
-- ZDP_RX_PORT (default 1) to zdp p1 (backend side, 198.18.1.1/24,
-- 2001:2:0:1::1/64). Pktgen sends client->VIP packets on the TX port and
-- counts what zdp forwards to the backends on the RX port.
--
-- Everything that differs between rigs comes from the environment (names
-- below), so the scripts themselves need no edits.

local M = {}

local getenv = (os and os.getenv) or function() return nil end

local function env(name, default)
	local v = getenv(name)
	if v == nil or v == "" then
		return default
	end
	return v
end

local function envnum(name, default)
	return tonumber(env(name, nil)) or default
end

local function split(s)
	local out = {}
	for item in string.gmatch(s, "[^,%s]+") do
		out[#out + 1] = item
	end
	return out
end
M.split = split

M.cfg = {
	tx = env("ZDP_TX_PORT", "0"),		-- Pktgen port cabled to zdp p0
	rx = env("ZDP_RX_PORT", "1"),		-- Pktgen port cabled to zdp p1
	zdp_p0_mac = env("ZDP_P0_MAC", nil),	-- zdp p0's MAC: dst of all traffic
	gen_tx_mac = env("ZDP_GEN_TX_MAC", nil),	-- Pktgen TX port's own MAC
	gen_rx_mac = env("ZDP_GEN_RX_MAC", nil),	-- Pktgen RX port's own MAC
	rate = envnum("ZDP_RATE", 100),		-- percent of line rate
	secs = envnum("ZDP_SECS", 10),		-- measured seconds per step
	warmup = envnum("ZDP_WARMUP", 2),	-- unmeasured seconds before each step
	backends = envnum("ZDP_BACKENDS", 2),	-- IPv4 backends 198.18.1.10 ..
	tcp_flags = env("ZDP_TCP_FLAGS", ""),	-- e.g. "syn" or "ack" (CLI, see README)
	order = env("ZDP_FLOW_ORDER", "sequential"),	-- or "random" (UDP VIP only, README)
	tmpdir = env("ZDP_TMPDIR", "/tmp"),
}

-- The VIPs of examples/bench.yaml.
M.vips = {
	tcp = { name = "tcp-canary", family = 4, dst = "198.18.10.1", dport = 9080, proto = "tcp" },
	udp = { name = "udp-dns", family = 4, dst = "198.18.10.2", dport = 5353, proto = "udp" },
	v6 = { name = "tcp6", family = 6, dst = "2001:2:0:10::1", dport = 9080, proto = "tcp" },
}

-- Flow sets. In range mode Pktgen advances every ranged field by its
-- increment on every packet, so source address and source port step
-- together. With a addresses and b ports, a and b coprime, the pair repeats
-- only after a * b packets (Chinese remainder theorem): exactly a * b
-- distinct 5-tuples, visited round-robin.
--   1k: 8 addresses x 125 ports     = 1,000 flows (gcd(8, 125) = 1)
--   1m: 64 addresses x 15,625 ports = 1,000,000 flows (gcd(2^6, 5^6) = 1)
-- All sources sit on p0's on-link /24 (or /64), so zdp needs no route.
M.flows = {
	["1k"] = { n = 1000, addrs = 8, ports = 125, rnd_addrs = 1, rnd_bits = 10 },
	["1m"] = { n = 1000000, addrs = 64, ports = 15625, rnd_addrs = 32, rnd_bits = 15 },
}
M.sport_min = 10000

-- Random flow order (ZDP_FLOW_ORDER=random). Range mode visits the flows
-- in the same order every round, so a DUT that lays out its flow state in
-- creation order is read sequentially and the CPU's prefetchers help it;
-- unrelated clients of a real gateway interleave. Pktgen's random
-- bitfields (applied to every packet sent, after the range fields) give
-- that: the source address still steps through rnd_addrs addresses, the
-- low rnd_bits bits of the source port are random per packet (the top bit
-- set, so ports 32768 and up): 1 x 2^10 = 1,024 flows for "1k", 32 x 2^15 =
-- 1,048,576 for "1m", drawn with replacement (all of them are seen within
-- about n ln n packets: ~15M, 1.5 s at 10 Mpps). Pktgen does not update
-- checksums after applying bitfields, so a second bitfield clears the UDP
-- checksum (0 = none, RFC 768; zdp accepts it and keeps it 0 through NAT).
-- TCP has no such escape: random order is UDP only.
M.udp_sport_off = 14 + 20	-- UDP source port (untagged IPv4, no options)
M.udp_csum_off = 14 + 20 + 6	-- UDP checksum

-- Flows a step of @flowname sends in the configured order.
function M.flow_count(flowname)
	local fl = assert(M.flows[flowname], "unknown flow set " .. tostring(flowname))
	if M.cfg.order == "random" then
		return fl.rnd_addrs * (1 << fl.rnd_bits)
	end
	return fl.n
end

-- Classic simple IMIX 7:4:1 (frame sizes as Pktgen counts them, FCS
-- included): mean 355.8 bytes. Interleaved so bursts mix sizes.
M.imix = { 64, 576, 64, 576, 64, 64, 576, 64, 64, 576, 64, 1518 }

-- 198.18.0.2 + n, for n < 253.
function M.client_v4(n)
	return string.format("198.18.0.%d", 2 + n)
end

-- 2001:2::2 + n, for n < 65534.
function M.client_v6(n)
	return string.format("2001:2::%x", 2 + n)
end

function M.backend_v4(n)
	return string.format("198.18.1.%d", 10 + n)
end

local function log(fmt, ...)
	print(string.format(fmt, ...))
end
M.log = log

function M.check()
	if M.cfg.zdp_p0_mac == nil then
		error("ZDP_P0_MAC is not set: export the MAC address of zdp's p0 " ..
		      "(README.md, 'Addresses and MACs') before starting pktgen")
	end
end

-- Run Pktgen CLI commands (for settings the Lua binding lacks in some
-- Pktgen versions: IPv6 ranges, TCP flags) by writing a command file and
-- loading it. With @optional a failure is reported and ignored.
function M.cli(lines, optional)
	local path = string.format("%s/zdp-pktgen-%d.pkt", M.cfg.tmpdir, #lines)
	local f = assert(io.open(path, "w"))
	for _, l in ipairs(lines) do
		f:write(l, "\n")
	end
	f:close()
	local ok, err = pcall(pktgen.load, path)
	os.remove(path)
	if not ok then
		if optional then
			log("# note: this Pktgen refused: %s (%s)", table.concat(lines, "; "), tostring(err))
		else
			error("pktgen CLI failed: " .. table.concat(lines, "; ") .. ": " .. tostring(err))
		end
	end
	return ok
end

-- Base port setup: rate, addresses, MACs, and ARP identities for the
-- backends on the RX port (Pktgen answers ARP requests for the source
-- addresses of its single and sequence packets; zdp must resolve every
-- backend address before it forwards to it).
function M.setup_ports()
	local c = M.cfg
	M.check()
	pktgen.stop(c.tx)
	pktgen.set_range(c.tx, "off")
	pktgen.set(c.tx, "rate", c.rate)
	pktgen.set_mac(c.tx, "dst", c.zdp_p0_mac)
	pktgen.set_ipaddr(c.tx, "src", M.client_v4(0) .. "/24")
	pktgen.set_ipaddr(c.tx, "dst", M.vips.tcp.dst)

	pktgen.set_ipaddr(c.rx, "src", M.backend_v4(0) .. "/24")
	pktgen.set_ipaddr(c.rx, "dst", "198.18.1.1")
	if c.backends > 1 then
		if c.gen_rx_mac == nil then
			log("# note: ZDP_GEN_RX_MAC unset: only %s is given an ARP identity " ..
			    "on port %s (README.md, 'Backends and ARP')", M.backend_v4(0), c.rx)
		else
			local n = math.min(c.backends, 16)
			for i = 0, n - 1 do
				pktgen.seqTable(i, c.rx, {
					eth_dst_addr = c.zdp_p0_mac,	-- never sent
					eth_src_addr = c.gen_rx_mac,	-- ARP replies carry this
					ip_dst_addr = "198.18.1.1",
					ip_src_addr = M.backend_v4(i) .. "/24",
					sport = 9080,
					dport = M.sport_min,
					ethType = "ipv4",
					ipProto = "tcp",
					vlanid = 1,
					pktSize = 64,
				})
			end
			pktgen.set(c.rx, "seq_cnt", n)
		end
	end
end

local function tcp_flags_cli(port)
	local flags = split(M.cfg.tcp_flags)
	if #flags == 0 then
		return
	end
	local lines = { string.format("range %s tcp flag clr all", port) }
	for _, f in ipairs(flags) do
		lines[#lines + 1] = string.format("range %s tcp flag set %s", port, f)
	end
	M.cli(lines, true)
end

-- No random bitfields on @port (an empty mask disables one).
local function clear_random(port)
	pktgen.rnd(port, 0, M.udp_sport_off, "")
	pktgen.rnd(port, 1, M.udp_csum_off, "")
	M.cli({ string.format("disable %s random", port) }, true)
end

-- Random bitfields for ZDP_FLOW_ORDER=random (see M.flows), or none.
local function random_bits(port, fl)
	if M.cfg.order ~= "random" then
		clear_random(port)
		return
	end
	pktgen.rnd(port, 0, M.udp_sport_off,
		   "1" .. string.rep("0", 15 - fl.rnd_bits) .. string.rep("X", fl.rnd_bits))
	pktgen.rnd(port, 1, M.udp_csum_off, string.rep("0", 16))
	M.cli({ string.format("enable %s random", port) })
end

-- IPv4 range: every packet to @vip, the @flows set of sources, @size bytes.
local function range_v4(vip, fl, size)
	local p = M.cfg.tx
	local random = M.cfg.order == "random"
	local addrs = random and fl.rnd_addrs or fl.addrs
	local smax = random and M.sport_min or M.sport_min + fl.ports - 1

	pktgen.set_proto(p, vip.proto)
	pktgen.range.ip_proto(p, vip.proto)
	pktgen.range.dst_mac(p, "start", M.cfg.zdp_p0_mac)
	if M.cfg.gen_tx_mac then
		pktgen.range.src_mac(p, "start", M.cfg.gen_tx_mac)
	end

	pktgen.range.dst_ip(p, "start", vip.dst)
	pktgen.range.dst_ip(p, "inc", "0.0.0.0")
	pktgen.range.dst_ip(p, "min", vip.dst)
	pktgen.range.dst_ip(p, "max", vip.dst)

	pktgen.range.src_ip(p, "start", M.client_v4(0))
	pktgen.range.src_ip(p, "inc", "0.0.0.1")
	pktgen.range.src_ip(p, "min", M.client_v4(0))
	pktgen.range.src_ip(p, "max", M.client_v4(addrs - 1))

	pktgen.range.dst_port(p, "start", vip.dport)
	pktgen.range.dst_port(p, "inc", 0)
	pktgen.range.dst_port(p, "min", vip.dport)
	pktgen.range.dst_port(p, "max", vip.dport)

	pktgen.range.src_port(p, "start", M.sport_min)
	pktgen.range.src_port(p, "inc", random and 0 or 1)
	pktgen.range.src_port(p, "min", M.sport_min)
	pktgen.range.src_port(p, "max", smax)

	pktgen.range.pkt_size(p, "start", size)
	pktgen.range.pkt_size(p, "inc", 0)
	pktgen.range.pkt_size(p, "min", size)
	pktgen.range.pkt_size(p, "max", size)
end

-- IPv6 range: the Lua range.* binding only takes IPv4 addresses, so this
-- goes through the CLI ("range <port> type ipv6" and the four-value
-- start/min/max/inc forms), which newer Pktgen releases accept.
local function range_v6(vip, fl, size)
	local p = M.cfg.tx
	local smax = M.sport_min + fl.ports - 1

	return M.cli({
		string.format("range %s type ipv6", p),
		string.format("range %s proto %s", p, vip.proto),
		string.format("range %s dst mac start %s", p, M.cfg.zdp_p0_mac),
		string.format("range %s dst ip %s %s %s ::", p, vip.dst, vip.dst, vip.dst),
		string.format("range %s src ip %s %s %s ::1", p, M.client_v6(0), M.client_v6(0),
			      M.client_v6(fl.addrs - 1)),
		string.format("range %s dst port %d %d %d 0", p, vip.dport, vip.dport, vip.dport),
		string.format("range %s src port %d %d %d 1", p, M.sport_min, M.sport_min, smax),
		string.format("range %s size %d %d %d 0", p, size, size, size),
	}, true)
end

-- Configure the TX port for one step: @vip (a key of M.vips), @flows (a
-- key of M.flows), @size (frame bytes). Returns false and why if the step
-- cannot be generated (IPv6 ranges on old Pktgen releases; random order
-- for a TCP or IPv6 VIP).
function M.setup_range(vipname, flowname, size)
	local vip = assert(M.vips[vipname], "unknown VIP " .. tostring(vipname))
	local fl = assert(M.flows[flowname], "unknown flow set " .. tostring(flowname))
	local p = M.cfg.tx

	if M.cfg.order ~= "sequential" and M.cfg.order ~= "random" then
		error("ZDP_FLOW_ORDER must be sequential or random, not " .. M.cfg.order)
	end
	if M.cfg.order == "random" and (vip.family ~= 4 or vip.proto ~= "udp") then
		-- random bits break the TCP checksum and Pktgen does not redo it
		return false, "random flow order is IPv4 UDP only"
	end
	pktgen.set_range(p, "off")
	pktgen.set(p, "seq_cnt", 0)
	random_bits(p, fl)
	if vip.family == 6 then
		pktgen.set_type(p, "ipv6")
		M.range_is_v6 = true
		if not range_v6(vip, fl, size) then
			return false, "this Pktgen cannot generate IPv6 ranges"
		end
	else
		pktgen.set_type(p, "ipv4")
		if M.range_is_v6 then
			-- Undo the previous IPv6 step's range type.
			M.cli({ string.format("range %s type ipv4", p) }, true)
			M.range_is_v6 = false
		end
		range_v4(vip, fl, size)
	end
	if vip.proto == "tcp" then
		tcp_flags_cli(p)
	end
	pktgen.set_range(p, "on")
	return true
end

-- IMIX on @vip (IPv4 only): 12 sequence packets, sizes from M.imix, each
-- its own source port (so 12 flows). Sequence mode because a range has a
-- single size (or a sawtooth), not a mix.
function M.setup_imix(vipname)
	local vip = assert(M.vips[vipname], "unknown VIP " .. tostring(vipname))
	local c = M.cfg

	assert(vip.family == 4, "IMIX profile is IPv4 only")
	if c.gen_tx_mac == nil then
		error("IMIX needs ZDP_GEN_TX_MAC (Pktgen TX port MAC) for its sequence packets")
	end
	pktgen.set_range(c.tx, "off")
	clear_random(c.tx)
	for i, size in ipairs(M.imix) do
		pktgen.seqTable(i - 1, c.tx, {
			eth_dst_addr = c.zdp_p0_mac,
			eth_src_addr = c.gen_tx_mac,
			ip_dst_addr = vip.dst,
			ip_src_addr = M.client_v4((i - 1) % 8) .. "/24",
			sport = M.sport_min + i - 1,
			dport = vip.dport,
			ethType = "ipv4",
			ipProto = vip.proto,
			vlanid = 1,
			pktSize = size,
		})
	end
	pktgen.set(c.tx, "seq_cnt", #M.imix)
end

local function counters()
	local c = M.cfg
	local s = pktgen.portStats(c.tx .. "," .. c.rx, "port")
	local t, r = s[tonumber(c.tx)], s[tonumber(c.rx)]
	return t.opackets, t.obytes, r.ipackets, r.ibytes
end

-- Run the configured TX port for warmup + @secs seconds and measure the
-- last @secs: packets per second sent to zdp (tx) and received back from
-- zdp on the backend side (rx), and rx L2 throughput (bytes as the NIC
-- counts them, without preamble and inter-frame gap).
function M.measure(label, secs, warmup)
	local c = M.cfg
	secs = secs or c.secs
	warmup = warmup or c.warmup

	pktgen.clr()
	pktgen.start(c.tx)
	pktgen.delay(warmup * 1000)
	local tp0, tb0, rp0, rb0 = counters()
	pktgen.delay(secs * 1000)
	local tp1, tb1, rp1, rb1 = counters()
	pktgen.stop(c.tx)
	pktgen.delay(500)	-- let zdp drain before the next step

	local r = {
		label = label,
		secs = secs,
		tx_pps = (tp1 - tp0) / secs,
		rx_pps = (rp1 - rp0) / secs,
		rx_mbps = (rb1 - rb0) * 8 / secs / 1e6,
	}
	r.ratio = r.tx_pps > 0 and r.rx_pps / r.tx_pps or 0
	log("%-28s tx %12.0f pps  rx %12.0f pps  rx/tx %6.2f%%  rx %9.1f Mbit/s",
	    label, r.tx_pps, r.rx_pps, 100 * r.ratio, r.rx_mbps)
	return r
end

-- One CSV line per step, for pasting into docs/performance.md tooling.
function M.report(results)
	log("")
	log("# csv: step,seconds,tx_pps,rx_pps,rx_over_tx,rx_mbit_s")
	for _, r in ipairs(results) do
		log("zdp-bench,%s,%d,%.0f,%.0f,%.4f,%.1f", r.label, r.secs, r.tx_pps,
		    r.rx_pps, r.ratio, r.rx_mbps)
	end
end

return M
