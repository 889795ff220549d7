/* SPDX-License-Identifier: BSD-3-Clause
 * test_policy.c — L4 authorization: compiler (mgmt/policy_compile.c) and
 * evaluation (dataplane/policy.c) against ztunnel's semantics.
 *
 * Inputs are built as struct zdp_config in C (not YAML) so these tests do
 * not depend on the loader. The per-field table mirrors ztunnel's own
 * src/rbac.rs tests (plaintext_conn / tls_conn / tls_conn_alt); see
 * docs/policy.md for the rule each case pins down.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <arpa/inet.h>

#include "zdp_test.h"

#include "policy.h"
#include "policy_compile.h"
#include "zdp_config.h"

/* ---- building configs --------------------------------------------------- */

#define LIST(type, ...) ((type[]){ __VA_ARGS__ })
#define NLIST(type, ...) (sizeof((type[]){ __VA_ARGS__ }) / sizeof(type))
#define FIELD(f, type, ...) .f = LIST(type, __VA_ARGS__), .n_##f = NLIST(type, __VA_ARGS__)

#define SM(k, v) { ZDP_SM_##k, (char *)(v) }
#define NSS(...) FIELD(namespaces, struct zdp_cfg_string_match, __VA_ARGS__)
#define NOT_NSS(...) FIELD(not_namespaces, struct zdp_cfg_string_match, __VA_ARGS__)
#define PRINS(...) FIELD(principals, struct zdp_cfg_string_match, __VA_ARGS__)
#define NOT_PRINS(...) FIELD(not_principals, struct zdp_cfg_string_match, __VA_ARGS__)
#define SAS(...) FIELD(service_accounts, struct zdp_cfg_sa_match, __VA_ARGS__)
#define NOT_SAS(...) FIELD(not_service_accounts, struct zdp_cfg_sa_match, __VA_ARGS__)
#define SRCS(...) FIELD(source_ips, struct zdp_prefix, __VA_ARGS__)
#define NOT_SRCS(...) FIELD(not_source_ips, struct zdp_prefix, __VA_ARGS__)
#define DSTS(...) FIELD(destination_ips, struct zdp_prefix, __VA_ARGS__)
#define NOT_DSTS(...) FIELD(not_destination_ips, struct zdp_prefix, __VA_ARGS__)
#define PORTS(...) FIELD(destination_ports, uint16_t, __VA_ARGS__)
#define NOT_PORTS(...) FIELD(not_destination_ports, uint16_t, __VA_ARGS__)
#define P4(b0, b1, b2, b3, l) { .addr = { .family = ZDP_AF_INET, .a = { b0, b1, b2, b3 } }, .len = l }
#define P6(l, ...) { .addr = { .family = ZDP_AF_INET6, .a = { __VA_ARGS__ } }, .len = l }

#define MAXP 1100
#define MAXW 8

struct world {
	struct zdp_config cfg;
	struct zdp_cfg_policy pol[MAXP];
	struct zdp_cfg_rule rule[MAXP];
	struct zdp_cfg_clause clause[MAXP];
	struct zdp_cfg_match match[MAXP];
	struct zdp_cfg_workload wl[MAXW];
	char names[MAXP][32];
};

static struct world *
world_new(void)
{
	struct world *w = calloc(1, sizeof(*w));

	if (!w)
		abort();
	w->cfg.path = (char *)"test.yaml";
	w->cfg.policies = w->pol;
	w->cfg.workloads = w->wl;
	return w;
}

/* A policy with one rule of one clause of one match (a copy of @m). */
static struct zdp_cfg_policy *
add_pol(struct world *w, const char *ns, const char *name, enum zdp_policy_scope scope,
	enum zdp_policy_action action, bool dry_run, const struct zdp_cfg_match *m)
{
	size_t i = w->cfg.n_policies++;
	struct zdp_cfg_policy *p = &w->pol[i];

	snprintf(w->names[i], sizeof(w->names[i]), "%s", name);
	w->match[i] = *m;
	w->clause[i].matches = &w->match[i];
	w->clause[i].n_matches = 1;
	w->rule[i].clauses = &w->clause[i];
	w->rule[i].n_clauses = 1;
	p->name = w->names[i];
	p->namespace_ = (char *)ns;
	p->scope = scope;
	p->action = action;
	p->dry_run = dry_run;
	p->rules = &w->rule[i];
	p->n_rules = 1;
	p->line = (unsigned)(10 + i);
	return p;
}

static struct zdp_cfg_workload *
add_wl(struct world *w, const char *ns, char **names, size_t n)
{
	struct zdp_cfg_workload *wl = &w->wl[w->cfg.n_workloads++];

	wl->name = (char *)"wl";
	wl->namespace_ = (char *)ns;
	wl->authorization_policies = names;
	wl->n_authorization_policies = n;
	return wl;
}

/* Shared single-match building blocks. */
static struct zdp_cfg_match m6 = { SRCS(P6(48, 0x20, 0x01, 0x00, 0x02)),
				   DSTS(P6(128, 0x20, 0x01, 0x00, 0x02, [15] = 0x09)) };
static struct zdp_cfg_match m4 = { SRCS(P4(198, 18, 0, 1, 32)) };
static struct zdp_cfg_match ns_a = { NSS(SM(EXACT, "a")) };
static struct zdp_cfg_match ns_b = { NSS(SM(EXACT, "b")) };
static struct zdp_cfg_match port80 = { PORTS(80) };
static struct zdp_cfg_match empty = { .line = 1 };
static struct zdp_cfg_match bad_v4 = { SRCS(P4(198, 18, 0, 0, 33)), .line = 77 };
static struct zdp_cfg_match bad_fam = { DSTS({ .len = 8 }) };
static struct zdp_cfg_match no_value = { PRINS(SM(PREFIX, NULL)) };
static struct zdp_cfg_match v6_128 = { SRCS(P6(128, 0x20, 0x01)) };
static struct zdp_cfg_match port8080 = { PORTS(8080) };
static struct zdp_cfg_match port9090 = { PORTS(9090) };
static struct zdp_prefix speed_src[] = { P4(198, 18, 0, 0, 16) };

/* Matches everything (a match needs one field to be non-empty). */
static struct zdp_cfg_match m_any = { NOT_PORTS(1) };

/* ---- connections (ztunnel src/rbac.rs tests, in zdp's test ranges) -------- */

static const struct zdp_identity id_tls = { "td", "namespace", "account" };
static const struct zdp_identity id_alt = { "td-alt", "ns-alt", "sa=alt" };

static struct zdp_policy_conn
conn4(uint8_t s, uint8_t d, uint16_t port, const struct zdp_identity *id)
{
	struct zdp_policy_conn c;

	memset(&c, 0, sizeof(c));
	zdp_addr_set_v4(&c.src, htonl(0xc6120000u | s));
	zdp_addr_set_v4(&c.dst, htonl(0xc6120100u | d));
	c.dst_port = port;
	c.src_id = id;
	return c;
}

#define PLAIN() conn4(1, 2, 8080, NULL)	/* 198.18.0.1 -> 198.18.1.2:8080 */
#define TLS() conn4(1, 2, 8080, &id_tls)
#define ALT() conn4(3, 4, 9090, &id_alt)	/* 198.18.0.3 -> 198.18.1.4:9090 */

/* Compile @w with a fresh registry and evaluate @c against workload @wl. */
static int
eval1(struct world *w, uint32_t wl, const struct zdp_policy_conn *c,
      struct zdp_policy_result *r)
{
	struct zdp_policy_registry *reg = zdp_policy_registry_create(0);
	struct zdp_policy_set *ps = NULL;
	char err[256];
	int rc;

