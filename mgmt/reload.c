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
	if (rc == 0) {
		char why_key[128];

		if (zdp_config_needs_restart(m->cfg, cfg, why_key, sizeof(why_key))) {
			/* Refused as a whole, so what runs is always one file's content. */
			zdp_config_errors_add(&errs, m->config_path, cfg->gateway.line, why_key,
					      "changed; this key needs a restart (docs/config.md)");
			rc = -EINVAL;
		}
	}
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
