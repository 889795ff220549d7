/* SPDX-License-Identifier: BSD-3-Clause
 * policy.c — L4 authorization evaluation on compiled tables (worker side).
 *
 * Mirrors ztunnel: src/state.rs assert_rbac (policy collection and the
 * DENY / ALLOW order, dry-run handling from istio/ztunnel#1659 and #1745)
 * and src/rbac.rs Authorization::matches (rule / clause / match logic).
 * docs/policy.md has the rule-by-rule reference.
 */
#include <errno.h>
#include <string.h>

#include "policy.h"

static const char *const reason_names[] = {
#define ZDP_POLICY_REASON_NAME_(sym, name) [ZDP_POLICY_R_##sym] = name,
	ZDP_POLICY_REASONS(ZDP_POLICY_REASON_NAME_)
#undef ZDP_POLICY_REASON_NAME_
};

const char *
zdp_policy_reason_name(enum zdp_policy_reason reason)
{
	if ((unsigned)reason >= ZDP_POLICY_R__COUNT)
		return "unknown";
	return reason_names[reason];
}

/*
 * Everything about the connection a match looks at, prepared once per
 * evaluation so the per-match checks are loads and compares.
 */
struct eval_ctx {
	uint64_t src[2], dst[2];
	uint8_t src_family, dst_family;
	uint16_t port;
	bool has_id;
	/* The principal without "spiffe://" is td "/ns/" ns "/sa/" sa: kept
	 * as segments so matching needs no buffer and no copy. */
	const char *seg[5];
	size_t seg_len[5];
	size_t prin_len;
	const char *ns;		/* "" without identity (ztunnel unwrap_or_default) */
	size_t ns_len;
	const char *sa;
	size_t sa_len;
};

/* IPv4-mapped IPv6 (::ffff:a.b.c.d) is the IPv4 address: ztunnel sees
 * canonical addresses (socket::to_canonical) before RBAC. */
static void
load_addr(const struct zdp_addr *a, uint64_t w[2], uint8_t *family)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	uint8_t b[16];

	if (a->family == ZDP_AF_INET6 && memcmp(a->a, mapped, 12) == 0) {
		memset(b, 0, sizeof(b));
		memcpy(b, a->a + 12, 4);
		*family = ZDP_AF_INET;
	} else if (a->family == ZDP_AF_INET) {
		memset(b, 0, sizeof(b));
		memcpy(b, a->a, 4);
		*family = ZDP_AF_INET;
	} else {
		memcpy(b, a->a, 16);
		*family = a->family;
	}
	memcpy(w, b, 16);
}

static void
ctx_init(struct eval_ctx *x, const struct zdp_policy_conn *c)
{
	const struct zdp_identity *id = c->src_id;

	load_addr(&c->src, x->src, &x->src_family);
	load_addr(&c->dst, x->dst, &x->dst_family);
	x->port = c->dst_port;
	x->has_id = id != NULL;
	if (!id) {
		x->ns = "";
		x->ns_len = 0;
		x->sa = "";
		x->sa_len = 0;
		x->prin_len = 0;
		return;
	}
	x->ns = id->ns ? id->ns : "";
	x->ns_len = strlen(x->ns);
	x->sa = id->sa ? id->sa : "";
	x->sa_len = strlen(x->sa);
	x->seg[0] = id->trust_domain ? id->trust_domain : "";
	x->seg_len[0] = strlen(x->seg[0]);
	x->seg[1] = "/ns/";
	x->seg_len[1] = 4;
	x->seg[2] = x->ns;
	x->seg_len[2] = x->ns_len;
	x->seg[3] = "/sa/";
	x->seg_len[3] = 4;
	x->seg[4] = x->sa;
	x->seg_len[4] = x->sa_len;
	x->prin_len = x->seg_len[0] + 4 + x->ns_len + 4 + x->sa_len;
}

/* Do the principal's bytes [pos, pos+len) equal @v? Caller checks bounds. */
static bool
prin_eq_at(const struct eval_ctx *x, size_t pos, const char *v, size_t len)
{
	unsigned i;

	for (i = 0; i < 5 && len; i++) {
		size_t sl = x->seg_len[i], n;

		if (pos >= sl) {
			pos -= sl;
			continue;
		}
		n = sl - pos;
		if (n > len)
			n = len;
		if (memcmp(x->seg[i] + pos, v, n) != 0)
			return false;
		v += n;
		len -= n;
		pos = 0;
	}
	return len == 0;
}