	rc = zdp_policy_compile(&w->cfg, reg, &ps, err, sizeof(err));
	if (rc) {
		ZDP_FAIL_("compile: %d %s", rc, err);
		zdp_policy_registry_destroy(reg);
		memset(r, 0xff, sizeof(*r));
		return rc;
	}
	rc = zdp_policy_eval(ps, wl, c, r);
	zdp_policy_set_destroy(ps);
	zdp_policy_registry_destroy(reg);
	return rc;
}

/* ---- field semantics ------------------------------------------------------ */

struct field_case {
	const char *name;
	struct zdp_cfg_match m;
	bool plain, tls, alt;	/* does the policy match each connection */
};

static const struct field_case field_cases[] = {
	/* rbac_test! rows of ztunnel src/rbac.rs */
	{ "namespaces", { NSS(SM(EXACT, "namespace")) }, false, true, false },
	{ "not_namespaces", { NOT_NSS(SM(EXACT, "namespace")) }, true, false, true },
	{ "service_accounts", { SAS({ "namespace", "account" }) }, false, true, false },
	{ "not_service_accounts", { NOT_SAS({ "namespace", "account" }) }, true, false, true },
	{ "principals", { PRINS(SM(EXACT, "td/ns/namespace/sa/account")) }, false, true, false },
	{ "not_principals", { NOT_PRINS(SM(EXACT, "td/ns/namespace/sa/account")) }, true, false, true },
	{ "source_ips", { SRCS(P4(198, 18, 0, 1, 32)) }, true, true, false },
	{ "not_source_ips", { NOT_SRCS(P4(198, 18, 0, 1, 32)) }, false, false, true },
	{ "destination_ips", { DSTS(P4(198, 18, 1, 2, 32)) }, true, true, false },
	{ "not_destination_ips", { NOT_DSTS(P4(198, 18, 1, 2, 32)) }, false, false, true },
	{ "destination_ips cidr /24 (host bits set)", { DSTS(P4(198, 18, 1, 77, 24)) }, true, true, true },
	{ "source_ips /31 (not byte aligned)", { SRCS(P4(198, 18, 0, 0, 31)) }, true, true, false },
	{ "source_ips /30", { SRCS(P4(198, 18, 0, 0, 30)) }, true, true, true },
	{ "destination_ports", { PORTS(8080) }, true, true, false },
	{ "not_destination_ports", { NOT_PORTS(8080) }, false, false, true },
	/* StringMatch kinds, on principals (spiffe:// stripped) and namespaces */
	{ "principal prefix", { PRINS(SM(PREFIX, "td/")) }, false, true, false },
	{ "principal suffix", { PRINS(SM(SUFFIX, "/sa/account")) }, false, true, false },
	{ "principal suffix spanning segments", { PRINS(SM(SUFFIX, "e/sa/account")) }, false, true, false },
	{ "principal presence", { PRINS(SM(PRESENCE, NULL)) }, false, true, true },
	{ "principal written with spiffe:// never matches", { PRINS(SM(EXACT, "spiffe://td/ns/namespace/sa/account")) }, false, false, false },
	{ "principal exact is not prefix", { PRINS(SM(EXACT, "td/ns/namespace/sa/acc")) }, false, false, false },
	{ "not_principals presence", { NOT_PRINS(SM(PRESENCE, NULL)) }, true, false, false },
	{ "namespace prefix", { NSS(SM(PREFIX, "name")) }, false, true, false },
	{ "namespace suffix", { NSS(SM(SUFFIX, "space")) }, false, true, false },
	{ "namespace presence", { NSS(SM(PRESENCE, NULL)) }, false, true, true },
	{ "not_namespaces presence", { NOT_NSS(SM(PRESENCE, NULL)) }, true, false, false },
	/* no identity is namespace "" in ztunnel (unwrap_or_default) */
	{ "namespace exact \"\" matches plaintext", { NSS(SM(EXACT, "")) }, true, false, false },
	{ "service_account wrong sa", { SAS({ "namespace", "other" }) }, false, false, false },
	/* values OR'd, fields AND'd */
	{ "values or'd", { NSS(SM(EXACT, "x"), SM(EXACT, "ns-alt")) }, false, false, true },
	{ "fields and'd", { PORTS(8080), NSS(SM(EXACT, "namespace")) }, false, true, false },
	{ "fields and'd with not_", { SRCS(P4(198, 18, 0, 0, 24)), NOT_PORTS(9090) }, true, true, false },
	{ "many ports (binary search)", { PORTS(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 8080, 13, 14, 2, 1) }, true, true, false },
	{ "many not_ports", { NOT_PORTS(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 9090, 13, 14) }, true, true, false },
	{ "ipv6 prefix never holds an ipv4 address", { SRCS(P6(0, 0x20, 0x01)) }, false, false, false },
	{ "ipv4 /0 holds every ipv4 address", { SRCS(P4(0, 0, 0, 0, 0)) }, true, true, true },
	{ "empty match never matches", { .line = 1 }, false, false, false },
};

static void
test_fields(void)
{
	size_t i;

	for (i = 0; i < sizeof(field_cases) / sizeof(field_cases[0]); i++) {
		const struct field_case *fc = &field_cases[i];
		const struct zdp_policy_conn conns[3] = { PLAIN(), TLS(), ALT() };
		const bool want[3] = { fc->plain, fc->tls, fc->alt };
		unsigned k;

		ZDP_CASE(fc->name);
		for (k = 0; k < 3; k++) {
			struct world *w = world_new();
			struct zdp_policy_result r;

			add_wl(w, "dst", NULL, 0);
			add_pol(w, "dst", "p", ZDP_SCOPE_NAMESPACE, ZDP_ACTION_ALLOW, false, &fc->m);
			ZDP_CHECK_EQ(eval1(w, 0, &conns[k], &r), 0);
			/* A sole ALLOW policy: ALLOW iff it matches. */
			if (want[k]) {
				ZDP_CHECK_EQ(r.verdict, ZDP_POLICY_ALLOW);
				ZDP_CHECK_EQ(r.reason, ZDP_POLICY_R_ALLOW_MATCH);
				ZDP_CHECK_EQ(r.policy_id, 0);
			} else {
				ZDP_CHECK_EQ(r.verdict, ZDP_POLICY_DENY);
				ZDP_CHECK_EQ(r.reason, ZDP_POLICY_R_DENY_NOT_ALLOWED);
				ZDP_CHECK_EQ(r.policy_id, ZDP_POLICY_ID_NONE);
			}
			if (r.verdict != (want[k] ? ZDP_POLICY_ALLOW : ZDP_POLICY_DENY))
				printf("#   (connection %u)\n", k);
			free(w);
		}
	}
}

/* The same field semantics hold for a DENY policy (it is one matcher). */
static void
test_fields_deny(void)
{
	size_t i;

	for (i = 0; i < sizeof(field_cases) / sizeof(field_cases[0]); i++) {
		const struct field_case *fc = &field_cases[i];
		const struct zdp_policy_conn conns[3] = { PLAIN(), TLS(), ALT() };
		const bool want[3] = { fc->plain, fc->tls, fc->alt };
		unsigned k;

		ZDP_CASE(fc->name);
		for (k = 0; k < 3; k++) {
			struct world *w = world_new();
			struct zdp_policy_result r;

			add_wl(w, "dst", NULL, 0);
			add_pol(w, "dst", "p", ZDP_SCOPE_NAMESPACE, ZDP_ACTION_DENY, false, &fc->m);
			ZDP_CHECK_EQ(eval1(w, 0, &conns[k], &r), 0);
			ZDP_CHECK_EQ(r.verdict, want[k] ? ZDP_POLICY_DENY : ZDP_POLICY_ALLOW);
			ZDP_CHECK_EQ(r.reason, want[k] ? ZDP_POLICY_R_DENY_MATCH :
				     ZDP_POLICY_R_ALLOW_NO_POLICY);
			free(w);
		}
	}
}

