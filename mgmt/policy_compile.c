/* SPDX-License-Identifier: BSD-3-Clause
 * policy_compile.c — config model policies -> flat tables (mgmt side).
 *
 * The layout is described in dataplane/policy.h. The compiler:
 *   1. validates each policy and gives it its stable id (registry);
 *   2. flattens rules / clauses / matches into arrays, pre-masking
 *      prefixes, sorting and de-duplicating ports, pooling strings;
 *   3. builds each workload's list of applicable policies the way ztunnel
 *      collects them (src/state.rs assert_rbac): its namespace's
 *      NAMESPACE-scoped policies, every GLOBAL-scoped policy, then the
 *      "ns/name" keys the workload names; duplicates dropped, grouped
 *      dry-run DENY | DENY | dry-run ALLOW | ALLOW. Identical lists are
 *      stored once.
 * On any failure nothing escapes: the registry is rolled back and the
 * partial set freed.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy_compile.h"

/* ---- small helpers ------------------------------------------------------ */

static uint64_t
hash_bytes(const void *p, size_t n, uint64_t h)
{
	const uint8_t *b = p;

	while (n--) {		/* FNV-1a */
		h ^= *b++;
		h *= 0x100000001b3ull;
	}
	return h;
}

static uint64_t
hash_str(const char *s)
{
	return hash_bytes(s, strlen(s), 0xcbf29ce484222325ull);
}

static size_t
pow2_at_least(size_t n)
{
	size_t p = 16;

	while (p < n)
		p <<= 1;
	return p;
}

/* Offsets and counts are uint32_t in the compiled layout. */
#define VEC_MAX ((size_t)1 << 30)

struct vec {
	void *p;
	size_t n, cap, elsz;
};

/* Append @k zeroed elements; returns the index of the first or -ENOMEM /
 * -E2BIG. Pointers into the vector are invalid afterwards. */
static int64_t
vec_add(struct vec *v, size_t k)
{
	size_t need = v->n + k;

	if (k == 0)
		return (int64_t)v->n;
	if (need > VEC_MAX)
		return -E2BIG;
	if (need > v->cap) {
		size_t cap = v->cap ? v->cap : 16;
		void *np;

		while (cap < need)
			cap *= 2;
		np = realloc(v->p, cap * v->elsz);
		if (!np)
			return -ENOMEM;
		v->p = np;
		v->cap = cap;
	}
	memset((char *)v->p + v->n * v->elsz, 0, k * v->elsz);
	v->n = need;
	return (int64_t)(need - k);
}

/* Append @len bytes and a NUL to the string pool; returns the offset. */
static int64_t
pool_add(struct vec *pool, const char *s, size_t len)
{
	int64_t off = vec_add(pool, len + 1);

	if (off < 0)
		return off;
	memcpy((char *)pool->p + off, s, len);
	return off;
}

