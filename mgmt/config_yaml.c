/* SPDX-License-Identifier: BSD-3-Clause
 * config_yaml.c — YAML text to a node tree, and typed accessors over it.
 *
 * The tree is built from libyaml events (see config_priv.h for why not
 * yaml_parser_load). Every accessor checks the node type before touching
 * it and reports problems as `file:line: key: reason`, where `key` is the
 * dotted path the decoder has pushed (gateway.ports[1].mtu). Nothing here
 * stops at the first problem: decoders keep going so one run shows all.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "config_priv.h"

/* ---- errors ------------------------------------------------------------ */

static void
cy_add(struct cy_ctx *c, unsigned line, const char *key, const char *reason)
{
	unsigned *lines;

	c->n_errors++;
	if (c->errs == NULL || c->n_msgs > CY_MAX_ERRORS)
		return;
	if (c->n_msgs == CY_MAX_ERRORS) {
		key = "errors";
		reason = "too many errors; the rest are not shown";
		line = ~0u;	/* sorts last; printed without a line below */
	}
	lines = cy_raw_realloc(c->err_lines, (c->n_msgs + 1) * sizeof(*lines));
	if (lines == NULL) {
		c->oom = true;
		return;
	}
	c->err_lines = lines;
	if (zdp_config_errors_add(c->errs, c->file, line == ~0u ? 0 : line, key, "%s",
				  reason) < 0) {
		c->oom = true;
		return;
	}
	lines[c->n_msgs++] = line;
}