static void
test_ipv6(void)
{
	static const uint8_t s6[16] = { 0x20, 0x01, 0x00, 0x02, [15] = 1 };
	static const uint8_t d6[16] = { 0x20, 0x01, 0x00, 0x02, [15] = 9 };
	static const uint8_t d6b[16] = { 0x20, 0x01, 0x00, 0x02, [15] = 8 };
	static const uint8_t o6[16] = { 0x20, 0x01, 0x00, 0x03, [15] = 1 };
	static const uint8_t mapped[16] = { [10] = 0xff, [11] = 0xff, 198, 18, 0, 1 };
	struct zdp_policy_conn c = PLAIN();
	struct zdp_policy_result r;
	struct world *w = world_new();

	add_wl(w, "dst", NULL, 0);
	add_pol(w, "dst", "p6", ZDP_SCOPE_NAMESPACE, ZDP_ACTION_ALLOW, false, &m6);

	ZDP_CASE("ipv6 source and destination inside");
	zdp_addr_set_v6(&c.src, s6);
	zdp_addr_set_v6(&c.dst, d6);
	eval1(w, 0, &c, &r);
	ZDP_CHECK_EQ(r.verdict, ZDP_POLICY_ALLOW);

	ZDP_CASE("ipv6 destination /128 differs in last byte");
	zdp_addr_set_v6(&c.dst, d6b);
	eval1(w, 0, &c, &r);
	ZDP_CHECK_EQ(r.verdict, ZDP_POLICY_DENY);

	ZDP_CASE("ipv6 source outside /48");
	zdp_addr_set_v6(&c.src, o6);
	zdp_addr_set_v6(&c.dst, d6);
	eval1(w, 0, &c, &r);
	ZDP_CHECK_EQ(r.verdict, ZDP_POLICY_DENY);
	free(w);

	ZDP_CASE("ipv4-mapped ipv6 source is the ipv4 address");
	w = world_new();
	add_wl(w, "dst", NULL, 0);
	add_pol(w, "dst", "p4", ZDP_SCOPE_NAMESPACE, ZDP_ACTION_ALLOW, false, &m4);
	c = PLAIN();
	zdp_addr_set_v6(&c.src, mapped);
	eval1(w, 0, &c, &r);
	ZDP_CHECK_EQ(r.verdict, ZDP_POLICY_ALLOW);
	free(w);
}

/* ---- policy structure: rules / clauses / matches ----------------------------- */

static void
test_structure(void)
{
	static const struct zdp_identity id_a = { "td", "a", "account" };
	static const struct zdp_identity id_b = { "td", "b", "account" };
	static const struct zdp_identity id_bad = { "td", "bad", "account" };
	struct zdp_cfg_match c1[2] = { ns_a, ns_b };
	struct zdp_cfg_clause nest_clauses[2] = { { c1, 2 }, { &port80, 1 } };
	struct zdp_cfg_rule nest_rule = { nest_clauses, 2 };
	struct zdp_cfg_clause ca = { &ns_a, 1 }, cb = { &ns_b, 1 };
	struct zdp_cfg_rule multi[2] = { { &ca, 1 }, { &cb, 1 } };
	struct zdp_cfg_clause no_matches = { NULL, 0 }, only_empty = { &empty, 1 };
	struct zdp_cfg_rule r_no_matches = { &no_matches, 1 }, r_only_empty = { &only_empty, 1 };
	struct zdp_cfg_rule r_no_clauses = { NULL, 0 };
	struct zdp_policy_conn c;
	struct zdp_policy_result r;
	struct world *w;
	struct zdp_cfg_policy *p;
	int act;

	for (act = ZDP_ACTION_ALLOW; act <= ZDP_ACTION_DENY; act++) {
		/* verdict when the sole policy matches / does not */
		enum zdp_policy_verdict hit = act == ZDP_ACTION_ALLOW ? ZDP_POLICY_ALLOW : ZDP_POLICY_DENY;
		enum zdp_policy_verdict miss = act == ZDP_ACTION_ALLOW ? ZDP_POLICY_DENY : ZDP_POLICY_ALLOW;

		ZDP_CASE(act ? "DENY: no rules matches nothing" : "ALLOW: no rules matches nothing");
		w = world_new();
		add_wl(w, "dst", NULL, 0);
		p = add_pol(w, "dst", "p", ZDP_SCOPE_NAMESPACE, (enum zdp_policy_action)act, false, &m_any);
		p->n_rules = 0;
		p->rules = NULL;
		c = TLS();
		eval1(w, 0, &c, &r);
		ZDP_CHECK_EQ(r.verdict, miss);

		ZDP_CASE(act ? "DENY: rule without clauses matches all" : "ALLOW: rule without clauses matches all");
		p->rules = &r_no_clauses;
		p->n_rules = 1;
		eval1(w, 0, &c, &r);
		ZDP_CHECK_EQ(r.verdict, hit);
		c = PLAIN();
		eval1(w, 0, &c, &r);
		ZDP_CHECK_EQ(r.verdict, hit);

		ZDP_CASE(act ? "DENY: clause without matches matches all" : "ALLOW: clause without matches matches all");
		p->rules = &r_no_matches;
		eval1(w, 0, &c, &r);
		ZDP_CHECK_EQ(r.verdict, hit);

		ZDP_CASE(act ? "DENY: clause of one empty match matches nothing" : "ALLOW: clause of one empty match matches nothing");
		p->rules = &r_only_empty;
		eval1(w, 0, &c, &r);
		ZDP_CHECK_EQ(r.verdict, miss);

		ZDP_CASE(act ? "DENY: nesting (ns a|b) AND port 80" : "ALLOW: nesting (ns a|b) AND port 80");
		p->rules = &nest_rule;
		c = conn4(1, 2, 80, &id_a);
		eval1(w, 0, &c, &r);
		ZDP_CHECK_EQ(r.verdict, hit);
		c = conn4(1, 2, 80, &id_b);
		eval1(w, 0, &c, &r);
		ZDP_CHECK_EQ(r.verdict, hit);
		c = conn4(1, 2, 80, &id_bad);
		eval1(w, 0, &c, &r);
		ZDP_CHECK_EQ(r.verdict, miss);
		c = conn4(1, 2, 12345, &id_b);
		eval1(w, 0, &c, &r);
		ZDP_CHECK_EQ(r.verdict, miss);

		ZDP_CASE(act ? "DENY: rules or'd" : "ALLOW: rules or'd");
		p->rules = multi;
		p->n_rules = 2;
		c = conn4(1, 2, 80, &id_a);
		eval1(w, 0, &c, &r);
		ZDP_CHECK_EQ(r.verdict, hit);
		c = conn4(1, 2, 80, &id_b);
		eval1(w, 0, &c, &r);
		ZDP_CHECK_EQ(r.verdict, hit);
		c = conn4(1, 2, 80, &id_bad);
		eval1(w, 0, &c, &r);
		ZDP_CHECK_EQ(r.verdict, miss);
		free(w);
	}
}

static struct zdp_cfg_match src1 = { SRCS(P4(198, 18, 0, 1, 32)) };
static struct zdp_cfg_match src3 = { SRCS(P4(198, 18, 0, 3, 32)) };
static struct zdp_cfg_match not_src1 = { NOT_SRCS(P4(198, 18, 0, 1, 32)) };

/* Whether the first policy of @w compiles with a source pre-filter. */
static bool
has_src_filter(struct world *w)
{
	struct zdp_policy_registry *reg = zdp_policy_registry_create(0);
	struct zdp_policy_set *ps = NULL;
	char err[256];
	bool has = false;

	if (zdp_policy_compile(&w->cfg, reg, &ps, err, sizeof(err)) == 0 && ps->n_policies)
		has = ps->policies[0].has_src != 0;
	zdp_policy_set_destroy(ps);
	zdp_policy_registry_destroy(reg);
	return has;
}