static void
errf(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* ---- registry ------------------------------------------------------------ */

struct zdp_policy_registry {
	uint32_t max;		/* ids 0 .. max-1 */
	uint32_t n;		/* handed out */
	char **names;		/* [max], by id */
	uint32_t *slots;	/* open addressing over ids; UINT32_MAX empty */
	size_t mask;
};

struct zdp_policy_registry *
zdp_policy_registry_create(uint32_t max_ids)
{
	struct zdp_policy_registry *reg;
	size_t nslots, i;

	if (max_ids == 0 || max_ids > ZDP_POLICY_ID_MAX)
		max_ids = ZDP_POLICY_ID_MAX;
	reg = calloc(1, sizeof(*reg));
	if (!reg)
		return NULL;
	reg->max = max_ids;
	nslots = pow2_at_least((size_t)max_ids * 2);
	reg->names = calloc(max_ids, sizeof(*reg->names));
	reg->slots = malloc(nslots * sizeof(*reg->slots));
	if (!reg->names || !reg->slots) {
		zdp_policy_registry_destroy(reg);
		return NULL;
	}
	for (i = 0; i < nslots; i++)
		reg->slots[i] = UINT32_MAX;
	reg->mask = nslots - 1;
	return reg;
}

void
zdp_policy_registry_destroy(struct zdp_policy_registry *reg)
{
	uint32_t i;

	if (!reg)
		return;
	for (i = 0; i < reg->n; i++)
		free(reg->names[i]);
	free(reg->names);
	free(reg->slots);
	free(reg);
}

/* Slot holding @key, or the empty slot where it would go. */
static size_t
reg_slot(const struct zdp_policy_registry *reg, const char *key)
{
	size_t s = (size_t)hash_str(key) & reg->mask;

	while (reg->slots[s] != UINT32_MAX &&
	       strcmp(reg->names[reg->slots[s]], key) != 0)
		s = (s + 1) & reg->mask;	/* at most half full: terminates */
	return s;
}

int64_t
zdp_policy_registry_lookup(const struct zdp_policy_registry *reg, const char *key)
{
	size_t s;

	if (!reg || !key)
		return -ENOENT;
	s = reg_slot(reg, key);
	return reg->slots[s] == UINT32_MAX ? -ENOENT : (int64_t)reg->slots[s];
}

const char *
zdp_policy_registry_name(const struct zdp_policy_registry *reg, uint32_t id)
{
	return reg && id < reg->n ? reg->names[id] : NULL;
}

uint32_t
zdp_policy_registry_count(const struct zdp_policy_registry *reg)
{
	return reg ? reg->n : 0;
}

/* Id of @key, assigning the next one if new. 0, -ENOSPC or -ENOMEM. */
static int
reg_get(struct zdp_policy_registry *reg, const char *key, uint32_t *id)
{
	size_t s = reg_slot(reg, key);
	char *dup;

	if (reg->slots[s] != UINT32_MAX) {
		*id = reg->slots[s];
		return 0;
	}
	if (reg->n >= reg->max)
		return -ENOSPC;
	dup = strdup(key);
	if (!dup)
		return -ENOMEM;
	reg->names[reg->n] = dup;
	reg->slots[s] = reg->n;
	*id = reg->n++;
	return 0;
}

/* Forget ids >= @n (handed out by a compile that failed). */
static void
reg_rollback(struct zdp_policy_registry *reg, uint32_t n)
{
	uint32_t i;

	if (reg->n == n)
		return;
	for (i = n; i < reg->n; i++) {
		free(reg->names[i]);
		reg->names[i] = NULL;
	}
	reg->n = n;
	for (i = 0; i <= reg->mask; i++)
		reg->slots[i] = UINT32_MAX;
	for (i = 0; i < n; i++)
		reg->slots[reg_slot(reg, reg->names[i])] = i;
}

/* ---- set ----------------------------------------------------------------- */

void
zdp_policy_set_destroy(struct zdp_policy_set *ps)
{
	if (!ps)
		return;
	free(ps->policies);
	free(ps->wl);
	free(ps->lists);
	free(ps->rules);
	free(ps->clauses);
	free(ps->matches);
	free(ps->ports);
	free(ps->prefixes);
	free(ps->sas);
	free(ps->strs);
	free(ps->pool);
	free(ps);
}

struct builder {
	const struct zdp_config *cfg;
	char *err;
	size_t errlen;
	struct vec rules, clauses, matches, ports, prefixes, sas, strs, pool;
	struct vec lists, wl;
};

static const char *
cfg_file(const struct zdp_config *cfg)
{
	return cfg->path ? cfg->path : "<config>";
}

static int
add_ports(struct builder *b, const uint16_t *v, size_t n, struct zdp_pol_span *sp)
{
	uint16_t *p;
	int64_t off;
	size_t i, j, k;

	if (n == 0)
		return 0;
	off = vec_add(&b->ports, n);
	if (off < 0)
		return (int)off;
	p = (uint16_t *)b->ports.p + off;
	memcpy(p, v, n * sizeof(*p));
	for (i = 1; i < n; i++) {	/* insertion sort: lists are short */
		uint16_t x = p[i];

		for (j = i; j > 0 && p[j - 1] > x; j--)
			p[j] = p[j - 1];
		p[j] = x;
	}
	for (i = 1, k = 1; i < n; i++)
		if (p[i] != p[k - 1])
			p[k++] = p[i];
	b->ports.n -= n - k;
	sp->off = (uint32_t)off;
	sp->n = (uint32_t)k;
	return 0;
}

static int
add_prefixes(struct builder *b, const struct zdp_cfg_policy *pol,
	     const struct zdp_cfg_match *m, const char *field,
	     const struct zdp_prefix *v, size_t n, struct zdp_pol_span *sp)
{
	int64_t off;
	size_t i;

	if (n == 0)
		return 0;
	off = vec_add(&b->prefixes, n);
	if (off < 0)
		return (int)off;
	for (i = 0; i < n; i++) {
		struct zdp_pol_prefix *p = (struct zdp_pol_prefix *)b->prefixes.p + off + i;
		unsigned maxlen = v[i].addr.family == ZDP_AF_INET ? 32 :
				  v[i].addr.family == ZDP_AF_INET6 ? 128 : 0;
		uint8_t mask[16] = { 0 }, net[16];
		unsigned bits = v[i].len, k;

		/* ztunnel drops an Address it cannot parse (rbac.rs
		 * filter_map), which silently widens the match; a local
		 * config gets an error instead. */
		if (maxlen == 0 || bits > maxlen) {
			errf(b->err, b->errlen,
			     "%s:%u: policies[%s/%s].%s: bad prefix (family %u, length %u)",
			     cfg_file(b->cfg), m->line ? m->line : pol->line,
			     pol->namespace_, pol->name, field,
			     v[i].addr.family, bits);
			return -EINVAL;
		}
		for (k = 0; bits >= 8; k++, bits -= 8)
			mask[k] = 0xff;
		if (bits)
			mask[k] = (uint8_t)(0xff << (8 - bits));
		for (k = 0; k < 16; k++)
			net[k] = v[i].addr.a[k] & mask[k];
		memcpy(p->net, net, 16);
		memcpy(p->mask, mask, 16);
		p->family = v[i].addr.family;
	}
	sp->off = (uint32_t)off;
	sp->n = (uint32_t)n;
	return 0;
}

static int
add_strs(struct builder *b, const struct zdp_cfg_policy *pol,
	 const struct zdp_cfg_match *m, const char *field,
	 const struct zdp_cfg_string_match *v, size_t n, struct zdp_pol_span *sp)
{
	int64_t off, soff;
	size_t i;

	if (n == 0)
		return 0;
	off = vec_add(&b->strs, n);
	if (off < 0)
		return (int)off;
	for (i = 0; i < n; i++) {
		struct zdp_pol_str *s;
		size_t len = 0;

		if ((unsigned)v[i].kind > ZDP_SM_PRESENCE ||
		    (v[i].kind != ZDP_SM_PRESENCE && !v[i].value)) {
			errf(b->err, b->errlen,
			     "%s:%u: policies[%s/%s].%s: string match needs one of exact, prefix, suffix, presence",
			     cfg_file(b->cfg), m->line ? m->line : pol->line,
			     pol->namespace_, pol->name, field);
			return -EINVAL;
		}
		if (v[i].kind != ZDP_SM_PRESENCE)
			len = strlen(v[i].value);
		soff = pool_add(&b->pool, len ? v[i].value : "", len);
		if (soff < 0)
			return (int)soff;
		s = (struct zdp_pol_str *)b->strs.p + off + i;
		s->off = (uint32_t)soff;
		s->len = (uint32_t)len;
		s->kind = v[i].kind == ZDP_SM_EXACT ? ZDP_PSM_EXACT :
			  v[i].kind == ZDP_SM_PREFIX ? ZDP_PSM_PREFIX :
			  v[i].kind == ZDP_SM_SUFFIX ? ZDP_PSM_SUFFIX : ZDP_PSM_PRESENCE;
	}
	sp->off = (uint32_t)off;
	sp->n = (uint32_t)n;
	return 0;
}

static int
add_sas(struct builder *b, const struct zdp_cfg_sa_match *v, size_t n,
	struct zdp_pol_span *sp)
{
	int64_t off, o1, o2;
	size_t i;

	if (n == 0)
		return 0;
	off = vec_add(&b->sas, n);
	if (off < 0)
		return (int)off;
	for (i = 0; i < n; i++) {
		/* Missing strings are "" (protobuf default), as in ztunnel. */
		const char *ns = v[i].namespace_ ? v[i].namespace_ : "";
		const char *sa = v[i].service_account ? v[i].service_account : "";
		struct zdp_pol_sa *s;

		o1 = pool_add(&b->pool, ns, strlen(ns));
		if (o1 < 0)
			return (int)o1;
		o2 = pool_add(&b->pool, sa, strlen(sa));
		if (o2 < 0)
			return (int)o2;
		s = (struct zdp_pol_sa *)b->sas.p + off + i;
		s->ns_off = (uint32_t)o1;
		s->ns_len = (uint32_t)strlen(ns);
		s->sa_off = (uint32_t)o2;
		s->sa_len = (uint32_t)strlen(sa);
	}
	sp->off = (uint32_t)off;
	sp->n = (uint32_t)n;
	return 0;
}

static int
add_match(struct builder *b, const struct zdp_cfg_policy *pol,
	  const struct zdp_cfg_match *m, size_t idx)
{
	struct zdp_pol_match pm;
	int rc;

	memset(&pm, 0, sizeof(pm));
	if ((rc = add_ports(b, m->destination_ports, m->n_destination_ports, &pm.port)) ||
	    (rc = add_ports(b, m->not_destination_ports, m->n_not_destination_ports, &pm.not_port)) ||
	    (rc = add_prefixes(b, pol, m, "destinationIps", m->destination_ips,
			       m->n_destination_ips, &pm.dst)) ||
	    (rc = add_prefixes(b, pol, m, "notDestinationIps", m->not_destination_ips,
			       m->n_not_destination_ips, &pm.not_dst)) ||
	    (rc = add_prefixes(b, pol, m, "sourceIps", m->source_ips,
			       m->n_source_ips, &pm.src)) ||
	    (rc = add_prefixes(b, pol, m, "notSourceIps", m->not_source_ips,
			       m->n_not_source_ips, &pm.not_src)) ||
	    (rc = add_sas(b, m->service_accounts, m->n_service_accounts, &pm.sa)) ||
	    (rc = add_sas(b, m->not_service_accounts, m->n_not_service_accounts, &pm.not_sa)) ||
	    (rc = add_strs(b, pol, m, "namespaces", m->namespaces, m->n_namespaces, &pm.ns)) ||
	    (rc = add_strs(b, pol, m, "notNamespaces", m->not_namespaces,
			   m->n_not_namespaces, &pm.not_ns)) ||
	    (rc = add_strs(b, pol, m, "principals", m->principals, m->n_principals, &pm.prin)) ||
	    (rc = add_strs(b, pol, m, "notPrincipals", m->not_principals,
			   m->n_not_principals, &pm.not_prin)))
		return rc;
	pm.fields = (pm.port.n ? ZDP_PM_PORT : 0) | (pm.not_port.n ? ZDP_PM_NOT_PORT : 0) |
		    (pm.dst.n ? ZDP_PM_DST : 0) | (pm.not_dst.n ? ZDP_PM_NOT_DST : 0) |
		    (pm.src.n ? ZDP_PM_SRC : 0) | (pm.not_src.n ? ZDP_PM_NOT_SRC : 0) |
		    (pm.sa.n ? ZDP_PM_SA : 0) | (pm.not_sa.n ? ZDP_PM_NOT_SA : 0) |
		    (pm.ns.n ? ZDP_PM_NS : 0) | (pm.not_ns.n ? ZDP_PM_NOT_NS : 0) |
		    (pm.prin.n ? ZDP_PM_PRIN : 0) | (pm.not_prin.n ? ZDP_PM_NOT_PRIN : 0);
	((struct zdp_pol_match *)b->matches.p)[idx] = pm;
	return 0;
}

/*
 * Port pre-filter of rule @ri (see struct zdp_pol_rule). A clause holds
 * only if one of its matches does, and a live match with a port list holds
 * only for those ports; so the union of such a clause's port lists bounds
 * the rule. A clause with no matches, or with a live match without a port
 * list, bounds nothing. A clause of only empty matches never holds: its
 * bound is the empty set. The first bounding clause is used.
 */
static int
rule_port_filter(struct builder *b, size_t ri)
{
	struct zdp_pol_rule rule = ((struct zdp_pol_rule *)b->rules.p)[ri];
	uint32_t c, m, n;

	for (c = 0; c < rule.clauses.n; c++) {
		struct zdp_pol_clause cl =
			((struct zdp_pol_clause *)b->clauses.p)[rule.clauses.off + c];
		const struct zdp_pol_match *mt =
			(struct zdp_pol_match *)b->matches.p + cl.matches.off;
		bool bounded = cl.matches.n != 0;
		uint16_t *tmp;
		int rc;

		for (m = 0, n = 0; m < cl.matches.n && bounded; m++) {
			if (mt[m].fields == 0)
				continue;	/* never matches */
			if (!(mt[m].fields & ZDP_PM_PORT))
				bounded = false;
			else
				n += mt[m].port.n;
		}
		if (!bounded)
			continue;
		tmp = malloc((n + 1) * sizeof(*tmp));
		if (!tmp)
			return -ENOMEM;
		for (m = 0, n = 0; m < cl.matches.n; m++) {
			if (mt[m].fields == 0 || mt[m].port.n == 0)
				continue;
			memcpy(tmp + n, (uint16_t *)b->ports.p + mt[m].port.off,
			       mt[m].port.n * sizeof(*tmp));
			n += mt[m].port.n;
		}
		rule.has_ports = 1;
		rc = add_ports(b, tmp, n, &rule.ports);
		free(tmp);
		if (rc)
			return rc;
		((struct zdp_pol_rule *)b->rules.p)[ri] = rule;
		return 0;
	}
	return 0;
}

/* Policy pre-filter: the union of its rules' filters, when all have one. */
static int
policy_port_filter(struct builder *b, struct zdp_pol_policy *p)
{
	const struct zdp_pol_rule *rules = (struct zdp_pol_rule *)b->rules.p + p->rules.off;
	uint16_t *tmp;
	uint32_t r, n = 0;
	int rc;

	for (r = 0; r < p->rules.n; r++) {
		if (!rules[r].has_ports)
			return 0;
		n += rules[r].ports.n;
	}
	tmp = malloc((n + 1) * sizeof(*tmp));
	if (!tmp)
		return -ENOMEM;
	for (r = 0, n = 0; r < p->rules.n; r++) {
		if (rules[r].ports.n)
			memcpy(tmp + n, (uint16_t *)b->ports.p + rules[r].ports.off,
			       rules[r].ports.n * sizeof(*tmp));
		n += rules[r].ports.n;
	}
	p->has_ports = 1;
	rc = add_ports(b, tmp, n, &p->ports);
	free(tmp);
	return rc;
}

/*
 * Source pre-filter of policy @p (see struct zdp_pol_policy): the way the
 * port filter bounds a rule, a clause whose every live match lists source
 * prefixes bounds the rule's source to their union (a match holds only if
 * all its fields do); the policy is bounded when every rule is, by the
 * union of the rules' bounds. The prefixes are copied into one span.
 */
static int
policy_src_filter(struct builder *b, struct zdp_pol_policy *p)
{
	const struct zdp_pol_rule *rules = (struct zdp_pol_rule *)b->rules.p + p->rules.off;
	uint32_t bound[64];	/* per rule: its bounding clause's index */
	uint32_t r, n = 0;
	int64_t off;

	if (p->rules.n == 0 || p->rules.n > 64)
		return 0;
	for (r = 0; r < p->rules.n; r++) {
		uint32_t c, m, cn = 0;
		bool found = false;

		for (c = 0; c < rules[r].clauses.n && !found; c++) {
			struct zdp_pol_clause cl =
				((struct zdp_pol_clause *)b->clauses.p)[rules[r].clauses.off + c];
			const struct zdp_pol_match *mt =
				(struct zdp_pol_match *)b->matches.p + cl.matches.off;
			bool bounded = cl.matches.n != 0;

			for (m = 0, cn = 0; m < cl.matches.n && bounded; m++) {
				if (mt[m].fields == 0)
					continue;	/* never matches */
				if (!(mt[m].fields & ZDP_PM_SRC))
					bounded = false;
				else
					cn += mt[m].src.n;
			}
			if (bounded) {
				found = true;
				bound[r] = rules[r].clauses.off + c;
			}
		}
		if (!found)
			return 0;
		n += cn;
	}
	if (n == 0)
		return 0;	/* only empty matches: the rules never hold anyway */
	off = vec_add(&b->prefixes, n);
	if (off < 0)
		return (int)off;
	for (r = 0, n = 0; r < p->rules.n; r++) {
		struct zdp_pol_clause cl = ((struct zdp_pol_clause *)b->clauses.p)[bound[r]];
		const struct zdp_pol_match *mt =
			(struct zdp_pol_match *)b->matches.p + cl.matches.off;

		for (uint32_t m = 0; m < cl.matches.n; m++) {
			if (mt[m].fields == 0)
				continue;
			memcpy((struct zdp_pol_prefix *)b->prefixes.p + off + n,
			       (struct zdp_pol_prefix *)b->prefixes.p + mt[m].src.off,
			       mt[m].src.n * sizeof(struct zdp_pol_prefix));
			n += mt[m].src.n;
		}
	}
	p->src = (struct zdp_pol_span){ (uint32_t)off, n };
	p->has_src = 1;
	return 0;
}

/* Flatten the rules of @pol; fills p->rules. */
static int
add_rules(struct builder *b, const struct zdp_cfg_policy *pol,
	  struct zdp_pol_policy *p)
{
	int64_t roff, coff, moff;
	size_t r, c, m;
	int rc;

	if (pol->n_rules && !pol->rules)
		return -EINVAL;
	for (r = 0; r < pol->n_rules; r++) {
		if (pol->rules[r].n_clauses && !pol->rules[r].clauses)
			return -EINVAL;
		for (c = 0; c < pol->rules[r].n_clauses; c++)
			if (pol->rules[r].clauses[c].n_matches &&
			    !pol->rules[r].clauses[c].matches)
				return -EINVAL;
	}
	roff = vec_add(&b->rules, pol->n_rules);
	if (roff < 0)
		return (int)roff;
	p->rules.off = (uint32_t)roff;
	p->rules.n = (uint32_t)pol->n_rules;
	for (r = 0; r < pol->n_rules; r++) {
		const struct zdp_cfg_rule *rule = &pol->rules[r];

		coff = vec_add(&b->clauses, rule->n_clauses);
		if (coff < 0)
			return (int)coff;
		((struct zdp_pol_rule *)b->rules.p)[roff + r].clauses =
			(struct zdp_pol_span){ (uint32_t)coff, (uint32_t)rule->n_clauses };
		for (c = 0; c < rule->n_clauses; c++) {
			const struct zdp_cfg_clause *cl = &rule->clauses[c];

			moff = vec_add(&b->matches, cl->n_matches);
			if (moff < 0)
				return (int)moff;
			((struct zdp_pol_clause *)b->clauses.p)[coff + c].matches =
				(struct zdp_pol_span){ (uint32_t)moff, (uint32_t)cl->n_matches };
			for (m = 0; m < cl->n_matches; m++) {
				rc = add_match(b, pol, &cl->matches[m], (size_t)moff + m);
				if (rc)
					return rc;
			}
		}
		rc = rule_port_filter(b, (size_t)roff + r);
		if (rc)
			return rc;
	}
	rc = policy_port_filter(b, p);
	return rc ? rc : policy_src_filter(b, p);
}

/* ---- key index: "ns/name" -> policy index (this compile only) ------------- */

struct key_index {
	uint32_t *slots;	/* policy index; UINT32_MAX empty */
	char **keys;		/* by policy index */
	size_t mask;
};

static int64_t
key_find(const struct key_index *ki, const char *key, size_t *slot)
{
	size_t s = (size_t)hash_str(key) & ki->mask;

	while (ki->slots[s] != UINT32_MAX) {
		if (strcmp(ki->keys[ki->slots[s]], key) == 0) {
			if (slot)
				*slot = s;
			return ki->slots[s];
		}
		s = (s + 1) & ki->mask;
	}
	if (slot)
		*slot = s;
	return -ENOENT;
}

/* ---- per-workload lists ----------------------------------------------------- */

struct ns_ref {
	const char *ns;
	uint32_t idx;
};

static int
cmp_ns_ref(const void *a, const void *b)
{
	const struct ns_ref *x = a, *y = b;
	int c = strcmp(x->ns, y->ns);

	if (c)
		return c;
	return x->idx < y->idx ? -1 : x->idx > y->idx;	/* config order within a namespace */
}

struct list_slot {
	uint64_t hash;
	uint32_t wl;		/* first workload with this list; UINT32_MAX empty */
};

static int
build_lists(struct builder *b, struct zdp_policy_set *ps, struct key_index *ki)
{
	const struct zdp_config *cfg = b->cfg;
	size_t np = cfg->n_policies, nw = cfg->n_workloads, w, i, n_ns = 0, n_glob = 0;
	struct ns_ref *ns_idx = NULL;
	uint32_t *glob = NULL, *stamp = NULL, *tmp = NULL, *grp = NULL;
	struct list_slot *ls = NULL;
	size_t ls_mask = 0, tmp_cap = 0;
	int rc = -ENOMEM;

	ns_idx = malloc((np + 1) * sizeof(*ns_idx));
	glob = malloc((np + 1) * sizeof(*glob));
	stamp = calloc(np + 1, sizeof(*stamp));
	if (!ns_idx || !glob || !stamp)
		goto out;
	for (i = 0; i < np; i++) {
		if (cfg->policies[i].scope == ZDP_SCOPE_NAMESPACE)
			ns_idx[n_ns++] = (struct ns_ref){ cfg->policies[i].namespace_, (uint32_t)i };
		else if (cfg->policies[i].scope == ZDP_SCOPE_GLOBAL)
			glob[n_glob++] = (uint32_t)i;
	}
	qsort(ns_idx, n_ns, sizeof(*ns_idx), cmp_ns_ref);

	ls_mask = pow2_at_least(nw * 2) - 1;
	ls = malloc((ls_mask + 1) * sizeof(*ls));
	if (!ls)
		goto out;
	for (i = 0; i <= ls_mask; i++)
		ls[i].wl = UINT32_MAX;
	if (vec_add(&b->wl, nw) < 0)
		goto out;

	for (w = 0; w < nw; w++) {
		const struct zdp_cfg_workload *wl = &cfg->workloads[w];
		const char *wns = wl->namespace_ ? wl->namespace_ : "";
		size_t n = 0, lo = 0, hi = n_ns, need, k, g;
		struct zdp_pol_wl *rec;
		uint32_t cnt[4] = { 0 };
		uint64_t h;
		size_t s;

		need = n_ns + n_glob + wl->n_authorization_policies;
		if (!tmp || need > tmp_cap) {
			free(tmp);
			free(grp);
			tmp_cap = need;
			tmp = malloc((tmp_cap + 1) * sizeof(*tmp));
			grp = malloc((tmp_cap + 1) * sizeof(*grp));
			if (!tmp || !grp)
				goto out;
		}
		/* 1. NAMESPACE scope, this namespace (state.rs get_by_namespace). */
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;

			if (strcmp(ns_idx[mid].ns, wns) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		for (; lo < n_ns && strcmp(ns_idx[lo].ns, wns) == 0; lo++)
			tmp[n++] = ns_idx[lo].idx;
		/* 2. GLOBAL scope: policy.rs indexes all of them under "", so
		 * they apply mesh-wide whatever their namespace. */
		for (k = 0; k < n_glob; k++)
			tmp[n++] = glob[k];
		/* 3. What the workload names, any scope; unknown names are
		 * skipped ("skipping unknown policy"). */
		for (k = 0; k < wl->n_authorization_policies; k++) {
			const char *key = wl->authorization_policies[k];
			int64_t pi = key ? key_find(ki, key, NULL) : -ENOENT;

			if (pi < 0)
				ps->n_unresolved++;
			else
				tmp[n++] = (uint32_t)pi;
		}
		/* Drop duplicates (first occurrence wins), then group. */
		for (k = 0; k < n; k++) {
			const struct zdp_cfg_policy *p;

			if (stamp[tmp[k]] == w + 1) {
				tmp[k] = UINT32_MAX;
				continue;
			}
			stamp[tmp[k]] = (uint32_t)(w + 1);
			p = &cfg->policies[tmp[k]];
			cnt[(p->action == ZDP_ACTION_ALLOW) * 2 + !p->dry_run]++;
		}
		/* groups: 0 dry-run DENY, 1 DENY, 2 dry-run ALLOW, 3 ALLOW */
		{
			size_t pos[4] = { 0, cnt[0], cnt[0] + cnt[1], cnt[0] + cnt[1] + cnt[2] };

			for (k = 0; k < n; k++) {
				const struct zdp_cfg_policy *p;

				if (tmp[k] == UINT32_MAX)
					continue;
				p = &cfg->policies[tmp[k]];
				g = (p->action == ZDP_ACTION_ALLOW) * 2 + !p->dry_run;
				grp[pos[g]++] = tmp[k];
			}
		}
		n = cnt[0] + cnt[1] + cnt[2] + cnt[3];
		h = hash_bytes(cnt, sizeof(cnt), 0xcbf29ce484222325ull);
		h = hash_bytes(grp, n * sizeof(*grp), h);
		rec = (struct zdp_pol_wl *)b->wl.p + w;
		rec->n_dry_deny = cnt[0];
		rec->n_deny = cnt[1];
		rec->n_dry_allow = cnt[2];
		rec->n_allow = cnt[3];
		/* Share an identical list stored for an earlier workload. */
		for (s = (size_t)h & ls_mask; ls[s].wl != UINT32_MAX; s = (s + 1) & ls_mask) {
			const struct zdp_pol_wl *o = (struct zdp_pol_wl *)b->wl.p + ls[s].wl;

			if (ls[s].hash == h && o->n_dry_deny == cnt[0] &&
			    o->n_deny == cnt[1] && o->n_dry_allow == cnt[2] &&
			    o->n_allow == cnt[3] &&
			    (n == 0 || memcmp((uint32_t *)b->lists.p + o->off, grp,
					      n * sizeof(*grp)) == 0))
				break;
		}
		if (ls[s].wl != UINT32_MAX) {
			rec->off = ((struct zdp_pol_wl *)b->wl.p)[ls[s].wl].off;
		} else {
			int64_t off = vec_add(&b->lists, n);

			if (off < 0) {
				rc = (int)off;
				goto out;
			}
			if (n)
				memcpy((uint32_t *)b->lists.p + off, grp, n * sizeof(*grp));
			rec = (struct zdp_pol_wl *)b->wl.p + w;
			rec->off = (uint32_t)off;
			ls[s].hash = h;
			ls[s].wl = (uint32_t)w;
		}
	}
	rc = 0;
out:
	free(ns_idx);
	free(glob);
	free(stamp);
	free(tmp);
	free(grp);
	free(ls);
	return rc;
}

/* ---- compile ------------------------------------------------------------------ */

static int
check_policy(struct builder *b, const struct zdp_cfg_policy *pol, size_t i)
{
	const char *what = NULL;

	if (!pol->name || !pol->name[0])
		what = "name: must not be empty";
	else if (!pol->namespace_ || !pol->namespace_[0])
		/* ztunnel indexes GLOBAL policies under namespace "": an
		 * empty namespace would make a NAMESPACE policy global. */
		what = "namespace: must not be empty";
	else if ((unsigned)pol->scope > ZDP_SCOPE_WORKLOAD_SELECTOR)
		what = "scope: must be Global, Namespace or WorkloadSelector";
	else if ((unsigned)pol->action > ZDP_ACTION_DENY)
		what = "action: must be Allow or Deny";
	if (!what)
		return 0;
	errf(b->err, b->errlen, "%s:%u: policies[%zu] (%s/%s): %s", cfg_file(b->cfg),
	     pol->line, i, pol->namespace_ ? pol->namespace_ : "",
	     pol->name ? pol->name : "", what);
	return -EINVAL;
}

int
zdp_policy_compile(const struct zdp_config *cfg, struct zdp_policy_registry *reg,
		   struct zdp_policy_set **out, char *err, size_t errlen)
{
	struct builder b;
	struct key_index ki = { NULL, NULL, 0 };
	struct zdp_policy_set *ps = NULL;
	uint32_t reg_n0;
	size_t np, i, nslots;
	int rc = -ENOMEM;

	if (err && errlen)
		err[0] = '\0';
	if (out)
		*out = NULL;
	if (!cfg || !reg || !out ||
	    (cfg->n_policies && !cfg->policies) || (cfg->n_workloads && !cfg->workloads)) {
		errf(err, errlen, "zdp_policy_compile: invalid arguments");
		return -EINVAL;
	}
	np = cfg->n_policies;
	if (np >= VEC_MAX || cfg->n_workloads >= VEC_MAX) {
		errf(err, errlen, "%s: too many policies or workloads", cfg_file(cfg));
		return -EINVAL;
	}
	reg_n0 = reg->n;
	memset(&b, 0, sizeof(b));
	b.cfg = cfg;
	b.err = err;
	b.errlen = errlen;
	b.rules.elsz = sizeof(struct zdp_pol_rule);
	b.clauses.elsz = sizeof(struct zdp_pol_clause);
	b.matches.elsz = sizeof(struct zdp_pol_match);
	b.ports.elsz = sizeof(uint16_t);
	b.prefixes.elsz = sizeof(struct zdp_pol_prefix);
	b.sas.elsz = sizeof(struct zdp_pol_sa);
	b.strs.elsz = sizeof(struct zdp_pol_str);
	b.pool.elsz = 1;
	b.lists.elsz = sizeof(uint32_t);
	b.wl.elsz = sizeof(struct zdp_pol_wl);

	ps = calloc(1, sizeof(*ps));
	if (!ps)
		goto fail_nomsg;
	ps->policies = calloc(np + 1, sizeof(*ps->policies));
	nslots = pow2_at_least(np * 2);
	ki.slots = malloc(nslots * sizeof(*ki.slots));
	ki.keys = calloc(np + 1, sizeof(*ki.keys));
	if (!ps->policies || !ki.slots || !ki.keys)
		goto fail_nomsg;
	ki.mask = nslots - 1;
	for (i = 0; i < nslots; i++)
		ki.slots[i] = UINT32_MAX;

	for (i = 0; i < np; i++) {
		const struct zdp_cfg_policy *pol = &cfg->policies[i];
		struct zdp_pol_policy *p = &ps->policies[i];
		size_t nsl, nml, slot;
		int64_t off;

		rc = check_policy(&b, pol, i);
		if (rc)
			goto fail;
		nsl = strlen(pol->namespace_);
		nml = strlen(pol->name);
		ki.keys[i] = malloc(nsl + 1 + nml + 1);
		if (!ki.keys[i]) {
			rc = -ENOMEM;
			goto fail_nomsg;
		}
		memcpy(ki.keys[i], pol->namespace_, nsl);
		ki.keys[i][nsl] = '/';
		memcpy(ki.keys[i] + nsl + 1, pol->name, nml + 1);
		if (key_find(&ki, ki.keys[i], &slot) >= 0) {
			/* ztunnel's store keeps the last one under the key but
			 * leaves the first's scope index behind; refuse. */
			errf(err, errlen, "%s:%u: policies[%zu] (%s): duplicate policy (same namespace and name)",
			     cfg_file(cfg), pol->line, i, ki.keys[i]);
			rc = -EINVAL;
			goto fail;
		}
		ki.slots[slot] = (uint32_t)i;

		rc = reg_get(reg, ki.keys[i], &p->id);
		if (rc == -ENOSPC) {
			errf(err, errlen, "%s:%u: policies[%zu] (%s): no policy id left (%u ids in use; the limit is %u for the life of the process)",
			     cfg_file(cfg), pol->line, i, ki.keys[i], reg->n, reg->max);
			goto fail;
		}
		if (rc)
			goto fail_nomsg;
		p->action = pol->action == ZDP_ACTION_DENY ? ZDP_POLICY_DENY : ZDP_POLICY_ALLOW;
		p->dry_run = pol->dry_run;
		p->scope = (uint8_t)pol->scope;
		if ((off = pool_add(&b.pool, ki.keys[i], nsl + 1 + nml)) < 0)
			goto fail_rc64;
		p->key_off = (uint32_t)off;
		if ((off = pool_add(&b.pool, pol->namespace_, nsl)) < 0)
			goto fail_rc64;
		p->ns_off = (uint32_t)off;
		if ((off = pool_add(&b.pool, pol->name, nml)) < 0)
			goto fail_rc64;
		p->name_off = (uint32_t)off;
		rc = add_rules(&b, pol, p);
		if (rc == -EINVAL && err && errlen && !err[0])
			errf(err, errlen, "%s:%u: policies[%zu] (%s): malformed rule list",
			     cfg_file(cfg), pol->line, i, ki.keys[i]);
		if (rc)
			goto fail;
		continue;
fail_rc64:
		rc = (int)off;
		goto fail_nomsg;
	}
	ps->n_policies = (uint32_t)np;

	rc = build_lists(&b, ps, &ki);
	if (rc)
		goto fail_nomsg;

	ps->n_workloads = (uint32_t)cfg->n_workloads;
	ps->wl = b.wl.p;
	ps->lists = b.lists.p;
	ps->n_lists = b.lists.n;
	ps->rules = b.rules.p;
	ps->n_rules = b.rules.n;
	ps->clauses = b.clauses.p;
	ps->n_clauses = b.clauses.n;
	ps->matches = b.matches.p;
	ps->n_matches = b.matches.n;
	ps->ports = b.ports.p;
	ps->n_ports = b.ports.n;
	ps->prefixes = b.prefixes.p;
	ps->n_prefixes = b.prefixes.n;
	ps->sas = b.sas.p;
	ps->n_sas = b.sas.n;
	ps->strs = b.strs.p;
	ps->n_strs = b.strs.n;
	ps->pool = b.pool.p;
	ps->pool_len = b.pool.n;
	for (i = 0; i < np; i++)
		free(ki.keys[i]);
	free(ki.keys);
	free(ki.slots);
	*out = ps;
	return 0;

fail_nomsg:
	if (err && errlen && !err[0])
		errf(err, errlen, "%s: policy compile failed: %s", cfg_file(cfg),
		     strerror(-rc));
fail:
	reg_rollback(reg, reg_n0);
	if (ki.keys)
		for (i = 0; i < np; i++)
			free(ki.keys[i]);
	free(ki.keys);
	free(ki.slots);
	free(b.rules.p);
	free(b.clauses.p);
	free(b.matches.p);
	free(b.ports.p);
	free(b.prefixes.p);
	free(b.sas.p);
	free(b.strs.p);
	free(b.pool.p);
	free(b.lists.p);
	free(b.wl.p);
	zdp_policy_set_destroy(ps);
	return rc;
}
