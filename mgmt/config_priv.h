/* SPDX-License-Identifier: BSD-3-Clause
 * config_priv.h — internals shared by the config loader's three files:
 *
 *   config_yaml.c     YAML text -> node tree (libyaml events), typed accessors,
 *                     error reporting with `file:line: key: reason`
 *   config.c          public API, the mesh part (ztunnel local-config format)
 *   config_gateway.c  the `gateway` part and its cross-checks
 *
 * Nothing outside mgmt/config*.c includes this file.
 *
 * Why our own node tree instead of yaml_parser_load(): libyaml's loader
 * registers an anchor before the node is complete, so `&a [*a]` yields a
 * cyclic document, and aliases can expand exponentially ("billion laughs").
 * Building from events lets us register anchors only once their node is
 * complete (no cycles), charge every alias for the size of what it expands
 * to, bound the nesting depth, and keep the 1-based line of every node.
 */
#ifndef ZDP_CONFIG_PRIV_H
#define ZDP_CONFIG_PRIV_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "zdp_config.h"

/* Hard limits: a config file is small; anything past these is hostile or broken. */
#define CY_MAX_INPUT	(16u << 20)	/* bytes */
#define CY_MAX_DEPTH	64		/* nested collections */
#define CY_MAX_NODES	(1u << 20)	/* nodes, aliases counted expanded */
#define CY_MAX_ERRORS	500		/* messages kept per load */
#define CY_PATH_MAX	256

enum cy_type {
	CY_SCALAR = 1,
	CY_SEQ,
	CY_MAP,
};

struct cy_node {
	enum cy_type type;
	unsigned line;		/* 1-based */
	bool plain;		/* scalar written without quotes */
	bool has_nul;		/* scalar contains "\0" (double-quoted escape) */
	char *tag;		/* explicit tag ("!Exact"), NULL when none */
	char *str;		/* scalar text, NUL-terminated */
	size_t len;
	struct cy_node **kids;	/* SEQ: items; MAP: key, value, key, value... */
	size_t n;		/* number of kids (MAP: 2 * pairs) */
	size_t cap;
	size_t weight;		/* nodes in the subtree (for alias accounting) */
};

struct cy_anchor {
	char *name;
	struct cy_node *node;
};

/* Owns every node through `all`; kids arrays only borrow (aliases share). */
struct cy_doc {
	struct cy_node *root;	/* NULL for an empty document */
	struct cy_node **all;
	size_t n_all, cap_all;
	struct cy_anchor *anchors;
	size_t n_anchors, cap_anchors;
	size_t expanded;	/* nodes including alias expansions */
};

struct cy_ctx {
	const char *file;
	struct zdp_config_errors *errs;	/* may be NULL: still counted */
	size_t errs_start;		/* first message of this load */
	unsigned *err_lines;		/* line of each message we added */
	size_t n_msgs;			/* messages added to errs (<= n_errors) */
	size_t n_errors;		/* problems found, reported or not */
	bool oom;
	char path[CY_PATH_MAX];		/* dotted key of the node being decoded */
	size_t plen;
	struct zdp_config *cfg;
};

