/* SPDX-License-Identifier: BSD-3-Clause
 * policy.h — Istio L4 authorization, evaluated on compiled tables.
 *
 * Worker side. The mgmt thread compiles the config model's policies
 * (mgmt/policy_compile.h) into one immutable struct zdp_policy_set that
 * lives in the config snapshot; workers call zdp_policy_eval() once per new
 * flow. Evaluation reads the set only: no allocation, no locks, no writes
 * outside the caller's result struct.
 *
 * Semantics follow ztunnel (istio/ztunnel src/state.rs assert_rbac and
 * src/rbac.rs Authorization::matches); docs/policy.md lists every rule with
 * its source location. In short, for the destination workload:
 *   1. dry-run DENY policies: evaluated, matches reported, verdict unchanged;
 *   2. any matching DENY policy denies;
 *   3. dry-run ALLOW policies: evaluated, matches reported;
 *   4. no (enforced) ALLOW policy applies -> allow;
 *   5. any matching ALLOW policy allows; otherwise deny.
 *
 * Policy ids are stable for the life of the process (a registry on the mgmt
 * side hands them out), so per-policy counters indexed by id survive
 * reloads: see dataplane/counters.h.
 */
#ifndef ZDP_POLICY_H
#define ZDP_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "zdp_addr.h"

#define ZDP_POLICY_ID_MAX	16384u		/* ids are 0 .. ZDP_POLICY_ID_MAX-1 */
#define ZDP_POLICY_ID_NONE	UINT32_MAX	/* verdict came from a default */
#define ZDP_POLICY_DRY_RUN_MAX	8		/* dry-run ids kept per result */

/* A peer's SPIFFE identity, spiffe://<trust_domain>/ns/<ns>/sa/<sa>. */
struct zdp_identity {
	const char *trust_domain;
	const char *ns;
	const char *sa;
};

/* What the worker knows when it creates a flow. */
struct zdp_policy_conn {
	struct zdp_addr src;	/* peer address; IPv4-mapped IPv6 is treated as IPv4 */
	struct zdp_addr dst;	/* the destination workload address actually chosen
				 * (after load balancing), as ztunnel evaluates */
	uint16_t dst_port;	/* host order: the destination (target) port */
	const struct zdp_identity *src_id;	/* NULL for plaintext */
};

enum zdp_policy_verdict {
	ZDP_POLICY_ALLOW = 0,
	ZDP_POLICY_DENY = 1,
};

/* Why the verdict was reached; names for metrics and logs. */
#define ZDP_POLICY_REASONS(X)						\
	X(ALLOW_NO_POLICY,	"allow_no_allow_policy")		\
	X(ALLOW_MATCH,		"allow_policy_match")			\
	X(DENY_MATCH,		"deny_policy_match")			\
	X(DENY_NOT_ALLOWED,	"deny_no_allow_match")			\
	X(DENY_UNKNOWN_WORKLOAD, "deny_unknown_workload")

enum zdp_policy_reason {
#define ZDP_POLICY_REASON_ENUM_(sym, name) ZDP_POLICY_R_##sym,
	ZDP_POLICY_REASONS(ZDP_POLICY_REASON_ENUM_)
#undef ZDP_POLICY_REASON_ENUM_
	ZDP_POLICY_R__COUNT
};

struct zdp_policy_result {
	enum zdp_policy_verdict verdict;
	enum zdp_policy_reason reason;
	/* Stable id of the deciding policy (the matching DENY or ALLOW);
	 * ZDP_POLICY_ID_NONE for ALLOW_NO_POLICY / DENY_NOT_ALLOWED. */
	uint32_t policy_id;
	/* The verdict had every dry-run policy been enforced (zdp addition:
	 * ztunnel only logs). Equals @verdict when no dry-run policy applies. */
	enum zdp_policy_verdict dry_run_verdict;
	/* Matching dry-run policies, in evaluation order (DENY ones first).
	 * n_dry_run_matched counts all of them; only the first
	 * ZDP_POLICY_DRY_RUN_MAX ids are stored (n_dry_run). */
	uint32_t n_dry_run_matched;
	uint32_t n_dry_run;
	uint32_t dry_run_ids[ZDP_POLICY_DRY_RUN_MAX];
};