/*
 * The per-policy source pre-filter (struct zdp_pol_policy) is a necessary
 * condition only: every structure where one branch of the OR does not
 * bound the source must still match other sources, and bounded ones must
 * match exactly their sources. Sources 198.18.0.{1,3,5}.
 */
static void
test_source_prefilter(void)
{
	struct zdp_cfg_match or_m[2] = { src1, port8080 }, empty_or[2] = { empty, src1 };
	struct zdp_cfg_clause and_cl[2] = { { &src1, 1 }, { &port8080, 1 } };
	struct zdp_cfg_clause or_cl = { or_m, 2 }, c_src1 = { &src1, 1 }, c_src3 = { &src3, 1 };
	struct zdp_cfg_clause c_p9090 = { &port9090, 1 }, c_not1 = { &not_src1, 1 };
	struct zdp_cfg_clause c_empty_or = { empty_or, 2 };
	struct zdp_cfg_rule r_and = { and_cl, 2 }, r_or = { &or_cl, 1 };
	struct zdp_cfg_rule r_src_or_port[2] = { { &c_src1, 1 }, { &c_p9090, 1 } };
	struct zdp_cfg_rule r_two_srcs[2] = { { &c_src1, 1 }, { &c_src3, 1 } };
	struct zdp_cfg_rule r_not = { &c_not1, 1 }, r_empty_or = { &c_empty_or, 1 };
	static const struct {
		const char *name;
		int rule;		/* which rule set below */
		bool filter;		/* a source filter is expected */
		uint8_t src;
		uint16_t port;
		bool match;
	} rows[] = {
		{ "src AND port: src and port", 0, true, 1, 8080, true },
		{ "src AND port: other src", 0, true, 3, 8080, false },
		{ "src AND port: other port", 0, true, 1, 9090, false },
		{ "src OR port: port only", 1, false, 3, 8080, true },
		{ "src OR port: src only", 1, false, 1, 9090, true },
		{ "src OR port: neither", 1, false, 3, 9090, false },
		{ "rule src | rule port: port only", 2, false, 3, 9090, true },
		{ "rule src | rule port: neither", 2, false, 3, 8080, false },
		{ "rule src1 | rule src3: src1", 3, true, 1, 8080, true },
		{ "rule src1 | rule src3: src3", 3, true, 3, 8080, true },
		{ "rule src1 | rule src3: src5", 3, true, 5, 8080, false },
		{ "notSourceIps does not bound: other src", 4, false, 3, 8080, true },
		{ "notSourceIps does not bound: that src", 4, false, 1, 8080, false },
		{ "empty match OR src: src", 5, true, 1, 8080, true },
		{ "empty match OR src: other src", 5, true, 3, 8080, false },
	};
	const struct zdp_cfg_rule *sets[] = { &r_and, &r_or, r_src_or_port, r_two_srcs,
					      &r_not, &r_empty_or };
	const size_t n_rules[] = { 1, 1, 2, 2, 1, 1 };

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		for (int act = ZDP_ACTION_ALLOW; act <= ZDP_ACTION_DENY; act++) {
			enum zdp_policy_verdict hit = act == ZDP_ACTION_ALLOW ?
				ZDP_POLICY_ALLOW : ZDP_POLICY_DENY;
			struct world *w = world_new();
			struct zdp_cfg_policy *p;
			struct zdp_policy_conn c;
			struct zdp_policy_result r;

			ZDP_CASE(rows[i].name);
			add_wl(w, "dst", NULL, 0);
			p = add_pol(w, "dst", "p", ZDP_SCOPE_NAMESPACE,
				    (enum zdp_policy_action)act, false, &m_any);
			p->rules = (struct zdp_cfg_rule *)sets[rows[i].rule];
			p->n_rules = n_rules[rows[i].rule];
			ZDP_CHECK_EQ(has_src_filter(w), rows[i].filter);
			c = conn4(rows[i].src, 2, rows[i].port, NULL);
			eval1(w, 0, &c, &r);
			ZDP_CHECK_EQ(r.verdict == hit, rows[i].match);
			free(w);
		}
	}
	ZDP_CASE(NULL);
}

/* ---- evaluation order ----------------------------------------------------------- */

static void
test_order(void)
{
	struct zdp_policy_conn c = PLAIN();
	struct zdp_policy_result r;
	struct world *w;

	ZDP_CASE("no policies: allow by default");
	w = world_new();
	add_wl(w, "dst", NULL, 0);
	ZDP_CHECK_EQ(eval1(w, 0, &c, &r), 0);
	ZDP_CHECK_EQ(r.verdict, ZDP_POLICY_ALLOW);
	ZDP_CHECK_EQ(r.reason, ZDP_POLICY_R_ALLOW_NO_POLICY);
	ZDP_CHECK_EQ(r.policy_id, ZDP_POLICY_ID_NONE);
	ZDP_CHECK_EQ(r.n_dry_run_matched, 0);
	free(w);

	ZDP_CASE("DENY not matching and no ALLOW: allow");
	w = world_new();
	add_wl(w, "dst", NULL, 0);
	add_pol(w, "dst", "deny9090", ZDP_SCOPE_NAMESPACE, ZDP_ACTION_DENY, false, &port9090);
	eval1(w, 0, &c, &r);
	ZDP_CHECK_EQ(r.verdict, ZDP_POLICY_ALLOW);
	ZDP_CHECK_EQ(r.reason, ZDP_POLICY_R_ALLOW_NO_POLICY);
	free(w);

	ZDP_CASE("matching DENY denies");
	w = world_new();
	add_wl(w, "dst", NULL, 0);
	add_pol(w, "dst", "deny9090", ZDP_SCOPE_NAMESPACE, ZDP_ACTION_DENY, false, &port9090);
	add_pol(w, "dst", "deny8080", ZDP_SCOPE_NAMESPACE, ZDP_ACTION_DENY, false, &port8080);
	eval1(w, 0, &c, &r);
	ZDP_CHECK_EQ(r.verdict, ZDP_POLICY_DENY);
	ZDP_CHECK_EQ(r.reason, ZDP_POLICY_R_DENY_MATCH);
	ZDP_CHECK_EQ(r.policy_id, 1);
	free(w);

	ZDP_CASE("DENY beats ALLOW, whatever the config order");
	w = world_new();
	add_wl(w, "dst", NULL, 0);
	add_pol(w, "dst", "allow8080", ZDP_SCOPE_NAMESPACE, ZDP_ACTION_ALLOW, false, &port8080);
	add_pol(w, "dst", "deny8080", ZDP_SCOPE_NAMESPACE, ZDP_ACTION_DENY, false, &port8080);
	eval1(w, 0, &c, &r);
	ZDP_CHECK_EQ(r.verdict, ZDP_POLICY_DENY);
	ZDP_CHECK_EQ(r.reason, ZDP_POLICY_R_DENY_MATCH);
	ZDP_CHECK_EQ(r.policy_id, 1);
	free(w);

	ZDP_CASE("ALLOW present but not matching: deny");
	w = world_new();
	add_wl(w, "dst", NULL, 0);
	add_pol(w, "dst", "allow9090", ZDP_SCOPE_NAMESPACE, ZDP_ACTION_ALLOW, false, &port9090);
	eval1(w, 0, &c, &r);
	ZDP_CHECK_EQ(r.verdict, ZDP_POLICY_DENY);
	ZDP_CHECK_EQ(r.reason, ZDP_POLICY_R_DENY_NOT_ALLOWED);
	ZDP_CHECK_EQ(r.policy_id, ZDP_POLICY_ID_NONE);

	ZDP_CASE("any matching ALLOW allows; deciding id reported");
	add_pol(w, "dst", "allow8080", ZDP_SCOPE_NAMESPACE, ZDP_ACTION_ALLOW, false, &port8080);
	eval1(w, 0, &c, &r);
	ZDP_CHECK_EQ(r.verdict, ZDP_POLICY_ALLOW);
	ZDP_CHECK_EQ(r.reason, ZDP_POLICY_R_ALLOW_MATCH);
	ZDP_CHECK_EQ(r.policy_id, 1);
	ZDP_CHECK_EQ(r.dry_run_verdict, ZDP_POLICY_ALLOW);
	free(w);

	ZDP_CASE("unknown workload fails closed");
	w = world_new();
	add_wl(w, "dst", NULL, 0);
	ZDP_CHECK_EQ(eval1(w, 1, &c, &r), -ENOENT);
	ZDP_CHECK_EQ(r.verdict, ZDP_POLICY_DENY);
	ZDP_CHECK_EQ(r.reason, ZDP_POLICY_R_DENY_UNKNOWN_WORKLOAD);
	free(w);

	ZDP_CASE("NULL arguments");
	ZDP_CHECK_EQ(zdp_policy_eval(NULL, 0, &c, &r), -EINVAL);
	ZDP_CHECK_EQ(r.verdict, ZDP_POLICY_DENY);
	ZDP_CHECK_EQ(zdp_policy_eval(NULL, 0, &c, NULL), -EINVAL);
	ZDP_CHECK_STR(zdp_policy_reason_name(ZDP_POLICY_R_ALLOW_MATCH), "allow_policy_match");
	ZDP_CHECK_STR(zdp_policy_reason_name(ZDP_POLICY_R__COUNT), "unknown");
}