void
cy_err(struct cy_ctx *c, unsigned line, const char *fmt, ...)
{
	char reason[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	cy_add(c, line, c->plen ? c->path : "(document)", reason);
}

void
cy_err_key(struct cy_ctx *c, unsigned line, const char *key, const char *fmt, ...)
{
	char reason[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	cy_add(c, line, key, reason);
}

/* ---- key paths --------------------------------------------------------- */

static size_t
cy_path_append(struct cy_ctx *c, const char *fmt, ...)
{
	size_t old = c->plen;
	va_list ap;
	int r;

	if (c->plen >= sizeof(c->path) - 1)
		return old;
	va_start(ap, fmt);
	r = vsnprintf(c->path + c->plen, sizeof(c->path) - c->plen, fmt, ap);
	va_end(ap);
	if (r < 0)
		c->path[c->plen] = '\0';
	else if ((size_t)r >= sizeof(c->path) - c->plen)
		c->plen = sizeof(c->path) - 1;	/* truncated; still NUL-terminated */
	else
		c->plen += (size_t)r;
	return old;
}

size_t
cy_path_key(struct cy_ctx *c, const char *key)
{
	return cy_path_append(c, c->plen ? ".%s" : "%s", key);
}

size_t
cy_path_idx(struct cy_ctx *c, size_t i)
{
	return cy_path_append(c, "[%zu]", i);
}

size_t
cy_path_mapkey(struct cy_ctx *c, const char *key)
{
	return cy_path_append(c, "[%.80s]", key);
}

void
cy_path_pop(struct cy_ctx *c, size_t old)
{
	if (old < sizeof(c->path)) {
		c->plen = old;
		c->path[old] = '\0';
	}
}

/* ---- allocation -------------------------------------------------------- */

/*
 * Every allocation of the loader goes through cy_raw_*, so a test can fail
 * the Nth one and check that the load still ends in -ENOMEM without a crash
 * or a leak (nghttp2's failmalloc loop). Per-thread, and only ever set by
 * tests; libyaml's own allocations are not covered.
 */
static _Thread_local long cy_fail_at = -1;
static _Thread_local unsigned long cy_n_allocs;

void
cy_alloc_fail_at(long n)
{
	cy_fail_at = n;
	cy_n_allocs = 0;
}

unsigned long
cy_alloc_count(void)
{
	return cy_n_allocs;
}

static bool
cy_alloc_fails(void)
{
	bool fail = cy_fail_at >= 0 && cy_n_allocs == (unsigned long)cy_fail_at;

	cy_n_allocs++;
	return fail;
}

void *
cy_raw_malloc(size_t n)
{
	return cy_alloc_fails() ? NULL : malloc(n);
}

void *
cy_raw_calloc(size_t n, size_t size)
{
	return cy_alloc_fails() ? NULL : calloc(n, size);
}

void *
cy_raw_realloc(void *p, size_t n)
{
	return cy_alloc_fails() ? NULL : realloc(p, n);
}

char *
cy_raw_strdup(const char *s)
{
	return cy_alloc_fails() ? NULL : strdup(s);
}

char *
cy_raw_strndup(const char *s, size_t n)
{
	return cy_alloc_fails() ? NULL : strndup(s, n);
}

int
cy_raw_vasprintf(char **out, const char *fmt, va_list ap)
{
	if (cy_alloc_fails())
		return -1;
	return vasprintf(out, fmt, ap);
}

int
cy_raw_asprintf(char **out, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = cy_raw_vasprintf(out, fmt, ap);
	va_end(ap);
	return r;
}

void *
cy_calloc(struct cy_ctx *c, size_t n, size_t size)
{
	void *p;

	if (n == 0)
		n = 1;	/* a valid pointer even for empty lists keeps callers simple */
	p = cy_raw_calloc(n, size);
	if (p == NULL)
		c->oom = true;
	return p;
}

char *
cy_strdup(struct cy_ctx *c, const char *s)
{
	char *p = cy_raw_strdup(s ? s : "");

	if (p == NULL)
		c->oom = true;
	return p;
}

char *
cy_printf(struct cy_ctx *c, const char *fmt, ...)
{
	va_list ap;
	char *p;
	int r;

	va_start(ap, fmt);
	r = cy_raw_vasprintf(&p, fmt, ap);
	va_end(ap);
	if (r < 0) {
		c->oom = true;
		return NULL;
	}
	return p;
}

bool
cy_streq(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcmp(a, b) == 0;
}

/* ---- tree building ----------------------------------------------------- */

static struct cy_node *
cy_node_new(struct cy_ctx *c, struct cy_doc *d, enum cy_type type, unsigned line)
{
	struct cy_node *n;

	if (d->n_all == d->cap_all) {
		size_t cap = d->cap_all ? d->cap_all * 2 : 64;
		struct cy_node **all = cy_raw_realloc(d->all, cap * sizeof(*all));

		if (all == NULL) {
			c->oom = true;
			return NULL;
		}
		d->all = all;
		d->cap_all = cap;
	}
	n = cy_raw_calloc(1, sizeof(*n));
	if (n == NULL) {
		c->oom = true;
		return NULL;
	}
	n->type = type;
	n->line = line;
	n->weight = 1;
	d->all[d->n_all++] = n;
	return n;
}

static int
cy_node_add_kid(struct cy_ctx *c, struct cy_node *parent, struct cy_node *kid)
{
	if (parent->n == parent->cap) {
		size_t cap = parent->cap ? parent->cap * 2 : 8;
		struct cy_node **k = cy_raw_realloc(parent->kids, cap * sizeof(*k));

		if (k == NULL) {
			c->oom = true;
			return -1;
		}
		parent->kids = k;
		parent->cap = cap;
	}
	parent->kids[parent->n++] = kid;
	return 0;
}

static int
cy_anchor_add(struct cy_ctx *c, struct cy_doc *d, const unsigned char *name,
	      struct cy_node *node)
{
	if (name == NULL)
		return 0;
	if (d->n_anchors == d->cap_anchors) {
		size_t cap = d->cap_anchors ? d->cap_anchors * 2 : 8;
		struct cy_anchor *a = cy_raw_realloc(d->anchors, cap * sizeof(*a));

		if (a == NULL) {
			c->oom = true;
			return -1;
		}
		d->anchors = a;
		d->cap_anchors = cap;
	}
	d->anchors[d->n_anchors].name = cy_raw_strdup((const char *)name);
	if (d->anchors[d->n_anchors].name == NULL) {
		c->oom = true;
		return -1;
	}
	d->anchors[d->n_anchors++].node = node;
	return 0;
}

static struct cy_node *
cy_anchor_find(const struct cy_doc *d, const unsigned char *name)
{
	size_t i;

	/* Latest definition wins: YAML allows re-defining an anchor. */
	for (i = d->n_anchors; i-- > 0;)
		if (strcmp(d->anchors[i].name, (const char *)name) == 0)
			return d->anchors[i].node;
	return NULL;
}

static unsigned
cy_offset_line(const char *buf, size_t len, size_t off)
{
	unsigned line = 1;
	size_t i;

	for (i = 0; i < off && i < len; i++)
		if (buf[i] == '\n')
			line++;
	return line;
}

static void
cy_syntax_error(struct cy_ctx *c, const yaml_parser_t *p, const char *buf, size_t len)
{
	const char *problem = p->problem ? p->problem : "invalid YAML";
	unsigned line = (unsigned)p->problem_mark.line + 1;

	switch (p->error) {
	case YAML_MEMORY_ERROR:
		c->oom = true;
		return;
	case YAML_READER_ERROR:
		/* Reader errors carry a byte offset, not a mark. */
		line = cy_offset_line(buf, len, p->problem_offset);
		if (p->problem_value != -1)
			cy_err_key(c, line, "yaml", "%s (byte 0x%02x)", problem,
				   (unsigned)p->problem_value & 0xffu);
		else
			cy_err_key(c, line, "yaml", "%s", problem);
		return;
	default:
		if (p->context)
			cy_err_key(c, line, "yaml", "%s (%s at line %u)", problem, p->context,
				   (unsigned)p->context_mark.line + 1);
		else
			cy_err_key(c, line, "yaml", "%s", problem);
		return;
	}
}

/* Attach @n under the open collection, or make it the document root. */
static int
cy_attach(struct cy_ctx *c, struct cy_doc *d, struct cy_node **stack, int depth,
	  struct cy_node *n)
{
	if (depth == 0) {
		d->root = n;
		return 0;
	}
	return cy_node_add_kid(c, stack[depth - 1], n);
}

int
cy_doc_parse(struct cy_ctx *c, const char *buf, size_t len, struct cy_doc *d)
{
	struct cy_node *stack[CY_MAX_DEPTH];
	unsigned char *stack_anchor[CY_MAX_DEPTH];
	yaml_parser_t p;
	yaml_event_t ev;
	int depth = 0, docs = 0, rc = 0, i;
	bool done = false;

	memset(d, 0, sizeof(*d));
	if (len > CY_MAX_INPUT) {
		cy_err_key(c, 1, "yaml", "file is larger than %u bytes", CY_MAX_INPUT);
		return -1;
	}
	if (!yaml_parser_initialize(&p)) {
		c->oom = true;
		return -1;
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)buf, len);
	while (!done && rc == 0 && !c->oom) {
		struct cy_node *n = NULL;
		unsigned line;

		if (!yaml_parser_parse(&p, &ev)) {
			cy_syntax_error(c, &p, buf, len);
			rc = -1;
			break;
		}
		line = (unsigned)ev.start_mark.line + 1;
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1) {
				/* ztunnel reads one document; a second one is a mistake. */
				cy_err_key(c, line, "yaml", "only one YAML document is allowed");
				rc = -1;
			}
			break;
		case YAML_SCALAR_EVENT:
			n = cy_node_new(c, d, CY_SCALAR, line);
			if (n == NULL)
				break;
			n->len = ev.data.scalar.length;
			n->str = cy_raw_malloc(n->len + 1);
			if (n->str == NULL) {
				c->oom = true;
				break;
			}
			memcpy(n->str, ev.data.scalar.value, n->len);
			n->str[n->len] = '\0';
			n->has_nul = memchr(n->str, '\0', n->len) != NULL;
			n->plain = ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
			if (ev.data.scalar.tag) {
				n->tag = cy_raw_strdup((const char *)ev.data.scalar.tag);
				if (n->tag == NULL)
					c->oom = true;
			}
			if (cy_attach(c, d, stack, depth, n) == 0)
				cy_anchor_add(c, d, ev.data.scalar.anchor, n);
			d->expanded++;
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT: {
			bool seq = ev.type == YAML_SEQUENCE_START_EVENT;
			const yaml_char_t *tag = seq ? ev.data.sequence_start.tag
						     : ev.data.mapping_start.tag;
			const yaml_char_t *anchor = seq ? ev.data.sequence_start.anchor
							: ev.data.mapping_start.anchor;

			if (depth == CY_MAX_DEPTH) {
				cy_err_key(c, line, "yaml", "nesting deeper than %d levels",
					   CY_MAX_DEPTH);
				rc = -1;
				break;
			}
			n = cy_node_new(c, d, seq ? CY_SEQ : CY_MAP, line);
			if (n == NULL)
				break;
			if (tag) {
				n->tag = cy_raw_strdup((const char *)tag);
				if (n->tag == NULL)
					c->oom = true;
			}
			if (cy_attach(c, d, stack, depth, n) < 0)
				break;
			stack_anchor[depth] = NULL;
			if (anchor) {
				char *a = cy_raw_strdup((const char *)anchor);

				if (a == NULL)
					c->oom = true;
				stack_anchor[depth] = (unsigned char *)a;
			}
			stack[depth++] = n;
			d->expanded++;
			break;
		}
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT: {
			struct cy_node *top;
			size_t k, w = 1;

			if (depth == 0)
				break;	/* libyaml never does this; be safe anyway */
			top = stack[--depth];
			for (k = 0; k < top->n; k++) {
				w += top->kids[k]->weight;
				if (w > CY_MAX_NODES)
					w = CY_MAX_NODES + 1;
			}
			top->weight = w;
			/* Registered only now, so an alias can never point into
			 * its own anchor (no cycles). */
			cy_anchor_add(c, d, stack_anchor[depth], top);
			free(stack_anchor[depth]);
			break;
		}
		case YAML_ALIAS_EVENT:
			n = cy_anchor_find(d, ev.data.alias.anchor);
			if (n == NULL) {
				cy_err_key(c, line, "yaml", "unknown anchor *%.64s",
					   (const char *)ev.data.alias.anchor);
				rc = -1;
				break;
			}
			d->expanded += n->weight;
			if (d->expanded > CY_MAX_NODES) {
				cy_err_key(c, line, "yaml",
					   "aliases expand to more than %u nodes", CY_MAX_NODES);
				rc = -1;
				break;
			}
			cy_attach(c, d, stack, depth, n);
			break;
		default:
			break;
		}
		if (d->expanded > CY_MAX_NODES && rc == 0) {
			cy_err_key(c, line, "yaml", "more than %u nodes", CY_MAX_NODES);
			rc = -1;
		}
		yaml_event_delete(&ev);
	}
	for (i = 0; i < depth; i++)
		free(stack_anchor[i]);
	yaml_parser_delete(&p);
	if (c->oom)
		rc = -1;
	if (rc < 0) {
		cy_doc_fini(d);
		d->root = NULL;
	}
	return rc;
}

