/* SPDX-License-Identifier: BSD-3-Clause
 * zdp_config.h — the configuration model, as loaded from YAML (or, later, xDS).
 *
 * This is the mgmt-side, human-shaped model: strings, lists, source lines.
 * Workers never see it; mgmt compiles it into an immutable snapshot
 * (policy tables, LB tables, VIP maps) and publishes that with RCU.
 *
 * The mesh part mirrors ztunnel's local-config format (ISTIO.md): a ztunnel
 * LOCAL_XDS_PATH file loads unchanged. The `gateway` part is zdp's own and
 * is documented in docs/config.md.
 *
 * Ownership: everything hanging off struct zdp_config is owned by it and
 * freed by zdp_config_free(). Every list is (pointer, count). Every element
 * that came from a file carries the 1-based `line` it started on, so later
 * validation (snapshot compile) can still report `file:line: key: reason`.
 * In a config returned by a successful load every char * is non-NULL
 * (absent strings are ""), except zdp_cfg_string_match.value for PRESENCE.
 * Keys, types, defaults and limits: docs/config.md.
 */
#ifndef ZDP_CONFIG_H
#define ZDP_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "zdp_addr.h"

/* ---- mesh part (ztunnel local config) ---------------------------------- */

enum zdp_tunnel_protocol {
	ZDP_TUNNEL_NONE = 0,	/* "TCP" in the local-config file: plaintext */
	ZDP_TUNNEL_HBONE = 1,
};

struct zdp_cfg_portmap {
	uint16_t service_port;
	uint16_t target_port;	/* 0 = same as service_port */
};

/* One entry of a workload's `services` map: "ns/hostname" -> ports. */
struct zdp_cfg_wl_service {
	char *service;		/* "namespace/hostname" */
	struct zdp_cfg_portmap *ports;
	size_t n_ports;
};

struct zdp_cfg_workload {
	char *uid;
	char *name;
	char *namespace_;
	char *service_account;	/* default "default" */
	char *trust_domain;	/* default "cluster.local" */
	char *node;
	char *network;
	char *canonical_name;
	char *canonical_revision;
	char *cluster_id;
	struct zdp_addr *ips;	/* workloadIps */
	size_t n_ips;
	enum zdp_tunnel_protocol protocol;
	uint32_t capacity;	/* default 1; 0 means "takes no new flows" */
	bool healthy;		/* status: Healthy (default) / Unhealthy */
	struct zdp_cfg_wl_service *services;
	size_t n_services;
	char **authorization_policies;	/* "ns/name" policies the workload names */
	size_t n_authorization_policies;
	unsigned line;
	/* Added after the first cut (ztunnel keys kept for metrics labels). */
	char *hostname;
	char *workload_name;		/* destination_workload label */
	char *workload_type;		/* "deployment", "pod", ... as written */
};

struct zdp_cfg_vip {
	char *network;		/* part before '/' in "network/IP"; may be "" */
	struct zdp_addr addr;
};

struct zdp_cfg_service {
	char *name;
	char *namespace_;
	char *hostname;
	struct zdp_cfg_vip *vips;
	size_t n_vips;
	struct zdp_cfg_portmap *ports;	/* servicePort -> targetPort */
	size_t n_ports;
	char **subject_alt_names;
	size_t n_subject_alt_names;
	unsigned line;
};

enum zdp_string_match_kind {
	ZDP_SM_EXACT = 0,
	ZDP_SM_PREFIX,
	ZDP_SM_SUFFIX,
	ZDP_SM_PRESENCE,
};

struct zdp_cfg_string_match {
	enum zdp_string_match_kind kind;
	char *value;		/* NULL for PRESENCE */
};

struct zdp_cfg_sa_match {
	char *namespace_;
	char *service_account;
};

/* One Match: values within a field are OR'd, fields are AND'd (ISTIO.md). */
struct zdp_cfg_match {
	struct zdp_cfg_string_match *namespaces, *not_namespaces;
	size_t n_namespaces, n_not_namespaces;
	struct zdp_cfg_string_match *principals, *not_principals;
	size_t n_principals, n_not_principals;
	struct zdp_prefix *source_ips, *not_source_ips;
	size_t n_source_ips, n_not_source_ips;
	struct zdp_prefix *destination_ips, *not_destination_ips;
	size_t n_destination_ips, n_not_destination_ips;
	uint16_t *destination_ports, *not_destination_ports;
	size_t n_destination_ports, n_not_destination_ports;
	struct zdp_cfg_sa_match *service_accounts, *not_service_accounts;
	size_t n_service_accounts, n_not_service_accounts;
	unsigned line;
};