/* ---- which policies apply ----------------------------------------------------------- */

static void
test_scope(void)
{
	static char *names_a[] = { (char *)"ns-a/wsel", (char *)"ns-a/missing" };
	static char *names_c[] = { (char *)"ns-b/nsb-deny" };
	static char *names_e[] = { (char *)"ns-a/nsa-allow", (char *)"ns-a/wsel", (char *)"ns-a/wsel" };
	struct zdp_policy_registry *reg = zdp_policy_registry_create(0);
	struct zdp_policy_set *ps = NULL;
	struct zdp_policy_conn c = PLAIN();
	struct zdp_policy_result r;
	struct world *w = world_new();
	uint32_t idx[8];
	char err[256];

	add_wl(w, "ns-a", names_a, 2);	/* 0: names ns-a/wsel */
	add_wl(w, "ns-a", NULL, 0);	/* 1: same namespace, names nothing */
	add_wl(w, "ns-b", NULL, 0);	/* 2 */
	add_wl(w, "ns-c", names_c, 1);	/* 3: names a NAMESPACE policy of ns-b */
	add_wl(w, "ns-d", NULL, 0);	/* 4: nothing applies but global */
	add_wl(w, "ns-a", names_e, 3);	/* 5: names what it already gets, twice */
	add_pol(w, "ns-b", "nsb-deny", ZDP_SCOPE_NAMESPACE, ZDP_ACTION_DENY, false, &m_any);
	add_pol(w, "ns-a", "wsel", ZDP_SCOPE_WORKLOAD_SELECTOR, ZDP_ACTION_DENY, false, &m_any);
	add_pol(w, "istio-system", "global-allow-nothing", ZDP_SCOPE_GLOBAL, ZDP_ACTION_ALLOW, false,
		&(struct zdp_cfg_match){ PORTS(1) });
	add_pol(w, "ns-a", "nsa-allow", ZDP_SCOPE_NAMESPACE, ZDP_ACTION_ALLOW, false, &m_any);
	/* GLOBAL applies mesh-wide whatever its namespace (policy.rs
	 * indexes it under ""). */
	add_pol(w, "ns-x", "global-from-other-ns", ZDP_SCOPE_GLOBAL, ZDP_ACTION_ALLOW, true, &m_any);

	ZDP_REQUIRE(zdp_policy_compile(&w->cfg, reg, &ps, err, sizeof(err)) == 0);

	ZDP_CASE("workload-selector policy applies to the workload naming it");
	zdp_policy_eval(ps, 0, &c, &r);
	ZDP_CHECK_EQ(r.verdict, ZDP_POLICY_DENY);
	ZDP_CHECK_EQ(r.reason, ZDP_POLICY_R_DENY_MATCH);
	ZDP_CHECK_EQ(r.policy_id, 1);

	ZDP_CASE("workload-selector policy does not apply to others in its namespace");
	zdp_policy_eval(ps, 1, &c, &r);
	ZDP_CHECK_EQ(r.verdict, ZDP_POLICY_ALLOW);
	ZDP_CHECK_EQ(r.policy_id, 3);	/* ns-a/nsa-allow */

	ZDP_CASE("namespace policy applies in its namespace");
	zdp_policy_eval(ps, 2, &c, &r);
	ZDP_CHECK_EQ(r.verdict, ZDP_POLICY_DENY);
	ZDP_CHECK_EQ(r.policy_id, 0);

	ZDP_CASE("namespace policy of another namespace does not apply");
	zdp_policy_eval(ps, 4, &c, &r);
	/* only the global ALLOW on port 1 applies: present, not matching */
	ZDP_CHECK_EQ(r.verdict, ZDP_POLICY_DENY);
	ZDP_CHECK_EQ(r.reason, ZDP_POLICY_R_DENY_NOT_ALLOWED);

	ZDP_CASE("global policy applies everywhere");
	ZDP_CHECK_EQ(zdp_policy_set_workload_policies(ps, 4, idx, 8), 2);
	ZDP_CHECK_EQ(idx[0], 4);	/* dry-run global: not an enforced ALLOW */
	ZDP_CHECK_EQ(idx[1], 2);
	ZDP_CHECK_EQ(zdp_policy_set_workload_policies(ps, 1, idx, 8), 3);

	ZDP_CASE("a workload naming a namespace policy by key gets it (ztunnel looks keys up as is)");
	zdp_policy_eval(ps, 3, &c, &r);
	ZDP_CHECK_EQ(r.verdict, ZDP_POLICY_DENY);
	ZDP_CHECK_EQ(r.policy_id, 0);

	ZDP_CASE("unknown names are skipped and counted");
	ZDP_CHECK_EQ(zdp_policy_set_unresolved_count(ps), 1);
	ZDP_CHECK_EQ(zdp_policy_set_workload_policies(ps, 0, idx, 8), 4);
	ZDP_CHECK_EQ(idx[0], 1);	/* DENY first */
	ZDP_CHECK_EQ(zdp_policy_set_workload_policies(ps, 9, idx, 8), -ENOENT);

	ZDP_CASE("a policy reached twice is listed once");
	ZDP_CHECK_EQ(zdp_policy_set_workload_policies(ps, 5, idx, 8), 4);
	ZDP_CHECK_EQ(idx[0], 1);
	ZDP_CHECK_EQ(idx[1], 4);
	ZDP_CHECK_EQ(idx[2], 3);
	ZDP_CHECK_EQ(idx[3], 2);
	ZDP_CHECK_EQ(zdp_policy_set_workload_policies(ps, 5, NULL, 0), 4);

	ZDP_CASE("workloads with the same policies share one list");
	{
		struct world *w2 = world_new();
		struct zdp_policy_set *ps2 = NULL;
		int i;

		for (i = 0; i < 6; i++)
			add_wl(w2, i < 3 ? "ns-a" : "ns-b", NULL, 0);
		add_pol(w2, "ns-a", "p1", ZDP_SCOPE_NAMESPACE, ZDP_ACTION_ALLOW, false, &m_any);
		add_pol(w2, "ns-a", "p2", ZDP_SCOPE_NAMESPACE, ZDP_ACTION_DENY, false, &m_any);
		add_pol(w2, "ns-b", "p3", ZDP_SCOPE_NAMESPACE, ZDP_ACTION_DENY, false, &m_any);
		ZDP_CHECK_EQ(zdp_policy_compile(&w2->cfg, reg, &ps2, err, sizeof(err)), 0);
		if (ps2)
			ZDP_CHECK_EQ(ps2->n_lists, 3);	/* [p2,p1] once, [p3] once */
		zdp_policy_set_destroy(ps2);
		free(w2);
	}
	zdp_policy_set_destroy(ps);
	zdp_policy_registry_destroy(reg);
	free(w);
}

