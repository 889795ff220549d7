/* SPDX-License-Identifier: BSD-3-Clause
 * config.c — the config loader's public API and the mesh part of the file.
 *
 * The mesh part is ztunnel's local-config format (LOCAL_XDS_PATH): top-level
 * `workloads`, `services`, `policies`, camelCase keys, the same enum
 * spellings, so a ztunnel file loads unchanged. We are stricter than serde
 * in one way on purpose: unknown keys are rejected everywhere (serde lets a
 * misspelt key inside a policy match through, which silently widens the
 * match). Defaults follow ztunnel's xDS conversion: empty serviceAccount ->
 * "default", empty trustDomain -> "cluster.local", capacity 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_priv.h"

/* ---- error list -------------------------------------------------------- */

int
zdp_config_errors_add(struct zdp_config_errors *errs, const char *file, unsigned line,
		      const char *key, const char *fmt, ...)
{
	char reason[512];
	char **msgs, *m;
	va_list ap;
	int r;

	if (errs == NULL)
		return 0;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	if (line)
		r = cy_raw_asprintf(&m, "%s:%u: %s: %s", file ? file : "-", line, key ? key : "-",
			     reason);
	else
		r = cy_raw_asprintf(&m, "%s: %s: %s", file ? file : "-", key ? key : "-", reason);
	if (r < 0)
		return -ENOMEM;
	msgs = cy_raw_realloc(errs->msgs, (errs->n + 1) * sizeof(*msgs));
	if (msgs == NULL) {
		free(m);
		return -ENOMEM;
	}
	errs->msgs = msgs;
	errs->msgs[errs->n++] = m;
	return 0;
}

void
zdp_config_errors_fini(struct zdp_config_errors *errs)
{
	size_t i;

	if (errs == NULL)
		return;
	for (i = 0; i < errs->n; i++)
		free(errs->msgs[i]);
	free(errs->msgs);
	errs->msgs = NULL;
	errs->n = 0;
}

/* Stable insertion sort of this load's messages by line: decoding visits
 * keys in schema order and cross-checks run late, but people read top-down. */
static void
cy_sort_errors(struct cy_ctx *c)
{
	size_t n, i, j;

	if (c->errs == NULL || c->err_lines == NULL)
		return;
	n = c->n_msgs;
	for (i = 1; i < n; i++) {
		unsigned l = c->err_lines[i];
		char *m = c->errs->msgs[c->errs_start + i];

		for (j = i; j > 0 && c->err_lines[j - 1] > l; j--) {
			c->err_lines[j] = c->err_lines[j - 1];
			c->errs->msgs[c->errs_start + j] = c->errs->msgs[c->errs_start + j - 1];
		}
		c->err_lines[j] = l;
		c->errs->msgs[c->errs_start + j] = m;
	}
}

/* ---- freeing ----------------------------------------------------------- */

static void
cy_free_strv(char **v, size_t n)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static void
cy_free_sm(struct zdp_cfg_string_match *m, size_t n)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < n; i++)
		free(m[i].value);
	free(m);
}

static void
cy_free_sa(struct zdp_cfg_sa_match *m, size_t n)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < n; i++) {
		free(m[i].namespace_);
		free(m[i].service_account);
	}
	free(m);
}

static void
cy_match_fini(struct zdp_cfg_match *m)
{
	cy_free_sm(m->namespaces, m->n_namespaces);
	cy_free_sm(m->not_namespaces, m->n_not_namespaces);
	cy_free_sm(m->principals, m->n_principals);
	cy_free_sm(m->not_principals, m->n_not_principals);
	free(m->source_ips);
	free(m->not_source_ips);
	free(m->destination_ips);
	free(m->not_destination_ips);
	free(m->destination_ports);
	free(m->not_destination_ports);
	cy_free_sa(m->service_accounts, m->n_service_accounts);
	cy_free_sa(m->not_service_accounts, m->n_not_service_accounts);
}

static void
cy_policy_fini(struct zdp_cfg_policy *p)
{
	size_t r, k, m;

	free(p->name);
	free(p->namespace_);
	for (r = 0; p->rules && r < p->n_rules; r++) {
		struct zdp_cfg_rule *rule = &p->rules[r];

		for (k = 0; rule->clauses && k < rule->n_clauses; k++) {
			struct zdp_cfg_clause *cl = &rule->clauses[k];

			for (m = 0; cl->matches && m < cl->n_matches; m++)
				cy_match_fini(&cl->matches[m]);
			free(cl->matches);
		}
		free(rule->clauses);
	}
	free(p->rules);
}

static void
cy_workload_fini(struct zdp_cfg_workload *w)
{
	size_t i;

	free(w->uid);
	free(w->name);
	free(w->namespace_);
	free(w->service_account);
	free(w->trust_domain);
	free(w->node);
	free(w->network);
	free(w->canonical_name);
	free(w->canonical_revision);
	free(w->cluster_id);
	free(w->hostname);
	free(w->workload_name);
	free(w->workload_type);
	free(w->ips);
	for (i = 0; w->services && i < w->n_services; i++) {
		free(w->services[i].service);
		free(w->services[i].ports);
	}
	free(w->services);
	cy_free_strv(w->authorization_policies, w->n_authorization_policies);
}

static void
cy_service_fini(struct zdp_cfg_service *s)
{
	size_t i;

	free(s->name);
	free(s->namespace_);
	free(s->hostname);
	for (i = 0; s->vips && i < s->n_vips; i++)
		free(s->vips[i].network);
	free(s->vips);
	free(s->ports);
	cy_free_strv(s->subject_alt_names, s->n_subject_alt_names);
}

void
zdp_config_free(struct zdp_config *cfg)
{
	size_t i;

	if (cfg == NULL)
		return;
	for (i = 0; cfg->workloads && i < cfg->n_workloads; i++)
		cy_workload_fini(&cfg->workloads[i]);
	free(cfg->workloads);
	for (i = 0; cfg->services && i < cfg->n_services; i++)
		cy_service_fini(&cfg->services[i]);
	free(cfg->services);
	for (i = 0; cfg->policies && i < cfg->n_policies; i++)
		cy_policy_fini(&cfg->policies[i]);
	free(cfg->policies);
	cy_gateway_fini(&cfg->gateway);
	free(cfg->path);
	free(cfg);
}