struct zdp_policy_set;	/* compiled, immutable, lives in the config snapshot */

/*
 * Decide whether connection @c to workload @workload_idx (index of the
 * destination workload in cfg->workloads at compile time) is authorized.
 * Always fills @r. Returns 0, or -ENOENT when @workload_idx is not a
 * workload of @ps (then @r says DENY / DENY_UNKNOWN_WORKLOAD: fail closed,
 * as ztunnel denies when the destination workload is not found), or
 * -EINVAL for NULL arguments (@r, if non-NULL, says DENY).
 * Reads @ps only; safe to call from any number of workers at once.
 */
int zdp_policy_eval(const struct zdp_policy_set *ps, uint32_t workload_idx,
		    const struct zdp_policy_conn *c, struct zdp_policy_result *r);

/* "allow_policy_match", ...; "unknown" for an out-of-range value. */
const char *zdp_policy_reason_name(enum zdp_policy_reason reason);

/* ---- enumeration (metrics, config_dump) ------------------------------- */

struct zdp_policy_info {
	uint32_t id;		/* stable id */
	const char *key;	/* "ns/name"; strings are owned by the set */
	const char *ns;
	const char *name;
	enum zdp_policy_verdict action;	/* ALLOW or DENY policy */
	bool dry_run;
	uint8_t scope;		/* 0 GLOBAL, 1 NAMESPACE, 2 WORKLOAD_SELECTOR
				 * (authorization.proto / enum zdp_policy_scope) */
	uint32_t n_rules;
};

/* Number of policies in @ps (0 for NULL). */
size_t zdp_policy_set_count(const struct zdp_policy_set *ps);
/* Fill @out for the @i-th policy (0 <= i < count, config order).
 * Returns 0 or -ERANGE / -EINVAL. */
int zdp_policy_set_info(const struct zdp_policy_set *ps, size_t i,
			struct zdp_policy_info *out);
/* Number of workloads the set was compiled for (cfg->n_workloads). */
size_t zdp_policy_set_workload_count(const struct zdp_policy_set *ps);
/*
 * Policies that apply to workload @workload_idx, as indices usable with
 * zdp_policy_set_info(), in evaluation order. Writes up to @cap indices to
 * @idx and returns how many apply (may exceed @cap), or -ENOENT.
 */
int zdp_policy_set_workload_policies(const struct zdp_policy_set *ps,
				     uint32_t workload_idx, uint32_t *idx,
				     size_t cap);
/* Workload references to policies that do not exist (ztunnel skips them
 * with a warning; so does zdp). */
size_t zdp_policy_set_unresolved_count(const struct zdp_policy_set *ps);

/* ---- compiled layout ----------------------------------------------------
 * Written once by mgmt/policy_compile.c, read by policy.c. Not an API for
 * anyone else. Everything is flat arrays addressed by (offset, count)
 * spans, so evaluating a policy walks contiguous memory:
 *
 *   wl[w] --> lists[off .. off+n_dry_deny+n_deny+n_dry_allow+n_allow)
 *                 |  policy indices, grouped: dry-run DENY | DENY |
 *                 |  dry-run ALLOW | ALLOW, each group in config order
 *                 v
 *   policies[p].rules --> rules[] .clauses --> clauses[] .matches -->
 *   matches[] .{port,dst,src,sa,ns,prin}{,not_} --> ports[] / prefixes[] /
 *                                                    sas[] / strs[] -> pool
 *
 * Identical per-workload lists are stored once (workloads of a namespace
 * usually share one).
 */

struct zdp_pol_span {
	uint32_t off, n;
};