void
cy_doc_fini(struct cy_doc *d)
{
	size_t i;

	for (i = 0; i < d->n_all; i++) {
		free(d->all[i]->kids);
		free(d->all[i]->str);
		free(d->all[i]->tag);
		free(d->all[i]);
	}
	for (i = 0; i < d->n_anchors; i++)
		free(d->anchors[i].name);
	free(d->all);
	free(d->anchors);
	memset(d, 0, sizeof(*d));
}

/* ---- node helpers ------------------------------------------------------ */

bool
cy_is_null(const struct cy_node *n)
{
	if (n == NULL)
		return true;
	if (n->type != CY_SCALAR || !n->plain)
		return false;
	return n->len == 0 || strcmp(n->str, "~") == 0 || strcmp(n->str, "null") == 0 ||
	       strcmp(n->str, "Null") == 0 || strcmp(n->str, "NULL") == 0;
}

/* Describes a node for "expected X, got Y" messages. Two rotating
 * per-thread buffers: a message uses at most two, and loads may run on
 * several threads (reload next to --check-config). */
const char *
cy_type_name(const struct cy_node *n)
{
	static _Thread_local char buf[2][80];
	static _Thread_local int which;
	char *b;

	if (n == NULL || cy_is_null(n))
		return "null";
	if (n->type == CY_SEQ)
		return "a list";
	if (n->type == CY_MAP)
		return "a mapping";
	b = buf[which ^= 1];
	if (n->has_nul)
		snprintf(b, sizeof(buf[0]), "a string with a NUL character");
	else if (n->len > 40)
		snprintf(b, sizeof(buf[0]), "\"%.40s...\"", n->str);
	else
		snprintf(b, sizeof(buf[0]), "\"%s\"", n->str);
	return b;
}

