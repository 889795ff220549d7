/* SPDX-License-Identifier: BSD-3-Clause
 * policy_compile.h — config model policies -> compiled zdp_policy_set.
 *
 * Mgmt side. zdp_policy_compile() validates every struct zdp_cfg_policy,
 * gives each one its stable id from a registry that outlives reloads, and
 * builds the flat tables dataplane/policy.c evaluates. The set it returns
 * is immutable; publish it in a snapshot and free it with
 * zdp_policy_set_destroy() after the RCU grace period.
 */
#ifndef ZDP_POLICY_COMPILE_H
#define ZDP_POLICY_COMPILE_H

#include <stddef.h>
#include <stdint.h>

#include "policy.h"
#include "zdp_config.h"

/*
 * Registry of stable policy ids: "ns/name" -> id, for the life of the
 * process. An id is never reused or reassigned, also after its policy is
 * removed, so a policy that comes back gets its old id (and its counters).
 * Mgmt thread only; not thread-safe.
 */
struct zdp_policy_registry;

/* @max_ids: ids handed out at most, 0 = ZDP_POLICY_ID_MAX (larger values
 * are capped to it). Returns NULL on allocation failure. */
struct zdp_policy_registry *zdp_policy_registry_create(uint32_t max_ids);
void zdp_policy_registry_destroy(struct zdp_policy_registry *reg);	/* NULL ok */
/* "ns/name" of @id, or NULL if @id was never handed out. Owned by @reg. */
const char *zdp_policy_registry_name(const struct zdp_policy_registry *reg,
				     uint32_t id);
/* The id of "ns/name" @key, or -ENOENT. Does not assign. */
int64_t zdp_policy_registry_lookup(const struct zdp_policy_registry *reg,
				   const char *key);
/* Ids handed out so far (they are 0 .. count-1). */
uint32_t zdp_policy_registry_count(const struct zdp_policy_registry *reg);

/*
 * Compile cfg->policies (and each workload's applicable list) into *out.
 * Returns 0 and a new set in *out, or:
 *   -EINVAL  bad policy content (empty name, duplicate "ns/name", bad scope
 *            or action, prefix length beyond the family, string match
 *            without a value, ...); @err says "file:line: key: reason";
 *   -ENOSPC  the registry has no id left for a new policy name;
 *   -ENOMEM.
 * On failure *out is NULL and @reg is unchanged (ids assigned during the
 * failed compile are taken back). @err may be NULL; it is always
 * NUL-terminated when @errlen > 0.
 */
int zdp_policy_compile(const struct zdp_config *cfg,
		       struct zdp_policy_registry *reg,
		       struct zdp_policy_set **out, char *err, size_t errlen);

void zdp_policy_set_destroy(struct zdp_policy_set *ps);	/* NULL ok */

#endif /* ZDP_POLICY_COMPILE_H */