/* ---- dry run --------------------------------------------------------------------------- */

static void
test_dry_run(void)
{
	struct zdp_policy_conn c = PLAIN();
	struct zdp_policy_result r;
	struct world *w;
	int i;

	ZDP_CASE("dry-run DENY does not deny but is reported");
	w = world_new();
	add_wl(w, "dst", NULL, 0);
	add_pol(w, "dst", "dry-deny", ZDP_SCOPE_NAMESPACE, ZDP_ACTION_DENY, true, &port8080);
	eval1(w, 0, &c, &r);
	ZDP_CHECK_EQ(r.verdict, ZDP_POLICY_ALLOW);
	ZDP_CHECK_EQ(r.reason, ZDP_POLICY_R_ALLOW_NO_POLICY);
	ZDP_CHECK_EQ(r.n_dry_run, 1);
	ZDP_CHECK_EQ(r.n_dry_run_matched, 1);
	ZDP_CHECK_EQ(r.dry_run_ids[0], 0);
	ZDP_CHECK_EQ(r.dry_run_verdict, ZDP_POLICY_DENY);

	ZDP_CASE("dry-run DENY not matching is not reported");
	c.dst_port = 1;
	eval1(w, 0, &c, &r);
	ZDP_CHECK_EQ(r.n_dry_run_matched, 0);
	ZDP_CHECK_EQ(r.dry_run_verdict, ZDP_POLICY_ALLOW);
	c.dst_port = 8080;

	ZDP_CASE("dry-run DENY is reported even when a real DENY decides");
	add_pol(w, "dst", "deny", ZDP_SCOPE_NAMESPACE, ZDP_ACTION_DENY, false, &port8080);
	eval1(w, 0, &c, &r);
	ZDP_CHECK_EQ(r.verdict, ZDP_POLICY_DENY);
	ZDP_CHECK_EQ(r.policy_id, 1);
	ZDP_CHECK_EQ(r.n_dry_run, 1);
	free(w);

	ZDP_CASE("dry-run ALLOW does not count as an ALLOW policy");
	w = world_new();
	add_wl(w, "dst", NULL, 0);
	add_pol(w, "dst", "dry-allow", ZDP_SCOPE_NAMESPACE, ZDP_ACTION_ALLOW, true, &port9090);
	eval1(w, 0, &c, &r);
	ZDP_CHECK_EQ(r.verdict, ZDP_POLICY_ALLOW);
	ZDP_CHECK_EQ(r.reason, ZDP_POLICY_R_ALLOW_NO_POLICY);
	ZDP_CHECK_EQ(r.n_dry_run_matched, 0);
	/* ztunnel#1745: enforcing it would deny */
	ZDP_CHECK_EQ(r.dry_run_verdict, ZDP_POLICY_DENY);

	ZDP_CASE("dry-run ALLOW matching is reported; enforced ALLOW still decides");
	add_pol(w, "dst", "allow9090", ZDP_SCOPE_NAMESPACE, ZDP_ACTION_ALLOW, false, &port9090);
	add_pol(w, "dst", "dry-allow8080", ZDP_SCOPE_NAMESPACE, ZDP_ACTION_ALLOW, true, &port8080);
	eval1(w, 0, &c, &r);
	ZDP_CHECK_EQ(r.verdict, ZDP_POLICY_DENY);
	ZDP_CHECK_EQ(r.reason, ZDP_POLICY_R_DENY_NOT_ALLOWED);
	ZDP_CHECK_EQ(r.n_dry_run, 1);
	ZDP_CHECK_EQ(r.dry_run_ids[0], 2);
	ZDP_CHECK_EQ(r.dry_run_verdict, ZDP_POLICY_ALLOW);

	ZDP_CASE("dry-run ALLOW is not evaluated once a real DENY matched (ztunnel order)");
	add_pol(w, "dst", "deny", ZDP_SCOPE_NAMESPACE, ZDP_ACTION_DENY, false, &port8080);
	eval1(w, 0, &c, &r);
	ZDP_CHECK_EQ(r.verdict, ZDP_POLICY_DENY);
	ZDP_CHECK_EQ(r.policy_id, 3);
	ZDP_CHECK_EQ(r.n_dry_run_matched, 0);
	free(w);

	ZDP_CASE("more matching dry-run policies than the result holds");
	w = world_new();
	add_wl(w, "dst", NULL, 0);
	for (i = 0; i < 11; i++) {
		char name[16];

		snprintf(name, sizeof(name), "dry%d", i);
		add_pol(w, "dst", name, ZDP_SCOPE_NAMESPACE,
			i % 2 ? ZDP_ACTION_ALLOW : ZDP_ACTION_DENY, true, &port8080);
	}
	eval1(w, 0, &c, &r);
	ZDP_CHECK_EQ(r.verdict, ZDP_POLICY_ALLOW);
	ZDP_CHECK_EQ(r.n_dry_run_matched, 11);
	ZDP_CHECK_EQ(r.n_dry_run, ZDP_POLICY_DRY_RUN_MAX);
	ZDP_CHECK_EQ(r.dry_run_ids[0], 0);	/* DENY ones first: 0,2,4,...,10 */
	ZDP_CHECK_EQ(r.dry_run_ids[5], 10);
	ZDP_CHECK_EQ(r.dry_run_ids[6], 1);
	ZDP_CHECK_EQ(r.dry_run_verdict, ZDP_POLICY_DENY);
	free(w);
}

/* ---- ids, registry, enumeration -------------------------------------------------------- */