/* ---- errors and key paths (config_yaml.c) ---- */
void cy_err(struct cy_ctx *c, unsigned line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void cy_err_key(struct cy_ctx *c, unsigned line, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Each push returns the previous length for cy_path_pop(). */
size_t cy_path_key(struct cy_ctx *c, const char *key);
size_t cy_path_idx(struct cy_ctx *c, size_t i);
size_t cy_path_mapkey(struct cy_ctx *c, const char *key);
void cy_path_pop(struct cy_ctx *c, size_t old);

/* ---- raw allocation (the only place the loader calls libc's allocator) ---- */
/* Test hook: fail the @n-th allocation from now (0-based; -1 = never) and
 * restart counting. Per thread. */
void cy_alloc_fail_at(long n);
unsigned long cy_alloc_count(void);
void *cy_raw_malloc(size_t n);
void *cy_raw_calloc(size_t n, size_t size);
void *cy_raw_realloc(void *p, size_t n);
char *cy_raw_strdup(const char *s);
char *cy_raw_strndup(const char *s, size_t n);
int cy_raw_vasprintf(char **out, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
int cy_raw_asprintf(char **out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- allocation that records failure instead of crashing ---- */
void *cy_calloc(struct cy_ctx *c, size_t n, size_t size);
char *cy_strdup(struct cy_ctx *c, const char *s);
char *cy_printf(struct cy_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- tree ---- */
/* Returns 0, or -1 after reporting a syntax error (doc is then empty). */
int cy_doc_parse(struct cy_ctx *c, const char *buf, size_t len, struct cy_doc *doc);
void cy_doc_fini(struct cy_doc *doc);

/* ---- node helpers ---- */
bool cy_is_null(const struct cy_node *n);
const char *cy_type_name(const struct cy_node *n);
/*
 * Check that @n is a mapping whose keys are unique strings from @known
 * (NULL-terminated). Unknown and duplicate keys are reported at their own
 * line. Returns 0 when @n is a mapping (even with bad keys), -1 otherwise
 * (reported). A null node is treated as an empty mapping.
 */
int cy_map_check(struct cy_ctx *c, const struct cy_node *n, const char *const *known);
/* Value for @key in mapping @n, or NULL (absent, or @n not a mapping). */
const struct cy_node *cy_map_get(const struct cy_node *n, const char *key);
/* Number of items of a sequence (null = 0), or -1 after reporting. */
long cy_seq_len(struct cy_ctx *c, const struct cy_node *n);
/* Report "required" for @key of mapping @map. */
void cy_missing(struct cy_ctx *c, const struct cy_node *map, const char *key);

/*
 * Typed values at the current path. Each returns 0 and sets *out, or -1
 * after reporting (out untouched). Callers handle null (absent) themselves.
 */
int cy_v_str(struct cy_ctx *c, const struct cy_node *n, char **out);
int cy_v_uint(struct cy_ctx *c, const struct cy_node *n, uint64_t min, uint64_t max,
	      uint64_t *out);
int cy_v_bool(struct cy_ctx *c, const struct cy_node *n, bool *out);
int cy_v_addr(struct cy_ctx *c, const struct cy_node *n, struct zdp_addr *out);
int cy_v_prefix(struct cy_ctx *c, const struct cy_node *n, bool need_len,
		struct zdp_prefix *out);
/* Seconds; integers are seconds, strings "500ms", "10s", "5m", "1h", "1h30m". */
int cy_v_duration(struct cy_ctx *c, const struct cy_node *n, unsigned min, unsigned max,
		  unsigned *out);
/* "IP:port" or "[IPv6]:port"; port 0 allowed (disabled). */
int cy_v_sockaddr(struct cy_ctx *c, const struct cy_node *n, struct zdp_cfg_sockaddr *out);

struct cy_enum {
	const char *name;
	int value;
};
/* @table is terminated by {NULL, 0}; @expect is the message on mismatch. */
int cy_v_enum(struct cy_ctx *c, const struct cy_node *n, const struct cy_enum *table,
	      const char *expect, int *out);

/*
 * Keyed forms: look @key up in @map, push it on the path, decode. Return 1
 * when set, 0 when absent or null (reports "required" if @required), -1
 * after reporting an error.
 */
int cy_str(struct cy_ctx *c, const struct cy_node *map, const char *key, bool required,
	   char **out);
int cy_uint(struct cy_ctx *c, const struct cy_node *map, const char *key, uint64_t min,
	    uint64_t max, uint64_t *out);
int cy_bool(struct cy_ctx *c, const struct cy_node *map, const char *key, bool *out);
int cy_enum(struct cy_ctx *c, const struct cy_node *map, const char *key,
	    const struct cy_enum *table, const char *expect, int *out);
int cy_duration(struct cy_ctx *c, const struct cy_node *map, const char *key,
		unsigned min, unsigned max, unsigned *out);
/* A list of strings. */
int cy_str_list(struct cy_ctx *c, const struct cy_node *map, const char *key,
		char ***out, size_t *n);

/* ---- the two halves of the schema ---- */
void cy_decode_mesh(struct cy_ctx *c, const struct cy_node *root);
/* Runs after cy_decode_mesh: trafficRoutes are checked against services. */
void cy_decode_gateway(struct cy_ctx *c, const struct cy_node *gw);
void cy_gateway_defaults(struct zdp_cfg_gateway *gw);
void cy_gateway_fini(struct zdp_cfg_gateway *gw);

bool cy_streq(const char *a, const char *b);

#endif /* ZDP_CONFIG_PRIV_H */
