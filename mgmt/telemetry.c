/* SPDX-License-Identifier: BSD-3-Clause
 * telemetry.c — per-worker figures on DPDK's telemetry socket, next to the
 * ethdev figures DPDK exports itself:
 *
 *   dpdk-telemetry.py -f <file-prefix>
 *   --> /zdp/workers          list of worker ids
 *   --> /zdp/worker,0         loops, busy/idle cycles, flows, hand-off, ...
 *   --> /zdp/drops            drops by reason, summed over workers
 *
 * Callbacks run on DPDK's telemetry thread and only read per-core counters
 * (plain 64-bit loads, never torn on x86-64).
 */
#include <stdlib.h>
#include <string.h>

#include <rte_telemetry.h>

#include "drop.h"
#include "worker.h"
#include "zdp_mgmt.h"

static struct zdp_runtime *tel_rt;

static int
tel_workers(const char *cmd, const char *params, struct rte_tel_data *d)
{
	rte_tel_data_start_array(d, RTE_TEL_INT_VAL);
	for (unsigned w = 0; w < tel_rt->n_workers; w++)
		rte_tel_data_add_array_int(d, (int)w);
	return 0;
}

static int
tel_worker(const char *cmd, const char *params, struct rte_tel_data *d)
{
	const struct zdp_core_counters *c;
	char *end;
	unsigned long w;

	if (params == NULL || *params == '\0')
		return -1;
	w = strtoul(params, &end, 0);
	if (*end != '\0' || w >= tel_rt->n_workers)
		return -1;
	c = tel_rt->workers[w]->ctr;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_int(d, "lcore", (int)tel_rt->workers[w]->lcore);
	rte_tel_data_add_dict_u64(d, "loops", c->loops);
	rte_tel_data_add_dict_u64(d, "idle_polls", c->idle_polls);
	rte_tel_data_add_dict_u64(d, "busy_cycles", c->busy_cycles);
	rte_tel_data_add_dict_u64(d, "idle_cycles", c->idle_cycles);
	rte_tel_data_add_dict_u64(d, "flows_active", c->flows_active);
	rte_tel_data_add_dict_u64(d, "flows_capacity", c->flows_capacity);
	rte_tel_data_add_dict_u64(d, "flows_created", c->flows_created);
	rte_tel_data_add_dict_u64(d, "flows_expired", c->flows_expired);
	rte_tel_data_add_dict_u64(d, "handoff_out", c->handoff_out);
	rte_tel_data_add_dict_u64(d, "handoff_in", c->handoff_in);
	rte_tel_data_add_dict_u64(d, "snapshot_generation", c->snapshot_generation);
	return 0;
}

static int
tel_drops(const char *cmd, const char *params, struct rte_tel_data *d)
{
	rte_tel_data_start_dict(d);
	for (int r = 1; r < ZDP_DROP__COUNT; r++) {
		uint64_t v = 0;
		for (unsigned w = 0; w < tel_rt->n_workers; w++)
			v += tel_rt->workers[w]->ctr->drops[r];
		rte_tel_data_add_dict_u64(d, zdp_drop_reason_name((enum zdp_drop_reason)r), v);
	}
	return 0;
}

void
zdp_telemetry_register(struct zdp_runtime *rt)
{
	tel_rt = rt;
	rte_telemetry_register_cmd("/zdp/workers", tel_workers, "Returns the worker ids");
	rte_telemetry_register_cmd("/zdp/worker", tel_worker,
				   "Returns one worker's loop and flow counters. Parameters: int worker_id");
	rte_telemetry_register_cmd("/zdp/drops", tel_drops,
				   "Returns drops by reason, summed over workers");
}