static void
test_ids_stable(void)
{
	struct zdp_policy_registry *reg = zdp_policy_registry_create(0);
	struct zdp_policy_set *ps = NULL;
	struct zdp_policy_info info;
	struct world *w;
	char err[256];

	ZDP_REQUIRE(reg);
	ZDP_CASE("first compile hands out ids in config order");
	w = world_new();
	add_wl(w, "dst", NULL, 0);
	add_pol(w, "dst", "a", ZDP_SCOPE_NAMESPACE, ZDP_ACTION_ALLOW, false, &m_any);
	add_pol(w, "dst", "b", ZDP_SCOPE_GLOBAL, ZDP_ACTION_DENY, true, &m_any);
	add_pol(w, "dst", "c", ZDP_SCOPE_NAMESPACE, ZDP_ACTION_ALLOW, false, &m_any);
	ZDP_REQUIRE(zdp_policy_compile(&w->cfg, reg, &ps, err, sizeof(err)) == 0);
	ZDP_CHECK_EQ(zdp_policy_set_count(ps), 3);
	ZDP_CHECK_EQ(zdp_policy_set_workload_count(ps), 1);
	ZDP_CHECK_EQ(zdp_policy_set_info(ps, 1, &info), 0);
	ZDP_CHECK_EQ(info.id, 1);
	ZDP_CHECK_STR(info.key, "dst/b");
	ZDP_CHECK_STR(info.ns, "dst");
	ZDP_CHECK_STR(info.name, "b");
	ZDP_CHECK_EQ(info.action, ZDP_POLICY_DENY);
	ZDP_CHECK_EQ(info.dry_run, true);
	ZDP_CHECK_EQ(info.scope, ZDP_SCOPE_GLOBAL);
	ZDP_CHECK_EQ(info.n_rules, 1);
	ZDP_CHECK_EQ(zdp_policy_set_info(ps, 3, &info), -ERANGE);
	ZDP_CHECK_EQ(zdp_policy_registry_count(reg), 3);
	ZDP_CHECK_STR(zdp_policy_registry_name(reg, 2), "dst/c");
	ZDP_CHECK(zdp_policy_registry_name(reg, 3) == NULL);
	zdp_policy_set_destroy(ps);
	free(w);

	ZDP_CASE("policies removed and added: survivors keep ids, new ones get new ids");
	w = world_new();
	add_wl(w, "dst", NULL, 0);
	add_pol(w, "dst", "d", ZDP_SCOPE_NAMESPACE, ZDP_ACTION_ALLOW, false, &m_any);
	add_pol(w, "dst", "b", ZDP_SCOPE_NAMESPACE, ZDP_ACTION_DENY, false, &m_any);
	ZDP_REQUIRE(zdp_policy_compile(&w->cfg, reg, &ps, err, sizeof(err)) == 0);
	zdp_policy_set_info(ps, 0, &info);
	ZDP_CHECK_EQ(info.id, 3);
	ZDP_CHECK_STR(info.key, "dst/d");
	zdp_policy_set_info(ps, 1, &info);
	ZDP_CHECK_EQ(info.id, 1);
	zdp_policy_set_destroy(ps);
	free(w);

	ZDP_CASE("a policy that comes back gets its old id");
	w = world_new();
	add_wl(w, "dst", NULL, 0);
	add_pol(w, "dst", "c", ZDP_SCOPE_NAMESPACE, ZDP_ACTION_ALLOW, false, &m_any);
	add_pol(w, "dst", "a", ZDP_SCOPE_NAMESPACE, ZDP_ACTION_ALLOW, false, &m_any);
	ZDP_REQUIRE(zdp_policy_compile(&w->cfg, reg, &ps, err, sizeof(err)) == 0);
	zdp_policy_set_info(ps, 0, &info);
	ZDP_CHECK_EQ(info.id, 2);
	zdp_policy_set_info(ps, 1, &info);
	ZDP_CHECK_EQ(info.id, 0);
	ZDP_CHECK_EQ(zdp_policy_registry_count(reg), 4);
	ZDP_CHECK_EQ(zdp_policy_registry_lookup(reg, "dst/d"), 3);
	ZDP_CHECK_EQ(zdp_policy_registry_lookup(reg, "dst/zzz"), -ENOENT);
	zdp_policy_set_destroy(ps);
	free(w);
	zdp_policy_registry_destroy(reg);
	zdp_policy_registry_destroy(NULL);
	zdp_policy_set_destroy(NULL);
}

static void
test_registry_exhaustion(void)
{
	struct zdp_policy_registry *reg = zdp_policy_registry_create(4);
	struct zdp_policy_set *ps = NULL;
	struct world *w = world_new();
	char err[256];
	size_t i;

	ZDP_REQUIRE(reg);
	ZDP_CASE("small registry: the fifth name fails with -ENOSPC");
	for (i = 0; i < 5; i++) {
		char name[16];

		snprintf(name, sizeof(name), "p%zu", i);
		add_pol(w, "dst", name, ZDP_SCOPE_NAMESPACE, ZDP_ACTION_ALLOW, false, &m_any);
	}
	ZDP_CHECK_EQ(zdp_policy_compile(&w->cfg, reg, &ps, err, sizeof(err)), -ENOSPC);
	ZDP_CHECK(ps == NULL);
	ZDP_CHECK(strstr(err, "no policy id left") != NULL);
	ZDP_CHECK(strstr(err, "test.yaml:14:") != NULL);
	ZDP_CASE("a failed compile takes its ids back");
	ZDP_CHECK_EQ(zdp_policy_registry_count(reg), 0);
	ZDP_CHECK_EQ(zdp_policy_registry_lookup(reg, "dst/p0"), -ENOENT);

	ZDP_CASE("four names fit, and their ids hold after the failure");
	w->cfg.n_policies = 4;
	ZDP_CHECK_EQ(zdp_policy_compile(&w->cfg, reg, &ps, err, sizeof(err)), 0);
	zdp_policy_set_destroy(ps);
	w->pol[0].name = (char *)"new";
	ZDP_CHECK_EQ(zdp_policy_compile(&w->cfg, reg, &ps, err, sizeof(err)), -ENOSPC);
	ZDP_CHECK_EQ(zdp_policy_registry_count(reg), 4);
	ZDP_CHECK_EQ(zdp_policy_registry_lookup(reg, "dst/p3"), 3);
	zdp_policy_registry_destroy(reg);
	free(w);

	ZDP_CASE("default registry: ZDP_POLICY_ID_MAX names fit, one more does not");
	{
		size_t n = ZDP_POLICY_ID_MAX + 1;
		struct zdp_cfg_policy *pols = calloc(n, sizeof(*pols));
		char (*names)[16] = calloc(n, sizeof(*names));
		struct zdp_config cfg;

		ZDP_REQUIRE(pols && names);
		memset(&cfg, 0, sizeof(cfg));
		for (i = 0; i < n; i++) {
			snprintf(names[i], sizeof(names[i]), "p%zu", i);
			pols[i].name = names[i];
			pols[i].namespace_ = (char *)"ns";
			pols[i].scope = ZDP_SCOPE_NAMESPACE;
		}
		cfg.policies = pols;
		cfg.n_policies = ZDP_POLICY_ID_MAX;
		reg = zdp_policy_registry_create(0);
		ZDP_CHECK_EQ(zdp_policy_compile(&cfg, reg, &ps, err, sizeof(err)), 0);
		zdp_policy_set_destroy(ps);
		cfg.n_policies = n;
		ZDP_CHECK_EQ(zdp_policy_compile(&cfg, reg, &ps, err, sizeof(err)), -ENOSPC);
		ZDP_CHECK_EQ(zdp_policy_registry_count(reg), ZDP_POLICY_ID_MAX);
		zdp_policy_registry_destroy(reg);
		free(pols);
		free(names);
	}
}