struct zdp_cfg_clause {		/* matches are OR'd */
	struct zdp_cfg_match *matches;
	size_t n_matches;
};

struct zdp_cfg_rule {		/* clauses are AND'd */
	struct zdp_cfg_clause *clauses;
	size_t n_clauses;
};

enum zdp_policy_scope {
	ZDP_SCOPE_GLOBAL = 0,
	ZDP_SCOPE_NAMESPACE = 1,
	ZDP_SCOPE_WORKLOAD_SELECTOR = 2,
};

enum zdp_policy_action {
	ZDP_ACTION_ALLOW = 0,
	ZDP_ACTION_DENY = 1,
};

struct zdp_cfg_policy {		/* rules are OR'd */
	char *name;
	char *namespace_;
	enum zdp_policy_scope scope;
	enum zdp_policy_action action;
	bool dry_run;
	struct zdp_cfg_rule *rules;
	size_t n_rules;
	unsigned line;
};

/* ---- gateway part (zdp's own) ------------------------------------------ */

struct zdp_cfg_port {
	char *name;
	char *device;		/* PCI address "0000:3b:00.1" or vdev "net_tap0,iface=x" */
	uint16_t mtu;		/* default 1500 */
	uint16_t rx_desc, tx_desc;	/* default 1024 */
	struct zdp_prefix *addresses;	/* the gateway's own addresses on this port */
	size_t n_addresses;
	unsigned line;
};

struct zdp_cfg_ip_route {
	struct zdp_prefix prefix;
	struct zdp_addr via;	/* family 0 = directly connected */
	char *port;		/* egress port name */
	unsigned line;
};

struct zdp_cfg_backend_ref {
	char *service;		/* "namespace/hostname" */
	uint16_t port;		/* service port; 0 = the route's port */
	uint32_t weight;
	unsigned line;
};

/* gateway.tcpSegmentation */
enum zdp_tcp_seg_mode {
	ZDP_TCP_SEG_DEVICE = 0,	/* TSO packets when every port's device segments */
	ZDP_TCP_SEG_SOFTWARE,	/* also when a port only fills checksums: the worker cuts */
	ZDP_TCP_SEG_OFF,	/* never: the stack sends MSS segments */
};

enum zdp_route_mode {
	ZDP_ROUTE_NAT = 0,	/* L4 fast path: full NAT per packet */
	ZDP_ROUTE_TCP_PROXY,	/* zdp's TCP stack terminates and re-originates */
};

/* "VIP 198.18.10.1:9080/TCP -> 90% ns/reviews-v1, 10% ns/reviews-v2" */
struct zdp_cfg_traffic_route {
	char *name;
	struct zdp_addr vip;
	uint16_t port;
	uint8_t proto;		/* IPPROTO_TCP or IPPROTO_UDP */
	enum zdp_route_mode mode;	/* `mode: nat` (default) or `tcp-proxy` */
	unsigned idle_timeout;	/* tcp-proxy: seconds without data; default 3600 */
	struct zdp_cfg_backend_ref *backends;
	size_t n_backends;
	unsigned line;
};

struct zdp_cfg_sockaddr {
	struct zdp_addr addr;
	uint16_t port;		/* 0 = disabled */
};

