/* SPDX-License-Identifier: BSD-3-Clause
 * reload.c — publish snapshots with RCU; re-read the config file.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <rte_log.h>
#include <rte_rcu_qsbr.h>

#include "snapshot.h"
#include "worker.h"
#include "zdp_mgmt.h"

void
zdp_snapshot_publish(struct zdp_mgmt *m, struct zdp_snapshot *s)
{
	struct zdp_runtime *rt = m->rt;
	struct zdp_snapshot *old = rt->snap;

	/* Release: a worker that loads the new pointer (acquire) sees the
	 * snapshot fully built. */
	__atomic_store_n(&rt->snap, s, __ATOMIC_RELEASE);
	if (old == NULL)
		return;
	/* Every worker that might still hold `old` reports a quiescent state
	 * once per loop iteration (worker.c); after that none can. */
	rte_rcu_qsbr_synchronize(rt->qsbr, RTE_QSBR_THRID_INVALID);
	zdp_snapshot_free(old);
}

static bool
str_eq(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

/* Parts of the gateway section that are bound at start-up (ports, queues,
 * pools). A reload that changes them is refused as a whole, so what runs is
 * always exactly one file's content. */
static int
restart_only_changes(const struct zdp_config *cur, const struct zdp_config *nw,
		     struct zdp_config_errors *errs)
{
	const struct zdp_cfg_gateway *a = &cur->gateway, *b = &nw->gateway;
	const char *f = nw->path ? nw->path : "config";
	int bad = 0;

	if (a->workers != b->workers) {
		zdp_config_errors_add(errs, f, b->line, "gateway.workers",
				      "changing the number of workers needs a restart");
		bad = 1;
	}
	if (a->mbufs_per_port != b->mbufs_per_port || a->mbuf_cache != b->mbuf_cache ||
	    a->flows_per_core != b->flows_per_core || a->neigh_entries != b->neigh_entries) {
		zdp_config_errors_add(errs, f, b->line, "gateway.pools",
				      "changing pool sizes needs a restart");
		bad = 1;
	}
	if (a->admin.port != b->admin.port || a->metrics.port != b->metrics.port ||
	    a->readiness.port != b->readiness.port ||
	    !zdp_addr_eq(&a->admin.addr, &b->admin.addr) ||
	    !zdp_addr_eq(&a->metrics.addr, &b->metrics.addr) ||
	    !zdp_addr_eq(&a->readiness.addr, &b->readiness.addr)) {
		zdp_config_errors_add(errs, f, b->line, "gateway.admin",
				      "changing admin/metrics/readiness addresses needs a restart");
		bad = 1;
	}
	if (a->n_ports != b->n_ports) {
		zdp_config_errors_add(errs, f, b->line, "gateway.ports",
				      "adding or removing ports needs a restart");
		return -EINVAL;
	}
	for (size_t i = 0; i < a->n_ports; i++) {
		if (!str_eq(a->ports[i].name, b->ports[i].name) ||
		    !str_eq(a->ports[i].device, b->ports[i].device) ||
		    a->ports[i].mtu != b->ports[i].mtu) {
			char key[64];
			snprintf(key, sizeof(key), "gateway.ports[%zu]", i);
			zdp_config_errors_add(errs, f, b->ports[i].line, key,
					      "changing a port's name, device or mtu needs a restart");
			bad = 1;
		}
	}
	return bad ? -EINVAL : 0;
}

bool
zdp_config_file_changed(struct zdp_mgmt *m)
{
	struct stat st;
	bool changed;

	if (stat(m->config_path, &st) != 0)
		return false;	/* being replaced; look again next time */
	changed = st.st_mtim.tv_sec != m->config_mtime.tv_sec ||
		  st.st_mtim.tv_nsec != m->config_mtime.tv_nsec ||
		  st.st_size != m->config_size || st.st_ino != m->config_ino;
	m->config_mtime = st.st_mtim;
	m->config_size = st.st_size;
	m->config_ino = st.st_ino;
	return changed;
}

int
zdp_reload(struct zdp_mgmt *m, const char *why)
{
	struct zdp_config_errors errs = { 0 };
	struct zdp_config *cfg = NULL;
	struct zdp_snapshot *s = NULL;
	int rc;

	m->last_reload = time(NULL);
	/* What we load now is what the file watch has seen: a SIGHUP after an
	 * edit must not cause a second reload of the same content. */
	zdp_config_file_changed(m);
	rc = zdp_config_load_file(m->config_path, &cfg, &errs);
	if (rc == 0 && (!cfg->has_gateway || cfg->gateway.n_ports == 0)) {
		zdp_config_errors_add(&errs, m->config_path, 1, "gateway",
				      "missing: a running gateway needs its ports");
		rc = -EINVAL;
	}
	if (rc == 0)
		rc = restart_only_changes(m->cfg, cfg, &errs);
	if (rc == 0)
		rc = zdp_compile(m, cfg, &s, &errs);
	if (rc < 0) {
		size_t off = 0;

		m->reloads_failed++;
		m->last_reload_error[0] = '\0';
		RTE_LOG(ERR, USER1, "config reload (%s) rejected; still running generation %lu:\n",
			why, (unsigned long)m->generation);
		for (size_t i = 0; i < errs.n; i++) {
			RTE_LOG(ERR, USER1, "  %s\n", errs.msgs[i]);
			if (off < sizeof(m->last_reload_error) - 1)
				off += (size_t)snprintf(m->last_reload_error + off,
					sizeof(m->last_reload_error) - off, "%s%s",
					i ? "; " : "", errs.msgs[i]);
		}
		zdp_config_free(cfg);
		zdp_config_errors_fini(&errs);
		return rc;
	}
	zdp_snapshot_publish(m, s);
	zdp_config_free(m->cfg);
	m->cfg = cfg;
	m->reloads_ok++;
	m->last_reload_error[0] = '\0';
	RTE_LOG(NOTICE, USER1, "config reload (%s): generation %lu running\n", why,
		(unsigned long)m->generation);
	zdp_config_errors_fini(&errs);
	return 0;
}