/* rbac.rs StringMatch::matches_principal: no identity means no
 * "spiffe://" prefix to strip, which never matches. */
static bool
prin_match(const struct eval_ctx *x, const struct zdp_pol_str *s,
	   const char *pool)
{
	const char *v = pool + s->off;

	if (!x->has_id)
		return false;
	switch (s->kind) {
	case ZDP_PSM_EXACT:
		return s->len == x->prin_len && prin_eq_at(x, 0, v, s->len);
	case ZDP_PSM_PREFIX:
		return s->len <= x->prin_len && prin_eq_at(x, 0, v, s->len);
	case ZDP_PSM_SUFFIX:
		return s->len <= x->prin_len &&
		       prin_eq_at(x, x->prin_len - s->len, v, s->len);
	default:	/* PRESENCE */
		return x->prin_len != 0;
	}
}

/* rbac.rs StringMatch::matches on a plain string. */
static bool
str_match(const char *check, size_t clen, const struct zdp_pol_str *s,
	  const char *pool)
{
	const char *v = pool + s->off;

	switch (s->kind) {
	case ZDP_PSM_EXACT:
		return s->len == clen && memcmp(check, v, clen) == 0;
	case ZDP_PSM_PREFIX:
		return s->len <= clen && memcmp(check, v, s->len) == 0;
	case ZDP_PSM_SUFFIX:
		return s->len <= clen && memcmp(check + clen - s->len, v, s->len) == 0;
	default:	/* PRESENCE */
		return clen != 0;
	}
}