/* Case-insensitive edit distance, or a large number for long strings. */
static unsigned
cy_distance(const char *a, const char *b)
{
	unsigned row[33], i, j, diag, up;
	size_t la = strlen(a), lb = strlen(b);

	if (la > 32 || lb > 32)
		return ~0u;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		diag = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			unsigned best;

			up = row[j];
			best = diag + ((a[i - 1] | 0x20) != (b[j - 1] | 0x20));
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

/* The known key @key is most likely a typo of, or NULL. */
static const char *
cy_suggest(const char *key, const char *const *known)
{
	unsigned best = strlen(key) <= 4 ? 1 : 2, d;
	const char *pick = NULL;
	size_t j;

	for (j = 0; known[j]; j++) {
		d = cy_distance(key, known[j]);
		if (d <= best) {
			best = d;
			pick = known[j];
		}
	}
	return pick;
}

int
cy_map_check(struct cy_ctx *c, const struct cy_node *n, const char *const *known)
{
	uint64_t seen = 0;
	size_t i;

	if (cy_is_null(n))
		return 0;
	if (n->type != CY_MAP) {
		cy_err(c, n->line, "expected a mapping, got %s", cy_type_name(n));
		return -1;
	}
	for (i = 0; i + 1 < n->n; i += 2) {
		const struct cy_node *k = n->kids[i];
		size_t j, old;

		if (k->type != CY_SCALAR || k->has_nul) {
			cy_err(c, k->line, "keys must be strings, got %s", cy_type_name(k));
			continue;
		}
		for (j = 0; known[j]; j++)
			if (strcmp(known[j], k->str) == 0)
				break;
		old = cy_path_key(c, k->str);
		if (known[j] == NULL) {
			const char *hint = cy_suggest(k->str, known);

			if (hint)
				cy_err(c, k->line, "unknown key (did you mean %s?)", hint);
			else
				cy_err(c, k->line, "unknown key");
		}
		else if (j < 64 && (seen & (1ull << j)))
			cy_err(c, k->line, "duplicate key");
		else if (j < 64)
			seen |= 1ull << j;
		cy_path_pop(c, old);
	}
	return 0;
}

const struct cy_node *
cy_map_get(const struct cy_node *n, const char *key)
{
	size_t i;

	if (n == NULL || n->type != CY_MAP)
		return NULL;
	/* First occurrence: a duplicate is reported by cy_map_check. */
	for (i = 0; i + 1 < n->n; i += 2)
		if (n->kids[i]->type == CY_SCALAR && strcmp(n->kids[i]->str, key) == 0)
			return n->kids[i + 1];
	return NULL;
}

long
cy_seq_len(struct cy_ctx *c, const struct cy_node *n)
{
	if (cy_is_null(n))
		return 0;
	if (n->type != CY_SEQ) {
		cy_err(c, n->line, "expected a list, got %s", cy_type_name(n));
		return -1;
	}
	return (long)n->n;
}

void
cy_missing(struct cy_ctx *c, const struct cy_node *map, const char *key)
{
	size_t old = cy_path_key(c, key);

	cy_err(c, map ? map->line : 1, "required key is missing");
	cy_path_pop(c, old);
}

/* ---- typed values ------------------------------------------------------ */

static bool
cy_scalar_text(struct cy_ctx *c, const struct cy_node *n, const char *expect)
{
	if (n == NULL || n->type != CY_SCALAR || n->has_nul) {
		cy_err(c, n ? n->line : 1, "expected %s, got %s", expect, cy_type_name(n));
		return false;
	}
	return true;
}

int
cy_v_str(struct cy_ctx *c, const struct cy_node *n, char **out)
{
	char *s;

	if (!cy_scalar_text(c, n, "a string"))
		return -1;
	s = cy_strdup(c, cy_is_null(n) ? "" : n->str);
	if (s == NULL)
		return -1;
	free(*out);
	*out = s;
	return 0;
}

/* Decimal or 0x-hex, optional leading '-' (only to say "out of range"). */
static int
cy_parse_u64(const char *s, uint64_t *v, bool *neg)
{
	unsigned base = 10;
	uint64_t acc = 0;

	*neg = false;
	if (*s == '-' || *s == '+') {
		*neg = *s == '-';
		s++;
	}
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && s[2]) {
		base = 16;
		s += 2;
	}
	if (*s == '\0')
		return -1;
	for (; *s; s++) {
		unsigned d;

		if (*s >= '0' && *s <= '9')
			d = (unsigned)(*s - '0');
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = (unsigned)(*s - 'a' + 10);
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = (unsigned)(*s - 'A' + 10);
		else
			return -1;
		if (acc > (UINT64_MAX - d) / base)
			return -2;	/* overflow: a number, just too big */
		acc = acc * base + d;
	}
	*v = acc;
	return 0;
}

