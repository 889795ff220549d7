/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_bus.h>
#include <rte_dev.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_log.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "port.h"
#include "ring_dev.h"

#define PLOG(lvl, port, fmt, ...) \
	RTE_LOG(lvl, USER1, "port %s: " fmt "\n", (port), ##__VA_ARGS__)

/*
 * A key made of the repeated 16-bit pattern 0x6d5a makes the Toeplitz hash
 * invariant under swapping (src ip, src port) with (dst ip, dst port), so
 * both directions of a connection land on the same queue — and the same
 * worker (Woo & Park, "Scalable TCP Session Monitoring with Symmetric
 * Receive-side Scaling", 2012).
 */
const uint8_t zdp_rss_symmetric_key[40] = {
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
	0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a, 0x6d, 0x5a,
};

static bool
is_pci_address(const char *dev)
{
	unsigned d, b, s, f;
	char tail;

	if (sscanf(dev, "%x:%x:%x.%x%c", &d, &b, &s, &f, &tail) == 4)
		return true;
	return sscanf(dev, "%x:%x.%x%c", &b, &s, &f, &tail) == 3;
}

/* Resolve @device to an ethdev port id, probing it first if it is a vdev. */
static int
port_find(const struct zdp_port_params *p, uint16_t *port_id)
{
	char name[128];
	const char *comma;
	size_t len;
	int rc;

	comma = strchr(p->device, ',');
	len = comma ? (size_t)(comma - p->device) : strlen(p->device);
	if (len == 0 || len >= sizeof(name))
		return -EINVAL;
	memcpy(name, p->device, len);
	name[len] = '\0';

	if (rte_eth_dev_get_port_by_name(name, port_id) == 0)
		return 0;	/* already probed (PCI allow-list or --vdev) */
	if (is_pci_address(name)) {
		PLOG(ERR, p->name, "PCI device %s not available; pass it to EAL with -a %s "
		     "and bind it to vfio-pci", name, name);
		return -ENODEV;
	}
	rc = rte_dev_probe(p->device);
	if (rc < 0) {
		PLOG(ERR, p->name, "cannot probe %s: %s", p->device, rte_strerror(-rc));
		return rc;
	}
	if (rte_eth_dev_get_port_by_name(name, port_id) != 0) {
		PLOG(ERR, p->name, "probed %s but found no ethdev named %s", p->device, name);
		return -ENODEV;
	}
	return 0;
}

/*
 * "ring:NAME,mac=MAC[,checksum=software|peer][,segmentation=none|peer]": a port whose queue q
 * receives from the rte_ring NAME_rx<q> and sends on NAME_tx<q>, for a DPDK
 * secondary process attached to zdp's EAL (--proc-type=secondary with zdp's
 * --file-prefix) that exchanges mbufs with zdp without copying them. zdp
 * creates the rings (or uses them when they exist). The device has no MAC of
 * its own (net_ring reports 00:00:00:00:00:00), so mac= names zdp's.
 *
 * checksum=peer makes the peer zdp's NIC for checksums, as a NIC with
 * offloads would be: it flags what it sends RTE_MBUF_F_RX_{IP,L4}_CKSUM_GOOD
 * (zdp does not verify) and treats what zdp flags RTE_MBUF_F_TX_*_CKSUM as
 * its job (zdp leaves those checksums unfilled). Only for a peer that holds
 * to this; the default, software, verifies and fills everything.
 *
 * segmentation=peer (with checksum=peer) makes it zdp's NIC for TCP
 * segmentation too: it splits what zdp flags RTE_MBUF_F_TX_TCP_SEG into
 * tso_segsz-byte segments (TSO), and it may hand zdp TCP segments it
 * coalesced (LRO: flagged RTE_MBUF_F_RX_LRO, tso_segsz the size of the
 * segments it merged, the IP length that of the whole).
 */
static int
ring_parse(const struct zdp_port_params *p, struct zdp_ring_dev *o)
{
	char err[160];

	if (zdp_ring_dev_parse(p->device, o, err, sizeof(err)) < 0) {
		PLOG(ERR, p->name, "%s: %s", p->device, err);
		return -EINVAL;
	}
	return 0;
}

static void
ring_name(char *buf, size_t len, const char *name, const char *dir, unsigned q)
{
	snprintf(buf, len, "%s_%s%u", name, dir, q);
}

static void
ring_free_all(const char *name, unsigned n_queues)
{
	char rn[RTE_RING_NAMESIZE];

	for (unsigned q = 0; q < n_queues; q++) {
		ring_name(rn, sizeof(rn), name, "rx", q);
		rte_ring_free(rte_ring_lookup(rn));
		ring_name(rn, sizeof(rn), name, "tx", q);
		rte_ring_free(rte_ring_lookup(rn));
	}
}

/* Create (or find) the rings of @o and an ethdev over them. */
static int
ring_port_create(const struct zdp_port_params *p, const struct zdp_ring_dev *o,
		 uint16_t *port_id)
{
	struct rte_ring *rx[RTE_PMD_RING_MAX_RX_RINGS], *tx[RTE_PMD_RING_MAX_TX_RINGS];
	unsigned size = rte_align32pow2(RTE_MAX(p->rx_desc ? p->rx_desc : 1024u,
						p->tx_desc ? p->tx_desc : 1024u));
	char rn[RTE_RING_NAMESIZE], dev[RTE_ETH_NAME_MAX_LEN];
	int rc;

	if (p->n_queues > RTE_PMD_RING_MAX_RX_RINGS || p->n_queues > RTE_PMD_RING_MAX_TX_RINGS) {
		PLOG(ERR, p->name, "%s: at most %d queues", p->device, RTE_PMD_RING_MAX_RX_RINGS);
		return -EINVAL;
	}
	for (unsigned q = 0; q < p->n_queues; q++) {
		struct rte_ring **r[2] = { &rx[q], &tx[q] };
		static const char *dir[2] = { "rx", "tx" };

		for (unsigned d = 0; d < 2; d++) {
			ring_name(rn, sizeof(rn), o->name, dir[d], q);
			*r[d] = rte_ring_lookup(rn);
			if (*r[d] == NULL)
				*r[d] = rte_ring_create(rn, size, rte_socket_id(),
							RING_F_SP_ENQ | RING_F_SC_DEQ);
			if (*r[d] == NULL) {
				PLOG(ERR, p->name, "%s: ring %s: %s", p->device, rn,
				     rte_strerror(rte_errno));
				ring_free_all(o->name, p->n_queues);
				return -rte_errno;
			}
		}
	}
	snprintf(dev, sizeof(dev), "net_ring_zdp_%s", o->name);
	if (rte_eth_dev_get_port_by_name(dev, port_id) == 0)
		return 0;
	rc = rte_eth_from_rings(dev + strlen("net_ring_"), rx, p->n_queues, tx, p->n_queues,
				(unsigned)rte_socket_id());
	if (rc < 0) {
		PLOG(ERR, p->name, "%s: ethdev over rings: %s", p->device, rte_strerror(rte_errno));
		ring_free_all(o->name, p->n_queues);
		return -rte_errno;
	}
	*port_id = (uint16_t)rc;
	return 0;
}

int
zdp_port_open(const struct zdp_port_params *p, struct zdp_port *out)
{
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	struct rte_eth_rxconf rxq;
	struct rte_eth_txconf txq;
	char pool_name[RTE_MEMPOOL_NAMESIZE];
	uint16_t port_id, nb_rxd, nb_txd, q;
	struct zdp_ring_dev ring;
	bool physical, is_ring = zdp_ring_dev_is(p->device);
	int rc, socket;

	memset(out, 0, sizeof(*out));
	snprintf(out->name, sizeof(out->name), "%s", p->name);
	snprintf(out->device, sizeof(out->device), "%s", p->device);

	if (is_ring) {
		rc = ring_parse(p, &ring);
		if (rc == 0)
			rc = ring_port_create(p, &ring, &port_id);
	} else
		rc = port_find(p, &port_id);
	if (rc < 0)
		return rc;
	rc = rte_eth_dev_info_get(port_id, &info);
	if (rc < 0) {
		PLOG(ERR, p->name, "dev_info: %s", rte_strerror(-rc));
		return rc;
	}
	if (p->n_queues > info.max_rx_queues || p->n_queues > info.max_tx_queues) {
		PLOG(ERR, p->name, "%u workers need %u queue pairs; device has rx %u tx %u",
		     p->n_queues, p->n_queues, info.max_rx_queues, info.max_tx_queues);
		return -EINVAL;
	}
	socket = rte_eth_dev_socket_id(port_id);
	if (socket < 0)
		socket = 0;
	/* DPDK 22.11's memif zero-copy describes every buffer as an offset into
	 * the first memory segment list and sizes that region as the sum of its
	 * segments, so with memory that is not one contiguous run the peer
	 * reads and writes the wrong places (seen: zdp's mbuf headers zeroed,
	 * the peer faulting past its mapping; docs/performance-tcp.md). */
	if (strncmp(p->device, "net_memif", 9) == 0 && strstr(p->device, "zero-copy=yes"))
		PLOG(WARNING, p->name, "%s: memif zero-copy is unreliable with DPDK 22.11 "
		     "unless EAL memory is one contiguous run (e.g. a small -m with "
		     "--single-file-segments); prefer copy mode", p->device);

	memset(&conf, 0, sizeof(conf));
	/* Only a physical NIC's RSS is trusted to be the Toeplitz hash of the
	 * key we program: virtual devices (net_tap, net_memif, ...) advertise
	 * RSS but choose queues their own way, so for them workers hand packets
	 * to the owner in software instead. */
	physical = strcmp(rte_bus_name(rte_dev_bus(info.device)), "pci") == 0;
	if (p->n_queues > 1 && info.flow_type_rss_offloads && physical &&
	    info.hash_key_size == sizeof(zdp_rss_symmetric_key) && info.reta_size > 0 &&
	    (info.reta_size & (info.reta_size - 1)) == 0) {
		conf.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		conf.rx_adv_conf.rss_conf.rss_key = (uint8_t *)(uintptr_t)zdp_rss_symmetric_key;
		conf.rx_adv_conf.rss_conf.rss_key_len = sizeof(zdp_rss_symmetric_key);
		conf.rx_adv_conf.rss_conf.rss_hf = info.flow_type_rss_offloads &
			(RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP);
		out->rss = true;
	} else if (p->n_queues > 1) {
		PLOG(NOTICE, p->name, "%s: no usable symmetric RSS (%s); workers hand packets "
		     "to their owner in software (zdp_handoff_packets_total)", p->device,
		     physical ? "key size or RETA unsupported" : "virtual device");
	}
	if (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_CHECKSUM) {
		conf.rxmode.offloads |= info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_CHECKSUM;
		out->rx_l4_cksum = (info.rx_offload_capa &
			(RTE_ETH_RX_OFFLOAD_TCP_CKSUM | RTE_ETH_RX_OFFLOAD_UDP_CKSUM)) ==
			(RTE_ETH_RX_OFFLOAD_TCP_CKSUM | RTE_ETH_RX_OFFLOAD_UDP_CKSUM);
	}
	if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_IPV4_CKSUM) {
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_IPV4_CKSUM;
		out->tx_ip_cksum = true;
	}
	/* net_tap fills L4 checksums in software, summing a chain segment by
	 * segment as if each started on an even byte: after an odd-length
	 * segment the sum is wrong and the peer drops the packet (measured:
	 * TcpInCsumErrors in the peer's namespace, and a retransmission of
	 * the same layout failing again until the connection stalled). zdp's
	 * segments are chains, so it sums them itself there. */
	if ((info.tx_offload_capa & (RTE_ETH_TX_OFFLOAD_TCP_CKSUM | RTE_ETH_TX_OFFLOAD_UDP_CKSUM)) ==
	    (RTE_ETH_TX_OFFLOAD_TCP_CKSUM | RTE_ETH_TX_OFFLOAD_UDP_CKSUM) &&
	    strcmp(info.driver_name, "net_tap") != 0) {
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_TCP_CKSUM | RTE_ETH_TX_OFFLOAD_UDP_CKSUM;
		out->tx_l4_cksum = true;
	}

	/* The stack's segments are chains (header + the payload it attaches,
	 * tcp_output.c): a PMD must be told so where that is an offload. */
	if (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_MULTI_SEGS)
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_MULTI_SEGS;
	/* TSO on NICs only: net_tap emulates it with librte_gso, which splits
	 * IPv4 alone and would send an IPv6 super-segment as it is. */
	if (physical && out->tx_l4_cksum && out->tx_ip_cksum &&
	    (info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_TCP_TSO)) {
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_TCP_TSO;
		out->tx_tso = true;
		out->tx_max_segs = info.tx_desc_lim.nb_seg_max;
	}

	if (is_ring && ring.csum_peer) {
		/* the peer is the NIC for checksums (ring_parse) */
		out->rx_l4_cksum = true;
		out->tx_ip_cksum = true;
		out->tx_l4_cksum = true;
	}
	if (is_ring && ring.seg_peer) {
		out->tx_tso = true;
		out->rx_lro = true;
	}

	rc = rte_eth_dev_configure(port_id, p->n_queues, p->n_queues, &conf);
	if (rc < 0) {
		PLOG(ERR, p->name, "configure: %s", rte_strerror(-rc));
		return rc;
	}
	nb_rxd = p->rx_desc ? p->rx_desc : 1024;
	nb_txd = p->tx_desc ? p->tx_desc : 1024;
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(port_id, &nb_rxd, &nb_txd);
	if (rc < 0) {
		PLOG(ERR, p->name, "descriptors: %s", rte_strerror(-rc));
		return rc;
	}

	snprintf(pool_name, sizeof(pool_name), "zdp_mb_%u", port_id);
	out->pool = rte_pktmbuf_pool_create(pool_name, p->mbufs, p->mbuf_cache, 0,
					    RTE_MBUF_DEFAULT_BUF_SIZE, socket);
	if (out->pool == NULL) {
		PLOG(ERR, p->name, "mbuf pool of %u on socket %d: %s", p->mbufs, socket,
		     rte_strerror(rte_errno));
		return -ENOMEM;
	}

	rxq = info.default_rxconf;
	rxq.offloads = conf.rxmode.offloads;
	txq = info.default_txconf;
	txq.offloads = conf.txmode.offloads;
	for (q = 0; q < p->n_queues; q++) {
		rc = rte_eth_rx_queue_setup(port_id, q, nb_rxd, socket, &rxq, out->pool);
		if (rc < 0) {
			PLOG(ERR, p->name, "rx queue %u: %s", q, rte_strerror(-rc));
			goto err_pool;
		}
		rc = rte_eth_tx_queue_setup(port_id, q, nb_txd, socket, &txq);
		if (rc < 0) {
			PLOG(ERR, p->name, "tx queue %u: %s", q, rte_strerror(-rc));
			goto err_pool;
		}
	}
	if (p->mtu) {
		rc = rte_eth_dev_set_mtu(port_id, p->mtu);
		if (rc < 0 && rc != -ENOTSUP) {
			PLOG(ERR, p->name, "MTU %u: %s", p->mtu, rte_strerror(-rc));
			goto err_pool;
		}
	}
	rc = rte_eth_dev_start(port_id);
	if (rc < 0) {
		PLOG(ERR, p->name, "start: %s", rte_strerror(-rc));
		goto err_pool;
	}
	if (out->rss) {
		/* RETA entry j -> queue j % n: zdp_runtime_owner() computes the same
		 * from the software hash, so a flow's owner is known without
		 * asking the NIC (for NAT source ports, DESIGN.md). */
		struct rte_eth_rss_reta_entry64 reta[512 / RTE_ETH_RETA_GROUP_SIZE];
		uint16_t size = info.reta_size > 512 ? 512 : info.reta_size;

		memset(reta, 0, sizeof(reta));
		for (uint16_t j = 0; j < size; j++) {
			reta[j / RTE_ETH_RETA_GROUP_SIZE].mask |= 1ULL << (j % RTE_ETH_RETA_GROUP_SIZE);
			reta[j / RTE_ETH_RETA_GROUP_SIZE].reta[j % RTE_ETH_RETA_GROUP_SIZE] =
				(uint16_t)(j % p->n_queues);
		}
		if (info.reta_size <= 512 &&
		    rte_eth_dev_rss_reta_update(port_id, reta, size) == 0) {
			out->rss_symmetric = true;
			out->reta_size = size;
		} else {
			PLOG(WARNING, p->name, "cannot program the RSS redirection table; workers "
			     "hand packets to their owner in software");
		}
	}
	rc = rte_eth_promiscuous_disable(port_id);
	if (rc < 0 && rc != -ENOTSUP)
		PLOG(WARNING, p->name, "cannot disable promiscuous mode: %s", rte_strerror(-rc));
	rte_eth_macaddr_get(port_id, &out->mac);
	if (is_ring)
		memcpy(out->mac.addr_bytes, ring.mac, RTE_ETHER_ADDR_LEN);
	rte_eth_dev_get_mtu(port_id, &out->mtu);
	if (is_ring && p->mtu)
		out->mtu = p->mtu;	/* a ring carries any size; net_ring has no MTU op */

	out->port_id = port_id;
	out->socket = socket;
	out->n_queues = p->n_queues;
	PLOG(INFO, p->name, "%s: ethdev %u on socket %d, %u queue pair(s), mtu %u, "
	     "mac " RTE_ETHER_ADDR_PRT_FMT ", rss %s, rx-l4-csum %s, tx-csum %s, tso %s",
	     p->device, port_id, socket, p->n_queues, out->mtu,
	     RTE_ETHER_ADDR_BYTES(&out->mac),
	     out->rss ? (out->rss_symmetric ? "symmetric" : "asymmetric") : "none",
	     out->rx_l4_cksum ? "yes" : "no", out->tx_l4_cksum ? "yes" : "no",
	     out->tx_tso ? "yes" : "no");
	return 0;

err_pool:
	rte_mempool_free(out->pool);
	out->pool = NULL;
	return rc;
}

void
zdp_port_close(struct zdp_port *port)
{
	if (port == NULL || port->pool == NULL)
		return;
	rte_eth_dev_stop(port->port_id);
	rte_eth_dev_close(port->port_id);
	if (zdp_ring_dev_is(port->device)) {
		/* net_ring leaves rings it was given to their owner */
		struct zdp_ring_dev ring;
		char err[160];

		if (zdp_ring_dev_parse(port->device, &ring, err, sizeof(err)) == 0)
			ring_free_all(ring.name, port->n_queues);
	}
	rte_mempool_free(port->pool);
	port->pool = NULL;
}
