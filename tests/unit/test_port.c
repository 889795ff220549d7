/* SPDX-License-Identifier: BSD-3-Clause
 * test_port.c — "ring:" ports (dataplane/port.c): device string errors,
 * the rings a peer process attaches to, frames both ways, the checksum
 * and segmentation contracts, and that closing the port removes the rings.
 */
#include <errno.h>
#include <string.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "zdp_eal_test.h"
#include "zdp_test.h"
#include "port.h"
#include "worker.h"

static struct zdp_port_params
params(const char *device, uint16_t n_queues)
{
	return (struct zdp_port_params){
		.name = "t", .device = device, .n_queues = n_queues,
		.rx_desc = 256, .tx_desc = 256, .mbufs = 1023, .mbuf_cache = 32,
	};
}

static void
test_ring_device_errors(void)
{
	static const struct { const char *name, *device; } cases[] = {
		{ "no name", "ring:" },
		{ "no name, options", "ring:,mac=02:00:00:00:00:01" },
		{ "name with a bad character", "ring:a_b,mac=02:00:00:00:00:01" },
		{ "name too long", "ring:abcdefghijklmnopq,mac=02:00:00:00:00:01" },
		{ "no mac", "ring:r1" },
		{ "mac not an address", "ring:r1,mac=02:00:00:00:00" },
		{ "multicast mac", "ring:r1,mac=01:00:5e:00:00:01" },
		{ "unknown option", "ring:r1,mac=02:00:00:00:00:01,speed=10" },
		{ "bad checksum mode", "ring:r1,mac=02:00:00:00:00:01,checksum=none" },
		{ "bad segmentation mode", "ring:r1,mac=02:00:00:00:00:01,checksum=peer,segmentation=tso" },
		{ "segmentation without checksum", "ring:r1,mac=02:00:00:00:00:01,segmentation=peer" },
	};

	for (size_t i = 0; i < RTE_DIM(cases); i++) {
		struct zdp_port_params p = params(cases[i].device, 1);
		struct zdp_port port;

		ZDP_CASE(cases[i].name);
		ZDP_CHECK_EQ(zdp_port_open(&p, &port), -EINVAL);
		ZDP_CHECK(rte_ring_lookup("r1_rx0") == NULL);
	}
}

static struct rte_mbuf *
frame(struct rte_mempool *mp, uint8_t tag)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	uint8_t *d;

	if (m == NULL)
		return NULL;
	d = (uint8_t *)rte_pktmbuf_append(m, 60);
	memset(d, tag, 60);
	return m;
}

static void
test_ring_port_frames(void)
{
	struct zdp_port_params p = params("ring:tp1,mac=02:00:00:00:00:09", 2);
	struct rte_ether_addr want = {{ 0x02, 0, 0, 0, 0, 0x09 }};
	struct rte_ring *to_zdp, *from_zdp;
	struct rte_mbuf *m, *got[4];
	struct zdp_port port;
	uint16_t n;

	ZDP_REQUIRE(zdp_port_open(&p, &port) == 0);
	ZDP_CASE("the port's address is mac=, its checksums are zdp's own");
	ZDP_CHECK(rte_is_same_ether_addr(&port.mac, &want));
	ZDP_CHECK(!port.rx_l4_cksum && !port.tx_l4_cksum && !port.tx_ip_cksum);
	ZDP_CHECK_EQ(port.n_queues, 2);

	ZDP_CASE("a peer's frame on tp1_rx1 arrives on queue 1 only");
	to_zdp = rte_ring_lookup("tp1_rx1");
	from_zdp = rte_ring_lookup("tp1_tx0");
	ZDP_REQUIRE(to_zdp != NULL && from_zdp != NULL);
	ZDP_CHECK(rte_ring_lookup("tp1_rx0") != NULL && rte_ring_lookup("tp1_tx1") != NULL);
	m = frame(port.pool, 0x5a);
	ZDP_REQUIRE(m != NULL);
	ZDP_CHECK_EQ(rte_ring_enqueue(to_zdp, m), 0);
	ZDP_CHECK_EQ(rte_eth_rx_burst(port.port_id, 0, got, 4), 0);
	n = rte_eth_rx_burst(port.port_id, 1, got, 4);
	ZDP_CHECK_EQ(n, 1);
	if (n == 1) {
		ZDP_CHECK(got[0] == m);	/* the same mbuf: no copy */
		ZDP_CHECK_EQ(rte_pktmbuf_mtod(got[0], uint8_t *)[59], 0x5a);
		rte_pktmbuf_free(got[0]);
	}

	ZDP_CASE("what zdp sends on queue 0 is on tp1_tx0 for the peer");
	m = frame(port.pool, 0xa5);
	ZDP_REQUIRE(m != NULL);
	ZDP_CHECK_EQ(rte_eth_tx_burst(port.port_id, 0, &m, 1), 1);
	ZDP_CHECK_EQ(rte_ring_count(from_zdp), 1);
	if (rte_ring_dequeue(from_zdp, (void **)&got[0]) == 0) {
		ZDP_CHECK(got[0] == m);
		rte_pktmbuf_free(got[0]);
	}

	ZDP_CASE("closing the port removes its rings");
	zdp_port_close(&port);
	ZDP_CHECK(rte_ring_lookup("tp1_rx0") == NULL && rte_ring_lookup("tp1_rx1") == NULL);
	ZDP_CHECK(rte_ring_lookup("tp1_tx0") == NULL && rte_ring_lookup("tp1_tx1") == NULL);
}