int
cy_v_uint(struct cy_ctx *c, const struct cy_node *n, uint64_t min, uint64_t max,
	  uint64_t *out)
{
	uint64_t v = 0;
	bool neg;
	int r;

	if (!cy_scalar_text(c, n, "an integer"))
		return -1;
	r = cy_parse_u64(n->str, &v, &neg);
	if (r == -1) {
		cy_err(c, n->line, "expected an integer, got %s", cy_type_name(n));
		return -1;
	}
	if (r == -2 || (neg && v != 0) || v < min || v > max) {
		cy_err(c, n->line, "must be between %" PRIu64 " and %" PRIu64, min, max);
		return -1;
	}
	*out = v;
	return 0;
}

int
cy_v_bool(struct cy_ctx *c, const struct cy_node *n, bool *out)
{
	static const char *const t[] = { "true", "True", "TRUE" };
	static const char *const f[] = { "false", "False", "FALSE" };
	size_t i;

	if (n && n->type == CY_SCALAR && !n->has_nul) {
		for (i = 0; i < 3; i++) {
			if (strcmp(n->str, t[i]) == 0) {
				*out = true;
				return 0;
			}
			if (strcmp(n->str, f[i]) == 0) {
				*out = false;
				return 0;
			}
		}
	}
	cy_err(c, n ? n->line : 1, "expected true or false, got %s", cy_type_name(n));
	return -1;
}