struct zdp_cfg_gateway {
	unsigned workers;		/* worker lcores; default 1 */
	unsigned mbufs_per_port;	/* default 16383 */
	unsigned mbuf_cache;		/* default 256 */
	unsigned flows_per_core;	/* default 1048576 (1M) */
	unsigned neigh_entries;		/* default 4096 */
	unsigned tcp_conns_per_core;	/* TCP stack pool (tcp-proxy); default 65536 */
	/* Flow ageing, seconds. */
	unsigned tcp_syn_timeout;	/* default 10 */
	unsigned tcp_established_timeout;	/* default 3600 */
	unsigned tcp_closing_timeout;	/* FIN/RST seen; default 10 */
	unsigned udp_timeout;		/* default 30 */
	/* Source-NAT port range on gateway addresses. */
	uint16_t nat_port_min, nat_port_max;	/* default 1024..65535 */
	/* Ephemeral ports of the workers' TCP stacks (tcp-proxy upstream);
	 * source NAT never uses them (zdp_cfg_nat_range). */
	uint16_t proxy_port_min, proxy_port_max;	/* default 61000..65535 */
	/* Verify TCP/UDP checksums of every forwarded packet of an established
	 * NAT flow too (default false: first packets, local traffic and TCP
	 * SYN/FIN/RST are always verified; docs/config.md). */
	bool verify_forwarded_checksums;
	/* Who cuts the tcp-proxy's TSO packets (docs/config.md,
	 * gateway.tcpSegmentation); restart only. */
	enum zdp_tcp_seg_mode tcp_segmentation;
	/* Sleep this long when a worker loop finds nothing to do 64 times in
	 * a row (0: poll without pause, the default for dedicated cores). */
	uint32_t idle_sleep_us;
	struct zdp_cfg_sockaddr admin;		/* default 127.0.0.1:15000 */
	struct zdp_cfg_sockaddr metrics;	/* default 127.0.0.1:15020 */
	struct zdp_cfg_sockaddr readiness;	/* default 127.0.0.1:15021 */
	struct zdp_cfg_port *ports;
	size_t n_ports;
	struct zdp_cfg_ip_route *routes;
	size_t n_routes;
	struct zdp_cfg_traffic_route *traffic_routes;
	size_t n_traffic_routes;
	unsigned line;
};

struct zdp_config {
	char *path;		/* file it came from (for messages) */
	struct zdp_cfg_workload *workloads;
	size_t n_workloads;
	struct zdp_cfg_service *services;
	size_t n_services;
	struct zdp_cfg_policy *policies;
	size_t n_policies;
	bool has_gateway;	/* a plain ztunnel file has none */
	struct zdp_cfg_gateway gateway;
};

/* Errors are collected, not stopped at: --check-config prints them all. */
struct zdp_config_errors {
	char **msgs;		/* each "file:line: key: reason" */
	size_t n;
};

/*
 * Load and validate @path. On success returns 0 and *out owns a fully
 * defaulted config. On failure returns -EINVAL (bad content: every problem
 * is in @errs), -ENOENT/-EACCES/... (cannot read: one message in @errs), or
 * -ENOMEM. *out is NULL on failure. @errs may be NULL.
 */
int zdp_config_load_file(const char *path, struct zdp_config **out,
			 struct zdp_config_errors *errs);
/* Same, from a buffer; @name is used as the file name in messages. */
int zdp_config_load_buffer(const char *name, const char *buf, size_t len,
			   struct zdp_config **out, struct zdp_config_errors *errs);
void zdp_config_free(struct zdp_config *cfg);
void zdp_config_errors_fini(struct zdp_config_errors *errs);
/* Append one formatted message; returns 0 or -ENOMEM. */
int zdp_config_errors_add(struct zdp_config_errors *errs, const char *file,
			  unsigned line, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* Lookups used by the snapshot compiler (linear; mgmt side only). */
const struct zdp_cfg_service *zdp_config_find_service(const struct zdp_config *cfg,
						       const char *ns_hostname);
/* By uid (a workload without `uid` in the file gets "namespace/name"). */
const struct zdp_cfg_workload *zdp_config_find_workload(const struct zdp_config *cfg,
							 const char *uid);
const struct zdp_cfg_port *zdp_config_find_port(const struct zdp_config *cfg,
						const char *name);

/*
 * Reload support. The mesh part, gateway.routes / gateway.trafficRoutes,
 * timeouts, natPorts and port addresses can be swapped in at run time;
 * everything else under `gateway` (workers, pools, admin/metrics/readiness,
 * ports' names, devices, MTU, descriptors) is fixed at start-up. Returns true when @next differs from @cur in such a key and
 * writes the first such key ("gateway.ports[0].mtu") into @why (if
 * non-NULL, truncated to @len).
 */
/* The part of natPorts source NAT may use: natPorts without proxyPorts. */
void zdp_cfg_nat_range(const struct zdp_cfg_gateway *gw, uint16_t *min, uint16_t *max);

bool zdp_config_needs_restart(const struct zdp_config *cur, const struct zdp_config *next,
			      char *why, size_t len);

#endif /* ZDP_CONFIG_H */