static bool
any_port(const struct zdp_policy_set *ps, struct zdp_pol_span sp, uint16_t port)
{
	const uint16_t *p = ps->ports + sp.off;
	uint32_t lo = 0, hi = sp.n;

	if (sp.n <= 8) {
		for (; lo < hi; lo++)
			if (p[lo] == port)
				return true;
		return false;
	}
	while (lo < hi) {	/* sorted at compile time */
		uint32_t mid = lo + (hi - lo) / 2;

		if (p[mid] == port)
			return true;
		if (p[mid] < port)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

static bool
any_prefix(const struct zdp_policy_set *ps, struct zdp_pol_span sp,
	   const uint64_t a[2], uint8_t family)
{
	const struct zdp_pol_prefix *p = ps->prefixes + sp.off;
	uint32_t i;

	for (i = 0; i < sp.n; i++)
		if (p[i].family == family &&
		    (a[0] & p[i].mask[0]) == p[i].net[0] &&
		    (a[1] & p[i].mask[1]) == p[i].net[1])
			return true;
	return false;
}

/* rbac.rs ServiceAccountMatch::matches: no identity never matches. */
static bool
any_sa(const struct zdp_policy_set *ps, struct zdp_pol_span sp,
       const struct eval_ctx *x)
{
	const struct zdp_pol_sa *s = ps->sas + sp.off;
	uint32_t i;

	if (!x->has_id)
		return false;
	for (i = 0; i < sp.n; i++)
		if (s[i].ns_len == x->ns_len && s[i].sa_len == x->sa_len &&
		    memcmp(ps->pool + s[i].ns_off, x->ns, x->ns_len) == 0 &&
		    memcmp(ps->pool + s[i].sa_off, x->sa, x->sa_len) == 0)
			return true;
	return false;
}

static bool
any_ns(const struct zdp_policy_set *ps, struct zdp_pol_span sp,
       const struct eval_ctx *x)
{
	uint32_t i;

	for (i = 0; i < sp.n; i++)
		if (str_match(x->ns, x->ns_len, &ps->strs[sp.off + i], ps->pool))
			return true;
	return false;
}

static bool
any_prin(const struct zdp_policy_set *ps, struct zdp_pol_span sp,
	 const struct eval_ctx *x)
{
	uint32_t i;

	for (i = 0; i < sp.n; i++)
		if (prin_match(x, &ps->strs[sp.off + i], ps->pool))
			return true;
	return false;
}

/*
 * One Match (rbac.rs matches_internal per field): every non-empty field
 * must hold; a positive list holds if any value matches, a not_ list if
 * none does. ztunnel evaluates all fields; the predicates are pure, so
 * stopping at the first failing field gives the same answer. Cheap fields
 * (port, addresses) go first.
 */
static bool
match_ok(const struct zdp_policy_set *ps, const struct zdp_pol_match *m,
	 const struct eval_ctx *x)
{
	uint32_t f = m->fields;

	if ((f & ZDP_PM_PORT) && !any_port(ps, m->port, x->port))
		return false;
	if ((f & ZDP_PM_NOT_PORT) && any_port(ps, m->not_port, x->port))
		return false;
	if ((f & ZDP_PM_DST) && !any_prefix(ps, m->dst, x->dst, x->dst_family))
		return false;
	if ((f & ZDP_PM_NOT_DST) && any_prefix(ps, m->not_dst, x->dst, x->dst_family))
		return false;
	if ((f & ZDP_PM_SRC) && !any_prefix(ps, m->src, x->src, x->src_family))
		return false;
	if ((f & ZDP_PM_NOT_SRC) && any_prefix(ps, m->not_src, x->src, x->src_family))
		return false;
	if ((f & ZDP_PM_SA) && !any_sa(ps, m->sa, x))
		return false;
	if ((f & ZDP_PM_NOT_SA) && any_sa(ps, m->not_sa, x))
		return false;
	if ((f & ZDP_PM_NS) && !any_ns(ps, m->ns, x))
		return false;
	if ((f & ZDP_PM_NOT_NS) && any_ns(ps, m->not_ns, x))
		return false;
	if ((f & ZDP_PM_PRIN) && !any_prin(ps, m->prin, x))
		return false;
	if ((f & ZDP_PM_NOT_PRIN) && any_prin(ps, m->not_prin, x))
		return false;
	return true;
}

/*
 * rbac.rs Authorization::matches: no rules -> false; rules OR'd; clauses
 * of a rule AND'd (a rule without clauses matches); matches of a clause
 * OR'd (a clause without matches matches; an empty Match never does).
 */
static bool
policy_matches(const struct zdp_policy_set *ps, const struct zdp_pol_policy *p,
	       const struct eval_ctx *x)
{
	uint32_t r, c, m;

	if (p->has_ports && !any_port(ps, p->ports, x->port))
		return false;
	if (p->has_src && !any_prefix(ps, p->src, x->src, x->src_family))
		return false;
	for (r = 0; r < p->rules.n; r++) {
		const struct zdp_pol_rule *rule = &ps->rules[p->rules.off + r];
		bool rule_match = true;

		if (rule->has_ports && !any_port(ps, rule->ports, x->port))
			continue;

		for (c = 0; c < rule->clauses.n && rule_match; c++) {
			const struct zdp_pol_clause *cl =
				&ps->clauses[rule->clauses.off + c];
			bool clause_match = cl->matches.n == 0;

			for (m = 0; m < cl->matches.n; m++) {
				const struct zdp_pol_match *mt =
					&ps->matches[cl->matches.off + m];

				if (mt->fields != 0 && match_ok(ps, mt, x)) {
					clause_match = true;
					break;
				}
			}
			rule_match = clause_match;
		}
		if (rule_match)
			return true;
	}
	return false;
}

static void
note_dry_run(struct zdp_policy_result *r, uint32_t id)
{
	if (r->n_dry_run < ZDP_POLICY_DRY_RUN_MAX)
		r->dry_run_ids[r->n_dry_run++] = id;
	r->n_dry_run_matched++;
}

static void
result_init(struct zdp_policy_result *r)
{
	r->verdict = ZDP_POLICY_DENY;
	r->reason = ZDP_POLICY_R_DENY_UNKNOWN_WORKLOAD;
	r->policy_id = ZDP_POLICY_ID_NONE;
	r->dry_run_verdict = ZDP_POLICY_DENY;
	r->n_dry_run_matched = 0;
	r->n_dry_run = 0;
}

int
zdp_policy_eval(const struct zdp_policy_set *ps, uint32_t workload_idx,
		const struct zdp_policy_conn *c, struct zdp_policy_result *r)
{
	const struct zdp_pol_wl *wl;
	const uint32_t *l;
	struct eval_ctx x;
	bool dry_deny = false, dry_allow = false;
	uint32_t i;

	if (!r)
		return -EINVAL;
	result_init(r);
	if (!ps || !c)
		return -EINVAL;
	if (workload_idx >= ps->n_workloads)
		return -ENOENT;
	wl = &ps->wl[workload_idx];
	l = ps->lists + wl->off;
	ctx_init(&x, c);

	/* ztunnel#1659: dry-run DENY first, every match reported. */
	for (i = 0; i < wl->n_dry_deny; i++, l++) {
		const struct zdp_pol_policy *p = &ps->policies[*l];

		if (policy_matches(ps, p, &x)) {
			note_dry_run(r, p->id);
			dry_deny = true;
		}
	}
	/* "If there are any DENY policies that match the request, deny." */
	for (i = 0; i < wl->n_deny; i++, l++) {
		const struct zdp_pol_policy *p = &ps->policies[*l];

		if (policy_matches(ps, p, &x)) {
			r->verdict = ZDP_POLICY_DENY;
			r->reason = ZDP_POLICY_R_DENY_MATCH;
			r->policy_id = p->id;
			r->dry_run_verdict = ZDP_POLICY_DENY;
			return 0;
		}
	}
	/* Dry-run ALLOW, every match reported (only reached without a DENY). */
	for (i = 0; i < wl->n_dry_allow; i++, l++) {
		const struct zdp_pol_policy *p = &ps->policies[*l];

		if (policy_matches(ps, p, &x)) {
			note_dry_run(r, p->id);
			dry_allow = true;
		}
	}
	/* "If there are no ALLOW policies for the workload, allow." Dry-run
	 * ALLOW policies do not count (they were partitioned out). */
	if (wl->n_allow == 0) {
		r->verdict = ZDP_POLICY_ALLOW;
		r->reason = ZDP_POLICY_R_ALLOW_NO_POLICY;
		/* ztunnel#1745: enforcing the dry-run ALLOWs would deny when
		 * there are some and none matched. */
		r->dry_run_verdict = dry_deny ||
			(wl->n_dry_allow != 0 && !dry_allow) ?
			ZDP_POLICY_DENY : ZDP_POLICY_ALLOW;
		return 0;
	}
	/* "If any of the ALLOW policies match the request, allow." */
	for (i = 0; i < wl->n_allow; i++, l++) {
		const struct zdp_pol_policy *p = &ps->policies[*l];

		if (policy_matches(ps, p, &x)) {
			r->verdict = ZDP_POLICY_ALLOW;
			r->reason = ZDP_POLICY_R_ALLOW_MATCH;
			r->policy_id = p->id;
			r->dry_run_verdict = dry_deny ? ZDP_POLICY_DENY : ZDP_POLICY_ALLOW;
			return 0;
		}
	}
	/* "Deny the request." */
	r->verdict = ZDP_POLICY_DENY;
	r->reason = ZDP_POLICY_R_DENY_NOT_ALLOWED;
	r->dry_run_verdict = !dry_deny && dry_allow ? ZDP_POLICY_ALLOW : ZDP_POLICY_DENY;
	return 0;
}

/* ---- enumeration -------------------------------------------------------- */

size_t
zdp_policy_set_count(const struct zdp_policy_set *ps)
{
	return ps ? ps->n_policies : 0;
}

int
zdp_policy_set_info(const struct zdp_policy_set *ps, size_t i,
		    struct zdp_policy_info *out)
{
	const struct zdp_pol_policy *p;

	if (!ps || !out)
		return -EINVAL;
	if (i >= ps->n_policies)
		return -ERANGE;
	p = &ps->policies[i];
	out->id = p->id;
	out->key = ps->pool + p->key_off;
	out->ns = ps->pool + p->ns_off;
	out->name = ps->pool + p->name_off;
	out->action = (enum zdp_policy_verdict)p->action;
	out->dry_run = p->dry_run != 0;
	out->scope = p->scope;
	out->n_rules = p->rules.n;
	return 0;
}

size_t
zdp_policy_set_workload_count(const struct zdp_policy_set *ps)
{
	return ps ? ps->n_workloads : 0;
}

int
zdp_policy_set_workload_policies(const struct zdp_policy_set *ps,
				 uint32_t workload_idx, uint32_t *idx, size_t cap)
{
	const struct zdp_pol_wl *wl;
	uint32_t n, i;

	if (!ps || workload_idx >= ps->n_workloads)
		return -ENOENT;
	wl = &ps->wl[workload_idx];
	n = wl->n_dry_deny + wl->n_deny + wl->n_dry_allow + wl->n_allow;
	for (i = 0; i < n && i < cap && idx; i++)
		idx[i] = ps->lists[wl->off + i];
	return (int)n;
}

size_t
zdp_policy_set_unresolved_count(const struct zdp_policy_set *ps)
{
	return ps ? ps->n_unresolved : 0;
}