/* ---- lookups ----------------------------------------------------------- */

const struct zdp_cfg_service *
zdp_config_find_service(const struct zdp_config *cfg, const char *ns_hostname)
{
	const char *slash;
	size_t nslen, i;

	if (cfg == NULL || ns_hostname == NULL)
		return NULL;
	slash = strchr(ns_hostname, '/');
	if (slash == NULL)
		return NULL;
	nslen = (size_t)(slash - ns_hostname);
	for (i = 0; i < cfg->n_services; i++) {
		const struct zdp_cfg_service *s = &cfg->services[i];

		if (s->namespace_ && s->hostname && strlen(s->namespace_) == nslen &&
		    strncmp(s->namespace_, ns_hostname, nslen) == 0 &&
		    strcmp(s->hostname, slash + 1) == 0)
			return s;
	}
	return NULL;
}

const struct zdp_cfg_workload *
zdp_config_find_workload(const struct zdp_config *cfg, const char *uid)
{
	size_t i;

	if (cfg == NULL || uid == NULL)
		return NULL;
	for (i = 0; i < cfg->n_workloads; i++)
		if (cy_streq(cfg->workloads[i].uid, uid))
			return &cfg->workloads[i];
	return NULL;
}

const struct zdp_cfg_port *
zdp_config_find_port(const struct zdp_config *cfg, const char *name)
{
	size_t i;

	if (cfg == NULL || name == NULL)
		return NULL;
	for (i = 0; i < cfg->gateway.n_ports; i++)
		if (cy_streq(cfg->gateway.ports[i].name, name))
			return &cfg->gateway.ports[i];
	return NULL;
}

/* ---- duplicate detection ----------------------------------------------- */

struct cy_key {
	const char *key;
	unsigned line;
	size_t idx;
};

