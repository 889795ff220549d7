/* SPDX-License-Identifier: BSD-3-Clause
 * zdp_mgmt.h — the management side of the zdp process (main lcore).
 */
#ifndef ZDP_MGMT_H
#define ZDP_MGMT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "zdp_config.h"

struct zdp_runtime;
struct zdp_snapshot;
struct zdp_policy_registry;
struct zdp_registry;

/* A stable name -> small integer id map that lives for the whole process, so
 * per-core counters indexed by id survive reloads. Never shrinks. */
struct zdp_registry *zdp_registry_create(uint32_t max);
void zdp_registry_destroy(struct zdp_registry *r);
/* Id of @name, adding it if new; -ENOSPC when full, -ENOMEM. */
int zdp_registry_id(struct zdp_registry *r, const char *name);
const char *zdp_registry_name(const struct zdp_registry *r, uint32_t id);
uint32_t zdp_registry_count(const struct zdp_registry *r);

struct zdp_mgmt {
	char *config_path;
	struct zdp_config *cfg;		/* the config the current snapshot came from */
	struct zdp_runtime *rt;
	struct zdp_policy_registry *policy_reg;
	struct zdp_registry *backend_reg;	/* "route|service|addr|port" -> stat id */
	struct zdp_registry *backend_info;	/* parallel: labels for metrics */
	uint64_t generation;
	uint64_t reloads_ok, reloads_failed;
	time_t last_reload;
	char last_reload_error[1024];
	struct timespec config_mtime;	/* of the file last loaded (or tried) */
	off_t config_size;
	ino_t config_ino;
	bool config_loaded;
};

/* Build a snapshot of @cfg for @rt. On failure returns a negative errno and
 * appends `file:line: key: reason` messages to @errs. */
int zdp_compile(struct zdp_mgmt *m, const struct zdp_config *cfg,
		struct zdp_snapshot **out, struct zdp_config_errors *errs);
void zdp_snapshot_free(struct zdp_snapshot *s);

/* Replace the running snapshot with @s and free the old one after an RCU
 * grace period. Blocks the mgmt thread (never a worker) until then. */
void zdp_snapshot_publish(struct zdp_mgmt *m, struct zdp_snapshot *s);

/* Remember the config file's identity (mtime, size, inode); returns true
 * when it differs from what was remembered. */
bool zdp_config_file_changed(struct zdp_mgmt *m);

/* Re-read the config file; keep the running config when it is invalid.
 * Returns 0 when the new config is running. */
int zdp_reload(struct zdp_mgmt *m, const char *why);

/* HTTP endpoints (kernel sockets, served from the mgmt loop). */
struct zdp_http;
struct zdp_http *zdp_http_create(struct zdp_mgmt *m);
void zdp_http_destroy(struct zdp_http *h);
/* Poll listeners and clients for up to @timeout_ms. */
void zdp_http_poll(struct zdp_http *h, int timeout_ms, int extra_fd, bool *extra_ready);

/* Response bodies; each returns a malloc'd string (caller frees) or NULL. */
char *zdp_metrics_render(struct zdp_mgmt *m, size_t *len);
char *zdp_admin_config_dump(struct zdp_mgmt *m, size_t *len);
/* /tcp/connections[?worker=N&limit=N]: the live connections of the workers'
 * TCP stacks (tcp-proxy), JSON. *status: 200, or 400 for a bad query. */
char *zdp_admin_tcp_connections(struct zdp_mgmt *m, const char *query, size_t *len,
				int *status);
bool zdp_mgmt_ready(struct zdp_mgmt *m, char *why, size_t whylen);

/* The /zdp/... commands on DPDK's telemetry socket (telemetry.c). */
void zdp_telemetry_register(struct zdp_runtime *rt);

#endif /* ZDP_MGMT_H */
