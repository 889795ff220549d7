/* SPDX-License-Identifier: BSD-3-Clause
 * port.h — bring-up of the ports zdp owns (PCI devices or vdevs).
 *
 * One RX/TX queue pair per worker: worker k polls queue k of every port and
 * transmits on queue k, so no queue is shared between cores.
 */
#ifndef ZDP_PORT_H
#define ZDP_PORT_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>

struct rte_mempool;

struct zdp_port_params {
	const char *name;	/* config name, for logs */
	const char *device;	/* "0000:3b:00.1" or "net_tap0,iface=zdp-c" */
	uint16_t n_queues;	/* = number of workers */
	uint16_t mtu;
	uint16_t rx_desc, tx_desc;
	unsigned mbufs;		/* mbufs in this port's pool */
	unsigned mbuf_cache;
};

struct zdp_port {
	uint16_t port_id;
	int socket;		/* NUMA node of the device (0 when unknown) */
	uint16_t n_queues;
	uint16_t mtu;
	bool rss;		/* RSS configured */
	bool rss_symmetric;	/* RSS with zdp's symmetric key and zdp's RETA */
	uint16_t reta_size;	/* redirection table entries (0: no RSS) */
	bool rx_l4_cksum;	/* device verifies L4 checksums */
	bool tx_ip_cksum, tx_l4_cksum;	/* device computes checksums */
	bool tx_tso;		/* device splits RTE_MBUF_F_TX_TCP_SEG packets */
	bool rx_lro;		/* device may deliver coalesced TCP segments */
	uint16_t tx_max_segs;	/* mbufs per packet the device takes (0: any) */
	struct rte_ether_addr mac;
	struct rte_mempool *pool;
	char name[32];
	char device[128];
};

/*
 * Probe (for vdevs) or find (for PCI) @p->device, configure it with
 * p->n_queues queue pairs, set its MTU, disable promiscuous mode and start
 * it. Returns 0 and fills @out, or a negative errno with a log line saying
 * which step failed.
 */
int zdp_port_open(const struct zdp_port_params *p, struct zdp_port *out);
void zdp_port_close(struct zdp_port *port);

/* The 40-byte symmetric Toeplitz key zdp programs into NICs and uses in software. */
extern const uint8_t zdp_rss_symmetric_key[40];

#endif /* ZDP_PORT_H */