static void
test_ring_checksum_peer(void)
{
	struct zdp_port_params p =
		params("ring:tp2,mac=02:00:00:00:00:0a,checksum=peer", 1);
	struct zdp_port port;

	ZDP_REQUIRE(zdp_port_open(&p, &port) == 0);
	ZDP_CASE("checksum=peer: the peer verifies and fills checksums, as a NIC");
	ZDP_CHECK(port.rx_l4_cksum && port.tx_l4_cksum && port.tx_ip_cksum);
	ZDP_CHECK(!port.tx_tso && !port.rx_lro);
	zdp_port_close(&port);

	ZDP_CASE("segmentation=peer: the peer does TSO and may hand zdp LRO segments");
	p = params("ring:tp5,mac=02:00:00:00:00:0d,checksum=peer,segmentation=peer", 1);
	ZDP_REQUIRE(zdp_port_open(&p, &port) == 0);
	ZDP_CHECK(port.tx_tso && port.rx_lro && port.tx_l4_cksum);
	zdp_port_close(&port);

	ZDP_CASE("checksum=software, stated");
	p = params("ring:tp3,mac=02:00:00:00:00:0b,checksum=software", 1);
	ZDP_REQUIRE(zdp_port_open(&p, &port) == 0);
	ZDP_CHECK(!port.rx_l4_cksum && !port.tx_l4_cksum && !port.tx_ip_cksum);
	zdp_port_close(&port);
}

/* A full device queue: the worker keeps what it refused, in order, and
 * drops only past ZDP_TX_BACKLOG (worker.h). */
static void
test_tx_backlog(void)
{
	struct zdp_port_params p = params("ring:tp4,mac=02:00:00:00:00:0c", 1);
	static struct zdp_runtime rt;
	struct zdp_worker *w;
	struct rte_ring *out;
	struct rte_mbuf *m;
	unsigned cap, total, got = 0, in_order = 1;
	uint64_t dropped;

	p.tx_desc = 64;
	p.rx_desc = 64;
	p.mbufs = 2047;
	memset(&rt, 0, sizeof(rt));
	ZDP_REQUIRE(zdp_port_open(&p, &rt.ports[0]) == 0);
	rt.n_ports = 1;
	w = zdp_worker_create(&rt, 0, 0, 0);
	ZDP_REQUIRE(w != NULL);
	out = rte_ring_lookup("tp4_tx0");
	ZDP_REQUIRE(out != NULL);
	cap = rte_ring_get_capacity(out);

	ZDP_CASE("more than the device takes: the rest waits, nothing dropped");
	total = cap + 200;
	for (unsigned i = 0; i < total; i++) {
		m = rte_pktmbuf_alloc(rt.ports[0].pool);
		ZDP_REQUIRE(m != NULL);
		m->hash.usr = i;
		zdp_worker_tx(w, 0, m);
	}
	zdp_worker_tx_flush(w, 0);
	ZDP_CHECK_EQ(rte_ring_count(out), cap);
	ZDP_CHECK_EQ(w->tx[0].n, total - cap);
	ZDP_CHECK_EQ(w->ctr->q[0].tx_dropped, 0);
	ZDP_CHECK(w->ctr->q[0].tx_held >= total - cap);

	ZDP_CASE("the peer drains: everything arrives once, in order");
	for (unsigned round = 0; round < 64 && got < total; round++) {
		while (rte_ring_dequeue(out, (void **)&m) == 0) {
			if (m->hash.usr != got)
				in_order = 0;
			got++;
			rte_pktmbuf_free(m);
		}
		zdp_worker_tx_flush(w, 0);
	}
	ZDP_CHECK_EQ(got, total);
	ZDP_CHECK(in_order);
	ZDP_CHECK_EQ(w->tx[0].n, 0);
	ZDP_CHECK_EQ(w->ctr->q[0].tx_packets, total);

	ZDP_CASE("past the backlog, new packets are dropped and counted");
	total = cap + ZDP_TX_BACKLOG + 10;
	for (unsigned i = 0; i < total; i++) {
		m = rte_pktmbuf_alloc(rt.ports[0].pool);
		ZDP_REQUIRE(m != NULL);
		zdp_worker_tx(w, 0, m);
	}
	zdp_worker_tx_flush(w, 0);
	dropped = w->ctr->q[0].tx_dropped;
	ZDP_CHECK_EQ(dropped, 10);
	ZDP_CHECK_EQ(w->ctr->drops[ZDP_DROP_TX_FULL], 10);
	ZDP_CHECK_EQ(w->tx[0].n, ZDP_TX_BACKLOG);

	ZDP_CASE("shutdown frees what still waits");
	zdp_worker_tx_discard(w);
	ZDP_CHECK_EQ(w->tx[0].n, 0);
	ZDP_CHECK_EQ(w->ctr->q[0].tx_dropped, 10 + ZDP_TX_BACKLOG);
	while (rte_ring_dequeue(out, (void **)&m) == 0)
		rte_pktmbuf_free(m);
	ZDP_CHECK_EQ(rte_mempool_in_use_count(rt.ports[0].pool), 0);
	zdp_worker_destroy(w);
	zdp_port_close(&rt.ports[0]);
}

static const struct zdp_test tests[] = {
	ZDP_TEST_ENTRY(test_ring_device_errors),
	ZDP_TEST_ENTRY(test_ring_port_frames),
	ZDP_TEST_ENTRY(test_ring_checksum_peer),
	ZDP_TEST_ENTRY(test_tx_backlog),
	{ 0 },
};

int
main(void)
{
	/* the error cases log by design */
	return zdp_test_eal_main("zdp_test_port", "emerg", tests);
}