/* Field bits of zdp_pol_match.fields: which lists are non-empty. */
enum {
	ZDP_PM_PORT = 1u << 0, ZDP_PM_NOT_PORT = 1u << 1,
	ZDP_PM_DST = 1u << 2, ZDP_PM_NOT_DST = 1u << 3,
	ZDP_PM_SRC = 1u << 4, ZDP_PM_NOT_SRC = 1u << 5,
	ZDP_PM_SA = 1u << 6, ZDP_PM_NOT_SA = 1u << 7,
	ZDP_PM_NS = 1u << 8, ZDP_PM_NOT_NS = 1u << 9,
	ZDP_PM_PRIN = 1u << 10, ZDP_PM_NOT_PRIN = 1u << 11,
};

struct zdp_pol_match {
	uint32_t fields;	/* 0: an empty Match, which never matches */
	struct zdp_pol_span port, not_port;	/* ports[]: sorted, unique */
	struct zdp_pol_span dst, not_dst;	/* prefixes[] */
	struct zdp_pol_span src, not_src;	/* prefixes[] */
	struct zdp_pol_span sa, not_sa;		/* sas[] */
	struct zdp_pol_span ns, not_ns;		/* strs[] */
	struct zdp_pol_span prin, not_prin;	/* strs[] */
};

/* Prefix pre-masked: x inside iff family equal and (x & mask) == net,
 * compared as two 64-bit words in the byte order of zdp_addr.a. */
struct zdp_pol_prefix {
	uint64_t net[2];
	uint64_t mask[2];
	uint8_t family;
};

enum { ZDP_PSM_EXACT, ZDP_PSM_PREFIX, ZDP_PSM_SUFFIX, ZDP_PSM_PRESENCE };

struct zdp_pol_str {
	uint32_t off;		/* into pool */
	uint32_t len;
	uint8_t kind;		/* ZDP_PSM_* */
};

struct zdp_pol_sa {
	uint32_t ns_off, ns_len;
	uint32_t sa_off, sa_len;
};

struct zdp_pol_rule {
	struct zdp_pol_span clauses;	/* no clauses: matches all */
	/* Pre-filter: when has_ports, the rule can only match a destination
	 * port in ports[] (sorted; empty = never matches). Derived from one
	 * clause whose every live match lists destination ports, so most
	 * rules are rejected without walking clauses and matches. */
	struct zdp_pol_span ports;
	uint32_t has_ports;
};

struct zdp_pol_clause {
	struct zdp_pol_span matches;	/* empty clause: matches all */
};

struct zdp_pol_policy {
	uint32_t id;
	struct zdp_pol_span rules;	/* no rules: never matches */
	/* Pre-filter: when has_ports, the union of the rules' port filters
	 * (every rule has one), checked before any rule is looked at. */
	struct zdp_pol_span ports;
	uint32_t has_ports;
	/* Pre-filter: when has_src, the policy can only match a source in
	 * prefixes[src] (every rule has a clause whose every live match lists
	 * source prefixes; their union). Checked after the ports. */
	struct zdp_pol_span src;
	uint32_t has_src;
	uint8_t action;		/* enum zdp_policy_verdict */
	uint8_t dry_run;
	uint8_t scope;
	uint32_t key_off, ns_off, name_off;	/* NUL-terminated, in pool */
};

struct zdp_pol_wl {
	uint32_t off;		/* into lists */
	uint32_t n_dry_deny, n_deny, n_dry_allow, n_allow;
};

struct zdp_policy_set {
	struct zdp_pol_policy *policies;
	uint32_t n_policies;
	struct zdp_pol_wl *wl;
	uint32_t n_workloads;
	uint32_t *lists;
	struct zdp_pol_rule *rules;
	struct zdp_pol_clause *clauses;
	struct zdp_pol_match *matches;
	uint16_t *ports;
	struct zdp_pol_prefix *prefixes;
	struct zdp_pol_sa *sas;
	struct zdp_pol_str *strs;
	char *pool;
	size_t n_lists, n_rules, n_clauses, n_matches, n_ports, n_prefixes;
	size_t n_sas, n_strs, pool_len;
	size_t n_unresolved;
};

#endif /* ZDP_POLICY_H */