static void
test_validation(void)
{
	struct zdp_policy_registry *reg = zdp_policy_registry_create(0);
	struct zdp_policy_set *ps = NULL;
	struct zdp_cfg_policy *p;
	struct world *w;
	char err[256];

	ZDP_CASE("duplicate ns/name");
	w = world_new();
	add_pol(w, "dst", "a", ZDP_SCOPE_NAMESPACE, ZDP_ACTION_ALLOW, false, &m_any);
	add_pol(w, "dst", "a", ZDP_SCOPE_GLOBAL, ZDP_ACTION_DENY, false, &m_any);
	ZDP_CHECK_EQ(zdp_policy_compile(&w->cfg, reg, &ps, err, sizeof(err)), -EINVAL);
	ZDP_CHECK(strstr(err, "test.yaml:11:") && strstr(err, "duplicate"));
	ZDP_CHECK_EQ(zdp_policy_registry_count(reg), 0);
	free(w);

	ZDP_CASE("empty name");
	w = world_new();
	p = add_pol(w, "dst", "", ZDP_SCOPE_NAMESPACE, ZDP_ACTION_ALLOW, false, &m_any);
	ZDP_CHECK_EQ(zdp_policy_compile(&w->cfg, reg, &ps, err, sizeof(err)), -EINVAL);
	ZDP_CHECK(strstr(err, "name") != NULL);
	ZDP_CASE("empty namespace");
	p->name = (char *)"x";
	p->namespace_ = (char *)"";
	ZDP_CHECK_EQ(zdp_policy_compile(&w->cfg, reg, &ps, err, sizeof(err)), -EINVAL);
	ZDP_CASE("bad scope");
	p->namespace_ = (char *)"dst";
	p->scope = (enum zdp_policy_scope)7;
	ZDP_CHECK_EQ(zdp_policy_compile(&w->cfg, reg, &ps, err, sizeof(err)), -EINVAL);
	ZDP_CASE("bad action");
	p->scope = ZDP_SCOPE_NAMESPACE;
	p->action = (enum zdp_policy_action)2;
	ZDP_CHECK_EQ(zdp_policy_compile(&w->cfg, reg, &ps, err, sizeof(err)), -EINVAL);
	ZDP_CASE("valid again");
	p->action = ZDP_ACTION_DENY;
	ZDP_CHECK_EQ(zdp_policy_compile(&w->cfg, reg, &ps, err, sizeof(err)), 0);
	zdp_policy_set_destroy(ps);
	free(w);

	ZDP_CASE("ipv4 prefix longer than 32");
	w = world_new();
	add_pol(w, "dst", "a", ZDP_SCOPE_NAMESPACE, ZDP_ACTION_ALLOW, false, &bad_v4);
	ZDP_CHECK_EQ(zdp_policy_compile(&w->cfg, reg, &ps, err, sizeof(err)), -EINVAL);
	ZDP_CHECK(strstr(err, "test.yaml:77:") && strstr(err, "sourceIps"));
	ZDP_CASE("prefix without family");
	w->match[0] = bad_fam;
	ZDP_CHECK_EQ(zdp_policy_compile(&w->cfg, reg, &ps, err, sizeof(err)), -EINVAL);
	ZDP_CHECK(strstr(err, "destinationIps") != NULL);
	ZDP_CASE("string match without a value");
	w->match[0] = no_value;
	ZDP_CHECK_EQ(zdp_policy_compile(&w->cfg, reg, &ps, err, sizeof(err)), -EINVAL);
	ZDP_CHECK(strstr(err, "principals") != NULL);
	ZDP_CASE("ipv6 /128 is fine");
	w->match[0] = v6_128;
	ZDP_CHECK_EQ(zdp_policy_compile(&w->cfg, reg, &ps, err, sizeof(err)), 0);
	zdp_policy_set_destroy(ps);
	ps = NULL;
	ZDP_CASE("NULL arguments");
	ZDP_CHECK_EQ(zdp_policy_compile(NULL, reg, &ps, err, sizeof(err)), -EINVAL);
	ZDP_CHECK_EQ(zdp_policy_compile(&w->cfg, NULL, &ps, err, sizeof(err)), -EINVAL);
	ZDP_CHECK_EQ(zdp_policy_compile(&w->cfg, reg, NULL, NULL, 0), -EINVAL);
	free(w);
	zdp_policy_registry_destroy(reg);
}

/* ---- speed (reported, not judged) ---------------------------------------------------------- */

static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void
test_speed_1000_rules(void)
{
	enum { N = 1000, ITER = 2000 };
	struct zdp_cfg_match *m = calloc(N, sizeof(*m));
	uint16_t *ports = calloc(N, sizeof(*ports));
	struct zdp_cfg_string_match *prin = calloc(N, sizeof(*prin));
	char (*pn)[48] = calloc(N, sizeof(*pn));
	struct zdp_cfg_clause *cl = calloc(N, sizeof(*cl));
	struct zdp_cfg_rule *rules = calloc(N, sizeof(*rules));
	struct zdp_policy_registry *reg = zdp_policy_registry_create(0);
	struct zdp_policy_set *ps = NULL;
	struct zdp_policy_conn c = TLS();
	struct zdp_policy_result r;
	struct world *w = world_new();
	char err[256];
	double t0, t1;
	int i, shape;

	ZDP_REQUIRE(m && ports && prin && pn && cl && rules && reg);
	for (i = 0; i < N; i++) {
		/* port AND principal: the port differs from the connection's
		 * for all but the last, so every rule is looked at. */
		ports[i] = (uint16_t)(i == N - 1 ? 8080 : 10000 + i);
		snprintf(pn[i], sizeof(pn[i]), "td/ns/namespace/sa/sa-%d", i);
		prin[i].kind = ZDP_SM_EXACT;
		prin[i].value = i == N - 1 ? (char *)"td/ns/namespace/sa/account" : pn[i];
		m[i].destination_ports = &ports[i];
		m[i].n_destination_ports = 1;
		m[i].principals = &prin[i];
		m[i].n_principals = 1;
		m[i].source_ips = speed_src;
		m[i].n_source_ips = 1;
		cl[i].matches = &m[i];
		cl[i].n_matches = 1;
		rules[i].clauses = &cl[i];
		rules[i].n_clauses = 1;
	}
	add_wl(w, "dst", NULL, 0);
	for (shape = 0; shape < 2; shape++) {
		const char *what = shape ? "1000 ALLOW policies of one rule" : "1 ALLOW policy of 1000 rules";

		ZDP_CASE(what);
		w->cfg.n_policies = 0;
		if (shape == 0) {
			struct zdp_cfg_policy *p = add_pol(w, "dst", "big", ZDP_SCOPE_NAMESPACE,
							   ZDP_ACTION_ALLOW, false, &m_any);
			p->rules = rules;
			p->n_rules = N;
		} else {
			for (i = 0; i < N; i++) {
				char name[16];
				struct zdp_cfg_policy *p;

				snprintf(name, sizeof(name), "p%d", i);
				p = add_pol(w, "dst", name, ZDP_SCOPE_NAMESPACE, ZDP_ACTION_ALLOW,
					    false, &m_any);
				p->rules = &rules[i];
			}
		}
		ZDP_REQUIRE(zdp_policy_compile(&w->cfg, reg, &ps, err, sizeof(err)) == 0);
		t0 = now_ns();
		for (i = 0; i < ITER; i++)
			zdp_policy_eval(ps, 0, &c, &r);
		t1 = now_ns();
		ZDP_CHECK_EQ(r.verdict, ZDP_POLICY_ALLOW);	/* the last rule matches */
		printf("# %s, last one matching: %.0f ns per evaluation\n", what, (t1 - t0) / ITER);
		c.dst_port = 9;
		t0 = now_ns();
		for (i = 0; i < ITER; i++)
			zdp_policy_eval(ps, 0, &c, &r);
		t1 = now_ns();
		ZDP_CHECK_EQ(r.verdict, ZDP_POLICY_DENY);
		printf("# %s, none matching: %.0f ns per evaluation\n", what, (t1 - t0) / ITER);
		c.dst_port = 8080;
		zdp_policy_set_destroy(ps);
		ps = NULL;
	}
	zdp_policy_registry_destroy(reg);
	free(m);
	free(ports);
	free(prin);
	free(pn);
	free(cl);
	free(rules);
	free(w);
}

static const struct zdp_test tests[] = {
	ZDP_TEST_ENTRY(test_fields),
	ZDP_TEST_ENTRY(test_fields_deny),
	ZDP_TEST_ENTRY(test_ipv6),
	ZDP_TEST_ENTRY(test_structure),
	ZDP_TEST_ENTRY(test_source_prefilter),
	ZDP_TEST_ENTRY(test_order),
	ZDP_TEST_ENTRY(test_scope),
	ZDP_TEST_ENTRY(test_dry_run),
	ZDP_TEST_ENTRY(test_ids_stable),
	ZDP_TEST_ENTRY(test_registry_exhaustion),
	ZDP_TEST_ENTRY(test_validation),
	ZDP_TEST_ENTRY(test_speed_1000_rules),
	{ 0 },
};

int
main(void)
{
	return zdp_test_main(tests);
}