int
cy_v_addr(struct cy_ctx *c, const struct cy_node *n, struct zdp_addr *out)
{
	struct zdp_addr a;

	if (!cy_scalar_text(c, n, "an IP address"))
		return -1;
	if (zdp_addr_parse(n->str, &a) < 0) {
		cy_err(c, n->line, "invalid IP address %s", cy_type_name(n));
		return -1;
	}
	*out = a;
	return 0;
}

int
cy_v_prefix(struct cy_ctx *c, const struct cy_node *n, bool need_len, struct zdp_prefix *out)
{
	struct zdp_prefix p;
	const char *slash;

	if (!cy_scalar_text(c, n, "an IP prefix"))
		return -1;
	slash = strchr(n->str, '/');
	if (need_len && slash == NULL) {
		cy_err(c, n->line, "invalid prefix %s (expected ADDRESS/LENGTH)",
		       cy_type_name(n));
		return -1;
	}
	/* zdp_prefix_parse's strtol would accept " 24" and "+24": be strict. */
	if (slash && (slash[1] < '0' || slash[1] > '9')) {
		cy_err(c, n->line, "invalid prefix %s", cy_type_name(n));
		return -1;
	}
	if (zdp_prefix_parse(n->str, &p) < 0) {
		cy_err(c, n->line, "invalid prefix %s", cy_type_name(n));
		return -1;
	}
	*out = p;
	return 0;
}