static int
cy_key_cmp(const void *a, const void *b)
{
	const struct cy_key *x = a, *y = b;
	int r = strcmp(x->key, y->key);

	if (r)
		return r;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/*
 * Sort @keys (entries with key NULL are skipped) and report every later
 * occurrence of a key as "<path of dup>: duplicate <what> "<key>" (first at
 * line N)". @path_fmt holds one %zu, the dup's index. n log n, so a hostile
 * file with a million entries is still fast.
 */
/* Drop NULL keys (allocation failed, or not set), sort; returns the count. */
static size_t
cy_sort_keys(struct cy_key *keys, size_t n)
{
	size_t i, m = 0;

	for (i = 0; i < n; i++)
		if (keys[i].key)
			keys[m++] = keys[i];
	qsort(keys, m, sizeof(*keys), cy_key_cmp);
	return m;
}

static void
cy_dups(struct cy_ctx *c, struct cy_key *keys, size_t n, const char *path_fmt,
	const char *what)
{
	size_t i, m = cy_sort_keys(keys, n), first = 0;

	for (i = 1; i < m; i++) {
		char path[CY_PATH_MAX];

		if (strcmp(keys[i].key, keys[first].key) != 0) {
			first = i;
			continue;
		}
		snprintf(path, sizeof(path), path_fmt, keys[i].idx);
		cy_err_key(c, keys[i].line, path, "duplicate %s \"%.100s\" (first at line %u)",
			   what, keys[i].key, keys[first].line);
	}
}

/* ---- shared mesh pieces ------------------------------------------------ */

/*
 * A `servicePort: targetPort` mapping (service `ports`, and each entry of a
 * workload's `services`). Service ports are 1..65535; target 0 means "same".
 */
static void
cy_portmap(struct cy_ctx *c, const struct cy_node *n, struct zdp_cfg_portmap **out,
	   size_t *n_out)
{
	struct zdp_cfg_portmap *pm;
	uint8_t *seen;
	size_t i, cnt = 0;

	if (cy_is_null(n))
		return;
	if (n->type != CY_MAP) {
		cy_err(c, n->line, "expected a mapping servicePort: targetPort, got %s",
		       cy_type_name(n));
		return;
	}
	pm = cy_calloc(c, n->n / 2, sizeof(*pm));
	seen = cy_calloc(c, 65536 / 8, 1);
	if (pm == NULL || seen == NULL) {
		free(pm);
		free(seen);
		return;
	}
	for (i = 0; i + 1 < n->n; i += 2) {
		const struct cy_node *k = n->kids[i], *v = n->kids[i + 1];
		uint64_t sp, tp = 0;
		size_t old;

		if (k->type != CY_SCALAR || k->has_nul) {
			cy_err(c, k->line, "keys must be port numbers, got %s", cy_type_name(k));
			continue;
		}
		old = cy_path_mapkey(c, k->str);
		if (cy_v_uint(c, k, 1, 65535, &sp) == 0) {
			if (seen[sp / 8] & (1u << (sp % 8)))
				cy_err(c, k->line, "duplicate port %u", (unsigned)sp);
			else if (cy_is_null(v) || cy_v_uint(c, v, 0, 65535, &tp) == 0) {
				seen[sp / 8] |= (uint8_t)(1u << (sp % 8));
				pm[cnt].service_port = (uint16_t)sp;
				pm[cnt].target_port = (uint16_t)tp;
				cnt++;
			}
		}
		cy_path_pop(c, old);
	}
	free(seen);
	*out = pm;
	*n_out = cnt;
}

/* "namespace/hostname" with both parts non-empty. */
static bool
cy_ns_host_ok(const char *s)
{
	const char *slash = strchr(s, '/');

	return slash && slash != s && slash[1] != '\0' && strchr(slash + 1, '/') == NULL;
}

/*
 * ztunnel's GatewayAddress (`waypoint`, `networkGateway`): checked for shape
 * so typos are caught, not used by zdp (no waypoints on a gateway node).
 */
static void
cy_gateway_address(struct cy_ctx *c, const struct cy_node *map, const char *key)
{
	static const char *const known[] = { "destination", "hboneMtlsPort", NULL };
	const struct cy_node *n = cy_map_get(map, key);
	size_t old = cy_path_key(c, key);
	char *dest = NULL;
	uint64_t port;

	if (!cy_is_null(n) && cy_map_check(c, n, known) == 0) {
		if (cy_str(c, n, "destination", true, &dest) > 0 && strchr(dest, '/') == NULL) {
			size_t o2 = cy_path_key(c, "destination");

			cy_err(c, cy_map_get(n, "destination")->line,
			       "expected network/IP or namespace/hostname");
			cy_path_pop(c, o2);
		}
		cy_uint(c, n, "hboneMtlsPort", 0, 65535, &port);
	}
	free(dest);
	cy_path_pop(c, old);
}

/* ---- workloads --------------------------------------------------------- */

static const struct cy_enum cy_protocols[] = {
	{ "TCP", ZDP_TUNNEL_NONE }, { "HBONE", ZDP_TUNNEL_HBONE }, { NULL, 0 },
};
static const struct cy_enum cy_statuses[] = {
	{ "Healthy", 1 }, { "Unhealthy", 0 }, { "HEALTHY", 1 }, { "UNHEALTHY", 0 },
	{ NULL, 0 },
};
static const struct cy_enum cy_network_modes[] = {
	{ "Standard", 0 }, { "HostNetwork", 1 }, { NULL, 0 },
};
static const struct cy_enum cy_app_tunnel_protocols[] = {
	{ "NONE", 0 }, { "PROXY", 1 }, { NULL, 0 },
};

static void
cy_workload_services(struct cy_ctx *c, const struct cy_node *map, struct zdp_cfg_workload *w)
{
	const struct cy_node *n = cy_map_get(map, "services");
	size_t old = cy_path_key(c, "services"), i;
	struct cy_key *keys;

	if (cy_is_null(n))
		goto out;
	if (n->type != CY_MAP) {
		cy_err(c, n->line,
		       "expected a mapping \"namespace/hostname\": {port: port}, got %s",
		       cy_type_name(n));
		goto out;
	}
	w->services = cy_calloc(c, n->n / 2, sizeof(*w->services));
	keys = cy_calloc(c, n->n / 2, sizeof(*keys));
	if (w->services == NULL || keys == NULL) {
		free(keys);
		goto out;
	}
	for (i = 0; i + 1 < n->n; i += 2) {
		const struct cy_node *k = n->kids[i];
		struct zdp_cfg_wl_service *ws;
		size_t o2;

		if (k->type != CY_SCALAR || k->has_nul) {
			cy_err(c, k->line, "keys must be \"namespace/hostname\", got %s",
			       cy_type_name(k));
			continue;
		}
		o2 = cy_path_mapkey(c, k->str);
		if (!cy_ns_host_ok(k->str)) {
			cy_err(c, k->line, "expected \"namespace/hostname\"");
		} else {
			ws = &w->services[w->n_services];
			ws->service = cy_strdup(c, k->str);
			keys[w->n_services].key = ws->service;
			keys[w->n_services].line = k->line;
			keys[w->n_services].idx = w->n_services;
			w->n_services++;
			cy_portmap(c, n->kids[i + 1], &ws->ports, &ws->n_ports);
		}
		cy_path_pop(c, o2);
	}
	/* "a/b" and 'a/b' are one key to YAML's reader but two nodes here. */
	{
		size_t m = cy_sort_keys(keys, w->n_services), first = 0, j;

		for (j = 1; j < m; j++) {
			char path[CY_PATH_MAX + 104];

			if (strcmp(keys[j].key, keys[first].key) != 0) {
				first = j;
				continue;
			}
			snprintf(path, sizeof(path), "%s[%.100s]", c->path, keys[j].key);
			cy_err_key(c, keys[j].line, path, "duplicate key");
		}
	}
	free(keys);
out:
	cy_path_pop(c, old);
}

static void
cy_workload(struct cy_ctx *c, const struct cy_node *n, struct zdp_cfg_workload *w)
{
	static const char *const known[] = {
		"uid", "name", "namespace", "serviceAccount", "trustDomain", "node",
		"network", "canonicalName", "canonicalRevision", "clusterId",
		"workloadIps", "protocol", "capacity", "status", "services",
		"authorizationPolicies", "hostname", "workloadName", "workloadType",
		"waypoint", "networkGateway", "networkMode", "nativeTunnel",
		"applicationTunnel", "locality", NULL,
	};
	static const char *const at_known[] = { "protocol", "port", NULL };
	static const char *const loc_known[] = { "region", "zone", "subzone", NULL };
	const struct cy_node *v;
	uint64_t u;
	int e;
	bool b;

	w->line = n->line;
	w->capacity = 1;
	w->healthy = true;
	w->protocol = ZDP_TUNNEL_NONE;
	if (cy_map_check(c, n, known) < 0)
		return;
	cy_str(c, n, "uid", false, &w->uid);
	cy_str(c, n, "name", false, &w->name);
	if (cy_str(c, n, "namespace", true, &w->namespace_) > 0 && w->namespace_[0] == '\0') {
		size_t old = cy_path_key(c, "namespace");

		/* The namespace is part of the SPIFFE identity. */
		cy_err(c, cy_map_get(n, "namespace")->line, "must not be empty");
		cy_path_pop(c, old);
	}
	cy_str(c, n, "serviceAccount", false, &w->service_account);
	cy_str(c, n, "trustDomain", false, &w->trust_domain);
	cy_str(c, n, "node", false, &w->node);
	cy_str(c, n, "network", false, &w->network);
	cy_str(c, n, "canonicalName", false, &w->canonical_name);
	cy_str(c, n, "canonicalRevision", false, &w->canonical_revision);
	cy_str(c, n, "clusterId", false, &w->cluster_id);
	cy_str(c, n, "hostname", false, &w->hostname);
	cy_str(c, n, "workloadName", false, &w->workload_name);
	cy_str(c, n, "workloadType", false, &w->workload_type);
	if (cy_enum(c, n, "protocol", cy_protocols, "must be TCP or HBONE", &e) > 0)
		w->protocol = (enum zdp_tunnel_protocol)e;
	if (cy_uint(c, n, "capacity", 0, UINT32_MAX, &u) > 0)
		w->capacity = (uint32_t)u;
	if (cy_enum(c, n, "status", cy_statuses, "must be Healthy or Unhealthy", &e) > 0)
		w->healthy = e != 0;
	cy_enum(c, n, "networkMode", cy_network_modes, "must be Standard or HostNetwork", &e);
	cy_bool(c, n, "nativeTunnel", &b);
	cy_gateway_address(c, n, "waypoint");
	cy_gateway_address(c, n, "networkGateway");

	v = cy_map_get(n, "applicationTunnel");
	if (!cy_is_null(v)) {
		size_t old = cy_path_key(c, "applicationTunnel");

		if (cy_map_check(c, v, at_known) == 0) {
			if (cy_is_null(cy_map_get(v, "protocol")))
				cy_missing(c, v, "protocol");
			cy_enum(c, v, "protocol", cy_app_tunnel_protocols,
				"must be NONE or PROXY", &e);
			cy_uint(c, v, "port", 0, 65535, &u);
		}
		cy_path_pop(c, old);
	}
	v = cy_map_get(n, "locality");
	if (!cy_is_null(v)) {
		size_t old = cy_path_key(c, "locality");
		char *s = NULL;

		if (cy_map_check(c, v, loc_known) == 0) {
			cy_str(c, v, "region", false, &s);
			cy_str(c, v, "zone", false, &s);
			cy_str(c, v, "subzone", false, &s);
		}
		free(s);
		cy_path_pop(c, old);
	}

	v = cy_map_get(n, "workloadIps");
	{
		size_t old = cy_path_key(c, "workloadIps"), i;
		long len = cy_seq_len(c, v);

		if (len > 0) {
			w->ips = cy_calloc(c, (size_t)len, sizeof(*w->ips));
			for (i = 0; w->ips && i < (size_t)len; i++) {
				size_t o2 = cy_path_idx(c, i);

				if (cy_v_addr(c, v->kids[i], &w->ips[w->n_ips]) == 0)
					w->n_ips++;
				cy_path_pop(c, o2);
			}
		}
		cy_path_pop(c, old);
	}
	cy_workload_services(c, n, w);
	cy_str_list(c, n, "authorizationPolicies", &w->authorization_policies,
		    &w->n_authorization_policies);
}

/* Defaults that depend on other fields, and "" for every absent string so
 * consumers never see NULL. ztunnel treats empty SA / trust domain the same
 * as absent (ISTIO.md). */
static void
cy_workload_defaults(struct cy_ctx *c, struct zdp_cfg_workload *w)
{
	char **strs[] = {
		&w->name, &w->namespace_, &w->node, &w->network, &w->canonical_name,
		&w->canonical_revision, &w->cluster_id, &w->hostname, &w->workload_name,
		&w->workload_type,
	};
	size_t i;

	for (i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		if (*strs[i] == NULL)
			*strs[i] = cy_strdup(c, "");
	if (w->service_account == NULL || w->service_account[0] == '\0') {
		free(w->service_account);
		w->service_account = cy_strdup(c, "default");
	}
	if (w->trust_domain == NULL || w->trust_domain[0] == '\0') {
		free(w->trust_domain);
		w->trust_domain = cy_strdup(c, "cluster.local");
	}
	/* ztunnel keys workloads by uid; a file without uids still needs
	 * distinct keys, so derive one the way a reader would name it. */
	if (w->uid == NULL || w->uid[0] == '\0') {
		free(w->uid);
		w->uid = cy_printf(c, "%s/%s", w->namespace_ ? w->namespace_ : "",
				   w->name ? w->name : "");
	}
}

/* ---- services ---------------------------------------------------------- */

static const struct cy_enum cy_lb_modes[] = {
	{ "Standard", 0 }, { "Strict", 1 }, { "Failover", 2 }, { "Passthrough", 3 },
	{ NULL, 0 },
};
static const struct cy_enum cy_lb_health[] = {
	{ "OnlyHealthy", 0 }, { "AllowAll", 1 }, { NULL, 0 },
};
static const struct cy_enum cy_lb_scopes[] = {
	{ "Region", 1 }, { "Zone", 2 }, { "Subzone", 3 }, { "Node", 4 },
	{ "Cluster", 5 }, { "Network", 6 }, { NULL, 0 },
};
static const struct cy_enum cy_ip_families[] = {
	{ "Dual", 0 }, { "IPv4", 1 }, { "IPv6", 2 }, { NULL, 0 },
};

static void
cy_load_balancer(struct cy_ctx *c, const struct cy_node *map)
{
	static const char *const known[] = {
		"routingPreferences", "mode", "healthPolicy", NULL,
	};
	const struct cy_node *n = cy_map_get(map, "loadBalancer"), *rp;
	size_t old = cy_path_key(c, "loadBalancer"), i;
	long len;
	int e;

	if (!cy_is_null(n) && cy_map_check(c, n, known) == 0) {
		cy_enum(c, n, "mode", cy_lb_modes,
			"must be Standard, Strict, Failover or Passthrough", &e);
		cy_enum(c, n, "healthPolicy", cy_lb_health, "must be OnlyHealthy or AllowAll",
			&e);
		rp = cy_map_get(n, "routingPreferences");
		{
			size_t o2 = cy_path_key(c, "routingPreferences");

			len = cy_seq_len(c, rp);
			for (i = 0; len > 0 && i < (size_t)len; i++) {
				size_t o3 = cy_path_idx(c, i);

				cy_v_enum(c, rp->kids[i], cy_lb_scopes,
					  "must be Region, Zone, Subzone, Node, Cluster or Network",
					  &e);
				cy_path_pop(c, o3);
			}
			cy_path_pop(c, o2);
		}
	}
	cy_path_pop(c, old);
}

/* One VIP: "network/IP" (ztunnel's NetworkAddress); a bare IP means the
 * default network "". */
static int
cy_vip(struct cy_ctx *c, const struct cy_node *it, struct zdp_cfg_vip *vip)
{
	const char *slash;

	if (it->type != CY_SCALAR || it->has_nul) {
		cy_err(c, it->line, "expected network/IP, got %s", cy_type_name(it));
		return -1;
	}
	slash = strchr(it->str, '/');
	if (zdp_addr_parse(slash ? slash + 1 : it->str, &vip->addr) < 0) {
		cy_err(c, it->line, "expected network/IP, got %s", cy_type_name(it));
		return -1;
	}
	vip->network = slash ? cy_raw_strndup(it->str, (size_t)(slash - it->str))
			     : cy_raw_strdup("");
	if (vip->network == NULL)
		c->oom = true;
	return 0;
}

static void
cy_vips(struct cy_ctx *c, const struct cy_node *map, struct zdp_cfg_service *s)
{
	const struct cy_node *v = cy_map_get(map, "vips");
	size_t old = cy_path_key(c, "vips"), i;
	long len = cy_seq_len(c, v);

	if (len > 0)
		s->vips = cy_calloc(c, (size_t)len, sizeof(*s->vips));
	for (i = 0; s->vips && len > 0 && i < (size_t)len; i++) {
		size_t o2 = cy_path_idx(c, i);

		if (cy_vip(c, v->kids[i], &s->vips[s->n_vips]) == 0)
			s->n_vips++;
		cy_path_pop(c, o2);
	}
	cy_path_pop(c, old);
}

static void
cy_service(struct cy_ctx *c, const struct cy_node *n, struct zdp_cfg_service *s)
{
	static const char *const known[] = {
		"name", "namespace", "hostname", "vips", "ports", "subjectAltNames",
		"waypoint", "loadBalancer", "ipFamilies", "canonical", "endpoints", NULL,
	};
	const struct cy_node *v;
	bool b;
	int e;

	s->line = n->line;
	if (cy_map_check(c, n, known) < 0)
		return;
	cy_str(c, n, "name", false, &s->name);
	cy_str(c, n, "namespace", true, &s->namespace_);
	cy_str(c, n, "hostname", true, &s->hostname);
	if (s->namespace_ && s->namespace_[0] == '\0') {
		size_t old = cy_path_key(c, "namespace");

		cy_err(c, cy_map_get(n, "namespace")->line, "must not be empty");
		cy_path_pop(c, old);
	}
	if (s->hostname && (s->hostname[0] == '\0' || strchr(s->hostname, '/'))) {
		size_t old = cy_path_key(c, "hostname");

		cy_err(c, cy_map_get(n, "hostname")->line, "must be a non-empty host name");
		cy_path_pop(c, old);
	}

	cy_vips(c, n, s);
	v = cy_map_get(n, "ports");
	{
		size_t old = cy_path_key(c, "ports");

		cy_portmap(c, v, &s->ports, &s->n_ports);
		cy_path_pop(c, old);
	}
	cy_str_list(c, n, "subjectAltNames", &s->subject_alt_names, &s->n_subject_alt_names);
	cy_gateway_address(c, n, "waypoint");
	cy_load_balancer(c, n);
	cy_enum(c, n, "ipFamilies", cy_ip_families, "must be Dual, IPv4 or IPv6", &e);
	cy_bool(c, n, "canonical", &b);
	v = cy_map_get(n, "endpoints");
	if (!cy_is_null(v) && v->type != CY_MAP) {
		size_t old = cy_path_key(c, "endpoints");

		cy_err(c, v->line, "expected a mapping, got %s", cy_type_name(v));
		cy_path_pop(c, old);
	}

	if (s->name == NULL && s->hostname) {
		/* Kubernetes: the name is the first label of the hostname. */
		s->name = cy_raw_strndup(s->hostname, strcspn(s->hostname, "."));
		if (s->name == NULL)
			c->oom = true;
	}
}

/* ---- policies ---------------------------------------------------------- */

static const struct cy_enum cy_scopes[] = {
	{ "Global", ZDP_SCOPE_GLOBAL },
	{ "Namespace", ZDP_SCOPE_NAMESPACE },
	{ "WorkloadSelector", ZDP_SCOPE_WORKLOAD_SELECTOR },
	{ "GLOBAL", ZDP_SCOPE_GLOBAL },
	{ "NAMESPACE", ZDP_SCOPE_NAMESPACE },
	{ "WORKLOAD_SELECTOR", ZDP_SCOPE_WORKLOAD_SELECTOR },
	{ NULL, 0 },
};
static const struct cy_enum cy_actions[] = {
	{ "Allow", ZDP_ACTION_ALLOW }, { "Deny", ZDP_ACTION_DENY },
	{ "ALLOW", ZDP_ACTION_ALLOW }, { "DENY", ZDP_ACTION_DENY },
	{ NULL, 0 },
};
static const struct cy_enum cy_sm_kinds[] = {
	{ "Exact", ZDP_SM_EXACT }, { "Prefix", ZDP_SM_PREFIX },
	{ "Suffix", ZDP_SM_SUFFIX }, { "Presence", ZDP_SM_PRESENCE },
	{ "exact", ZDP_SM_EXACT }, { "prefix", ZDP_SM_PREFIX },
	{ "suffix", ZDP_SM_SUFFIX }, { "presence", ZDP_SM_PRESENCE },
	{ NULL, 0 },
};

static int
cy_sm_kind(const char *s, int *kind)
{
	size_t i;

	for (i = 0; cy_sm_kinds[i].name; i++)
		if (strcmp(cy_sm_kinds[i].name, s) == 0) {
			*kind = cy_sm_kinds[i].value;
			return 0;
		}
	return -1;
}

static bool
cy_empty_value(const struct cy_node *n)
{
	return cy_is_null(n) || ((n->type == CY_SEQ || n->type == CY_MAP) && n->n == 0) ||
	       (n->type == CY_SCALAR && n->len == 0);
}

/*
 * ztunnel's StringMatch is an externally tagged serde enum, which
 * serde_yaml accepts as a one-key mapping ({Exact: foo}, {Presence: []})
 * or as a YAML tag (!Exact foo, !Presence []).
 */
static int
cy_string_match(struct cy_ctx *c, const struct cy_node *n, struct zdp_cfg_string_match *out)
{
	const struct cy_node *val = NULL;
	int kind = -1;

	if (n->tag && n->tag[0] == '!' && cy_sm_kind(n->tag + 1, &kind) == 0) {
		val = n;
	} else if (n->type == CY_MAP && n->n == 2 && n->kids[0]->type == CY_SCALAR &&
		   !n->kids[0]->has_nul && cy_sm_kind(n->kids[0]->str, &kind) == 0) {
		val = n->kids[1];
	} else {
		cy_err(c, n->line, "expected {Exact: S}, {Prefix: S}, {Suffix: S} or "
		       "{Presence: {}}, got %s", cy_type_name(n));
		return -1;
	}
	out->kind = (enum zdp_string_match_kind)kind;
	if (kind == ZDP_SM_PRESENCE) {
		if (!cy_empty_value(val)) {
			cy_err(c, val->line, "Presence takes no value");
			return -1;
		}
		out->value = NULL;
		return 0;
	}
	if (val->type != CY_SCALAR || val->has_nul) {
		cy_err(c, val->line, "expected a string, got %s", cy_type_name(val));
		return -1;
	}
	out->value = cy_strdup(c, val->str);
	return out->value ? 0 : -1;
}

static void
cy_sm_list(struct cy_ctx *c, const struct cy_node *m, const char *key,
	   struct zdp_cfg_string_match **out, size_t *n_out)
{
	const struct cy_node *v = cy_map_get(m, key);
	size_t old = cy_path_key(c, key), i;
	long len = cy_seq_len(c, v);

	if (len > 0)
		*out = cy_calloc(c, (size_t)len, sizeof(**out));
	for (i = 0; *out && len > 0 && i < (size_t)len; i++) {
		size_t o2 = cy_path_idx(c, i);

		if (cy_string_match(c, v->kids[i], &(*out)[*n_out]) == 0)
			(*n_out)++;
		cy_path_pop(c, o2);
	}
	cy_path_pop(c, old);
}

static void
cy_ip_list(struct cy_ctx *c, const struct cy_node *m, const char *key,
	   struct zdp_prefix **out, size_t *n_out)
{
	const struct cy_node *v = cy_map_get(m, key);
	size_t old = cy_path_key(c, key), i;
	long len = cy_seq_len(c, v);

	if (len > 0)
		*out = cy_calloc(c, (size_t)len, sizeof(**out));
	for (i = 0; *out && len > 0 && i < (size_t)len; i++) {
		size_t o2 = cy_path_idx(c, i);

		if (cy_v_prefix(c, v->kids[i], false, &(*out)[*n_out]) == 0)
			(*n_out)++;
		cy_path_pop(c, o2);
	}
	cy_path_pop(c, old);
}

static void
cy_port_list(struct cy_ctx *c, const struct cy_node *m, const char *key,
	     uint16_t **out, size_t *n_out)
{
	const struct cy_node *v = cy_map_get(m, key);
	size_t old = cy_path_key(c, key), i;
	long len = cy_seq_len(c, v);

	if (len > 0)
		*out = cy_calloc(c, (size_t)len, sizeof(**out));
	for (i = 0; *out && len > 0 && i < (size_t)len; i++) {
		size_t o2 = cy_path_idx(c, i);
		uint64_t p;

		if (cy_v_uint(c, v->kids[i], 0, 65535, &p) == 0)
			(*out)[(*n_out)++] = (uint16_t)p;
		cy_path_pop(c, o2);
	}
	cy_path_pop(c, old);
}

static void
cy_sa_list(struct cy_ctx *c, const struct cy_node *m, const char *key,
	   struct zdp_cfg_sa_match **out, size_t *n_out)
{
	static const char *const known[] = { "namespace", "serviceAccount", NULL };
	const struct cy_node *v = cy_map_get(m, key);
	size_t old = cy_path_key(c, key), i;
	long len = cy_seq_len(c, v);

	if (len > 0)
		*out = cy_calloc(c, (size_t)len, sizeof(**out));
	for (i = 0; *out && len > 0 && i < (size_t)len; i++) {
		const struct cy_node *it = v->kids[i];
		struct zdp_cfg_sa_match *sa = &(*out)[*n_out];
		size_t o2 = cy_path_idx(c, i);

		if (cy_is_null(it))
			cy_err(c, it ? it->line : 1, "expected a mapping, got null");
		else if (cy_map_check(c, it, known) == 0) {
			/* Count it even if half-decoded, so free sees both strings. */
			(*n_out)++;
			cy_str(c, it, "namespace", true, &sa->namespace_);
			cy_str(c, it, "serviceAccount", true, &sa->service_account);
		}
		cy_path_pop(c, o2);
	}
	cy_path_pop(c, old);
}

static void
cy_match(struct cy_ctx *c, const struct cy_node *n, struct zdp_cfg_match *m)
{
	static const char *const known[] = {
		"namespaces", "notNamespaces", "principals", "notPrincipals",
		"sourceIps", "notSourceIps", "destinationIps", "notDestinationIps",
		"destinationPorts", "notDestinationPorts", "serviceAccounts",
		"notServiceAccounts", NULL,
	};

	m->line = n->line;
	if (cy_map_check(c, n, known) < 0)
		return;
	cy_sm_list(c, n, "namespaces", &m->namespaces, &m->n_namespaces);
	cy_sm_list(c, n, "notNamespaces", &m->not_namespaces, &m->n_not_namespaces);
	cy_sm_list(c, n, "principals", &m->principals, &m->n_principals);
	cy_sm_list(c, n, "notPrincipals", &m->not_principals, &m->n_not_principals);
	cy_ip_list(c, n, "sourceIps", &m->source_ips, &m->n_source_ips);
	cy_ip_list(c, n, "notSourceIps", &m->not_source_ips, &m->n_not_source_ips);
	cy_ip_list(c, n, "destinationIps", &m->destination_ips, &m->n_destination_ips);
	cy_ip_list(c, n, "notDestinationIps", &m->not_destination_ips,
		   &m->n_not_destination_ips);
	cy_port_list(c, n, "destinationPorts", &m->destination_ports, &m->n_destination_ports);
	cy_port_list(c, n, "notDestinationPorts", &m->not_destination_ports,
		     &m->n_not_destination_ports);
	cy_sa_list(c, n, "serviceAccounts", &m->service_accounts, &m->n_service_accounts);
	cy_sa_list(c, n, "notServiceAccounts", &m->not_service_accounts,
		   &m->n_not_service_accounts);
}

/* `rules`: a list of rules (OR), each a list of clauses (AND), each a list
 * of matches (OR) — ztunnel's Vec<Vec<Vec<RbacMatch>>>. */
static void
cy_rules(struct cy_ctx *c, const struct cy_node *pn, struct zdp_cfg_policy *p)
{
	const struct cy_node *rn = cy_map_get(pn, "rules");
	size_t old = cy_path_key(c, "rules"), r, k, m;
	long nr = cy_seq_len(c, rn);

	if (nr > 0)
		p->rules = cy_calloc(c, (size_t)nr, sizeof(*p->rules));
	for (r = 0; p->rules && nr > 0 && r < (size_t)nr; r++) {
		const struct cy_node *clauses = rn->kids[r];
		struct zdp_cfg_rule *rule = &p->rules[p->n_rules++];
		size_t o1 = cy_path_idx(c, r);
		long nk = cy_seq_len(c, clauses);

		if (nk > 0)
			rule->clauses = cy_calloc(c, (size_t)nk, sizeof(*rule->clauses));
		for (k = 0; rule->clauses && nk > 0 && k < (size_t)nk; k++) {
			const struct cy_node *matches = clauses->kids[k];
			struct zdp_cfg_clause *cl = &rule->clauses[rule->n_clauses++];
			size_t o2 = cy_path_idx(c, k);
			long nm = cy_seq_len(c, matches);

			if (nm > 0)
				cl->matches = cy_calloc(c, (size_t)nm, sizeof(*cl->matches));
			for (m = 0; cl->matches && nm > 0 && m < (size_t)nm; m++) {
				size_t o3 = cy_path_idx(c, m);

				cy_match(c, matches->kids[m], &cl->matches[cl->n_matches++]);
				cy_path_pop(c, o3);
			}
			cy_path_pop(c, o2);
		}
		cy_path_pop(c, o1);
	}
	cy_path_pop(c, old);
}

static void
cy_policy(struct cy_ctx *c, const struct cy_node *n, struct zdp_cfg_policy *p)
{
	static const char *const known[] = {
		"name", "namespace", "scope", "action", "rules", "dryRun", NULL,
	};
	int e;

	p->line = n->line;
	if (cy_map_check(c, n, known) < 0)
		return;
	cy_str(c, n, "name", true, &p->name);
	cy_str(c, n, "namespace", true, &p->namespace_);
	if (cy_is_null(cy_map_get(n, "scope")))
		cy_missing(c, n, "scope");
	else if (cy_enum(c, n, "scope", cy_scopes,
			 "must be Global, Namespace or WorkloadSelector", &e) > 0)
		p->scope = (enum zdp_policy_scope)e;
	if (cy_is_null(cy_map_get(n, "action")))
		cy_missing(c, n, "action");
	else if (cy_enum(c, n, "action", cy_actions, "must be Allow or Deny", &e) > 0)
		p->action = (enum zdp_policy_action)e;
	cy_bool(c, n, "dryRun", &p->dry_run);
	cy_rules(c, n, p);
}

/* ---- top level mesh ---------------------------------------------------- */

static const struct cy_node *
cy_list(struct cy_ctx *c, const struct cy_node *root, const char *key, size_t elem,
	void **out, long *len)
{
	const struct cy_node *v = cy_map_get(root, key);
	size_t old = cy_path_key(c, key);

	*len = cy_seq_len(c, v);
	cy_path_pop(c, old);
	*out = NULL;
	if (*len <= 0)
		return NULL;
	*out = cy_calloc(c, (size_t)*len, elem);
	return *out ? v : NULL;
}

static void
cy_mesh_dups(struct cy_ctx *c)
{
	struct zdp_config *cfg = c->cfg;
	size_t nk = cfg->n_workloads + cfg->n_services + cfg->n_policies, i, j, nv = 0;
	struct cy_key *keys;
	char **tmp;

	for (i = 0; i < cfg->n_services; i++)
		nv += cfg->services[i].n_vips;
	keys = cy_calloc(c, nk + nv, sizeof(*keys));
	tmp = cy_calloc(c, nk + nv, sizeof(*tmp));
	if (keys == NULL || tmp == NULL)
		goto out;

	for (i = 0; i < cfg->n_workloads; i++)
		keys[i] = (struct cy_key){ cfg->workloads[i].uid, cfg->workloads[i].line, i };
	cy_dups(c, keys, cfg->n_workloads, "workloads[%zu].uid", "workload uid");

	for (i = 0; i < cfg->n_services; i++) {
		const struct zdp_cfg_service *s = &cfg->services[i];

		if (s->namespace_ && s->hostname)
			tmp[i] = cy_printf(c, "%s/%s", s->namespace_, s->hostname);
		keys[i] = (struct cy_key){ tmp[i], s->line, i };
	}
	cy_dups(c, keys, cfg->n_services, "services[%zu]", "service");

	/* One VIP belongs to one service (ztunnel's by_vip map keeps only the
	 * last; a silent override is never what was meant). */
	for (i = 0, nv = 0; i < cfg->n_services; i++) {
		for (j = 0; j < cfg->services[i].n_vips; j++) {
			const struct zdp_cfg_vip *v = &cfg->services[i].vips[j];
			char a[64];

			zdp_addr_fmt(&v->addr, a, sizeof(a));
			tmp[nk + nv] = cy_printf(c, "%s/%s", v->network ? v->network : "", a);
			keys[nv] = (struct cy_key){ tmp[nk + nv], cfg->services[i].line, i };
			nv++;
		}
	}
	cy_dups(c, keys, nv, "services[%zu].vips", "VIP");

	for (i = 0; i < cfg->n_policies; i++) {
		const struct zdp_cfg_policy *p = &cfg->policies[i];

		if (p->namespace_ && p->name)
			tmp[cfg->n_services + i] = cy_printf(c, "%s/%s", p->namespace_, p->name);
		keys[i] = (struct cy_key){ tmp[cfg->n_services + i], p->line, i };
	}
	cy_dups(c, keys, cfg->n_policies, "policies[%zu]", "policy");
out:
	if (tmp)
		cy_free_strv(tmp, nk + nv);
	free(keys);
}

void
cy_decode_mesh(struct cy_ctx *c, const struct cy_node *root)
{
	struct zdp_config *cfg = c->cfg;
	const struct cy_node *v;
	size_t i, old;
	long len;
	void *arr;

	v = cy_list(c, root, "workloads", sizeof(*cfg->workloads), &arr, &len);
	cfg->workloads = arr;
	old = cy_path_key(c, "workloads");
	for (i = 0; v && i < (size_t)len; i++) {
		size_t o2 = cy_path_idx(c, i);

		cy_workload(c, v->kids[i], &cfg->workloads[cfg->n_workloads++]);
		cy_workload_defaults(c, &cfg->workloads[i]);
		cy_path_pop(c, o2);
	}
	cy_path_pop(c, old);

	v = cy_list(c, root, "services", sizeof(*cfg->services), &arr, &len);
	cfg->services = arr;
	old = cy_path_key(c, "services");
	for (i = 0; v && i < (size_t)len; i++) {
		size_t o2 = cy_path_idx(c, i);
		struct zdp_cfg_service *s = &cfg->services[cfg->n_services++];

		cy_service(c, v->kids[i], s);
		if (s->name == NULL)
			s->name = cy_strdup(c, "");
		if (s->namespace_ == NULL)
			s->namespace_ = cy_strdup(c, "");
		if (s->hostname == NULL)
			s->hostname = cy_strdup(c, "");
		cy_path_pop(c, o2);
	}
	cy_path_pop(c, old);

	v = cy_list(c, root, "policies", sizeof(*cfg->policies), &arr, &len);
	cfg->policies = arr;
	old = cy_path_key(c, "policies");
	for (i = 0; v && i < (size_t)len; i++) {
		size_t o2 = cy_path_idx(c, i);
		struct zdp_cfg_policy *p = &cfg->policies[cfg->n_policies++];

		cy_policy(c, v->kids[i], p);
		if (p->name == NULL)
			p->name = cy_strdup(c, "");
		if (p->namespace_ == NULL)
			p->namespace_ = cy_strdup(c, "");
		cy_path_pop(c, o2);
	}
	cy_path_pop(c, old);

	cy_mesh_dups(c);
}

/* ---- entry points ------------------------------------------------------ */

int
zdp_config_load_buffer(const char *name, const char *buf, size_t len,
		       struct zdp_config **out, struct zdp_config_errors *errs)
{
	static const char *const top[] = {
		"workloads", "services", "policies", "gateway", NULL,
	};
	struct cy_ctx c;
	struct cy_doc doc;
	struct zdp_config *cfg;
	int rc = 0;

	if (out)
		*out = NULL;
	if (name == NULL)
		name = "-";
	memset(&c, 0, sizeof(c));
	c.file = name;
	c.errs = errs;
	c.errs_start = errs ? errs->n : 0;

	cfg = cy_raw_calloc(1, sizeof(*cfg));
	if (cfg == NULL)
		return -ENOMEM;
	c.cfg = cfg;
	cfg->path = cy_strdup(&c, name);
	cy_gateway_defaults(&cfg->gateway);

	if (buf == NULL && len > 0) {
		cy_err_key(&c, 0, "yaml", "no buffer");
	} else if (cy_doc_parse(&c, buf ? buf : "", len, &doc) == 0) {
		const struct cy_node *root = doc.root;

		/* An empty file is an empty config, as with serde defaults. */
		if (cy_map_check(&c, root, top) == 0) {
			const struct cy_node *gw = cy_map_get(root, "gateway");

			/* Mesh first: gateway trafficRoutes refer to services. */
			cy_decode_mesh(&c, root);
			if (gw != NULL) {
				size_t old = cy_path_key(&c, "gateway");

				cfg->has_gateway = true;
				cy_decode_gateway(&c, gw);
				cy_path_pop(&c, old);
			}
		}
		cy_doc_fini(&doc);
	}

	if (c.oom)
		rc = -ENOMEM;
	else if (c.n_errors)
		rc = -EINVAL;
	cy_sort_errors(&c);
	free(c.err_lines);
	if (rc < 0 || out == NULL)
		zdp_config_free(cfg);
	else
		*out = cfg;
	return rc;
}

int
zdp_config_load_file(const char *path, struct zdp_config **out,
		     struct zdp_config_errors *errs)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int fd, err = 0, rc;

	if (out)
		*out = NULL;
	if (path == NULL)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		goto fail;
	}
	if (fstat(fd, &st) < 0) {
		err = errno;
		goto fail;
	}
	if (S_ISDIR(st.st_mode)) {
		err = EISDIR;
		goto fail;
	}
	for (;;) {
		ssize_t r;

		if (len == cap) {
			char *nb;

			/* One byte past the limit is enough to say "too large". */
			if (cap > CY_MAX_INPUT)
				break;
			cap = cap ? cap * 2 : 4096;
			nb = cy_raw_realloc(buf, cap);
			if (nb == NULL) {
				err = ENOMEM;
				goto fail;
			}
			buf = nb;
		}
		r = read(fd, buf + len, cap - len);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			err = errno;
			goto fail;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	rc = zdp_config_load_buffer(path, buf, len, out, errs);
	free(buf);
	return rc;
fail:
	if (fd >= 0)
		close(fd);
	free(buf);
	if (err == ENOMEM)
		return -ENOMEM;
	if (zdp_config_errors_add(errs, path, 0, "cannot read", "%s", strerror(err)) < 0)
		return -ENOMEM;
	return -err;
}