int
cy_v_duration(struct cy_ctx *c, const struct cy_node *n, unsigned min, unsigned max,
	      unsigned *out)
{
	static const struct {
		const char *unit;
		uint64_t ms;
	} units[] = {
		/* "ms" before "m": longest match first */
		{ "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 },
	};
	const char *s;
	uint64_t total_ms = 0, secs;
	bool any = false;

	if (!cy_scalar_text(c, n, "a duration"))
		return -1;
	s = n->str;
	if (n->plain && *s >= '0' && *s <= '9' && strspn(s, "0123456789") == n->len) {
		/* A bare integer is seconds. */
		uint64_t v;
		bool neg;

		if (cy_parse_u64(s, &v, &neg) < 0 || v > max) {
			cy_err(c, n->line, "must be between %us and %us", min, max);
			return -1;
		}
		total_ms = v * 1000;
		any = true;
		s += n->len;
	}
	while (*s) {
		uint64_t v = 0;
		size_t i, ulen = 0;

		if (*s < '0' || *s > '9')
			goto bad;
		while (*s >= '0' && *s <= '9') {
			v = v * 10 + (uint64_t)(*s++ - '0');
			if (v > (uint64_t)max * 1000 + 1000)
				goto range;
		}
		for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			ulen = strlen(units[i].unit);
			if (strncmp(s, units[i].unit, ulen) == 0)
				break;
		}
		if (i == sizeof(units) / sizeof(units[0]))
			goto bad;
		s += ulen;
		total_ms += v * units[i].ms;
		if (total_ms > (uint64_t)max * 1000 + 1000)
			goto range;
		any = true;
	}
	if (!any)
		goto bad;
	secs = (total_ms + 999) / 1000;	/* "500ms" rounds up to 1s */
	if (secs < min || secs > max)
		goto range;
	*out = (unsigned)secs;
	return 0;
range:
	cy_err(c, n->line, "must be between %us and %us", min, max);
	return -1;
bad:
	cy_err(c, n->line, "expected a duration such as 30, 10s, 5m, 1h or 500ms, got %s",
	       cy_type_name(n));
	return -1;
}

int
cy_v_sockaddr(struct cy_ctx *c, const struct cy_node *n, struct zdp_cfg_sockaddr *out)
{
	char host[64];
	const char *s, *colon, *hs, *he;
	struct zdp_cfg_sockaddr sa;
	uint64_t port;
	bool neg;

	if (!cy_scalar_text(c, n, "an address IP:port"))
		return -1;
	s = n->str;
	if (*s == '[') {
		he = strchr(s, ']');
		if (he == NULL || he[1] != ':')
			goto bad;
		hs = s + 1;
		colon = he + 1;
	} else {
		colon = strrchr(s, ':');
		if (colon == NULL)
			goto bad;
		if (memchr(s, ':', (size_t)(colon - s)) != NULL) {
			cy_err(c, n->line, "IPv6 addresses need brackets: [ADDRESS]:PORT, got %s",
			       cy_type_name(n));
			return -1;
		}
		hs = s;
		he = colon;
	}
	if ((size_t)(he - hs) >= sizeof(host))
		goto bad;
	memcpy(host, hs, (size_t)(he - hs));
	host[he - hs] = '\0';
	if (zdp_addr_parse(host, &sa.addr) < 0)
		goto bad;
	if (*s == '[' && sa.addr.family != ZDP_AF_INET6)
		goto bad;
	if (colon[1] < '0' || colon[1] > '9' || cy_parse_u64(colon + 1, &port, &neg) < 0)
		goto bad;
	if (port > 65535) {
		cy_err(c, n->line, "port must be between 0 and 65535");
		return -1;
	}
	sa.port = (uint16_t)port;
	*out = sa;
	return 0;
bad:
	cy_err(c, n->line, "expected IP:PORT or [IPv6]:PORT, got %s", cy_type_name(n));
	return -1;
}

int
cy_v_enum(struct cy_ctx *c, const struct cy_node *n, const struct cy_enum *table,
	  const char *expect, int *out)
{
	size_t i;

	if (n && n->type == CY_SCALAR && !n->has_nul)
		for (i = 0; table[i].name; i++)
			if (strcmp(table[i].name, n->str) == 0) {
				*out = table[i].value;
				return 0;
			}
	cy_err(c, n ? n->line : 1, "%s, got %s", expect, cy_type_name(n));
	return -1;
}

/* ---- keyed forms ------------------------------------------------------- */

int
cy_str(struct cy_ctx *c, const struct cy_node *map, const char *key, bool required,
       char **out)
{
	const struct cy_node *v = cy_map_get(map, key);
	size_t old;
	int r;

	if (cy_is_null(v)) {
		/* An explicit empty string is a value, not an absence. */
		if (required) {
			cy_missing(c, map, key);
			return -1;
		}
		return 0;
	}
	old = cy_path_key(c, key);
	r = cy_v_str(c, v, out);
	cy_path_pop(c, old);
	return r < 0 ? -1 : 1;
}

int
cy_uint(struct cy_ctx *c, const struct cy_node *map, const char *key, uint64_t min,
	uint64_t max, uint64_t *out)
{
	const struct cy_node *v = cy_map_get(map, key);
	size_t old;
	int r;

	if (cy_is_null(v))
		return 0;
	old = cy_path_key(c, key);
	r = cy_v_uint(c, v, min, max, out);
	cy_path_pop(c, old);
	return r < 0 ? -1 : 1;
}

int
cy_bool(struct cy_ctx *c, const struct cy_node *map, const char *key, bool *out)
{
	const struct cy_node *v = cy_map_get(map, key);
	size_t old;
	int r;

	if (cy_is_null(v))
		return 0;
	old = cy_path_key(c, key);
	r = cy_v_bool(c, v, out);
	cy_path_pop(c, old);
	return r < 0 ? -1 : 1;
}

int
cy_enum(struct cy_ctx *c, const struct cy_node *map, const char *key,
	const struct cy_enum *table, const char *expect, int *out)
{
	const struct cy_node *v = cy_map_get(map, key);
	size_t old;
	int r;

	if (cy_is_null(v))
		return 0;
	old = cy_path_key(c, key);
	r = cy_v_enum(c, v, table, expect, out);
	cy_path_pop(c, old);
	return r < 0 ? -1 : 1;
}

int
cy_duration(struct cy_ctx *c, const struct cy_node *map, const char *key, unsigned min,
	    unsigned max, unsigned *out)
{
	const struct cy_node *v = cy_map_get(map, key);
	size_t old;
	int r;

	if (cy_is_null(v))
		return 0;
	old = cy_path_key(c, key);
	r = cy_v_duration(c, v, min, max, out);
	cy_path_pop(c, old);
	return r < 0 ? -1 : 1;
}

int
cy_str_list(struct cy_ctx *c, const struct cy_node *map, const char *key, char ***out,
	    size_t *n_out)
{
	const struct cy_node *v = cy_map_get(map, key);
	size_t old = cy_path_key(c, key), i, n = 0;
	char **list;
	long len;
	int rc = 1;

	len = cy_seq_len(c, v);
	if (len <= 0) {
		cy_path_pop(c, old);
		return len < 0 ? -1 : 0;
	}
	list = cy_calloc(c, (size_t)len, sizeof(*list));
	if (list == NULL) {
		cy_path_pop(c, old);
		return -1;
	}
	for (i = 0; i < (size_t)len; i++) {
		size_t o2 = cy_path_idx(c, i);

		if (cy_v_str(c, v->kids[i], &list[n]) == 0)
			n++;
		else
			rc = -1;
		cy_path_pop(c, o2);
	}
	cy_path_pop(c, old);
	*out = list;
	*n_out = n;
	return rc;
}
