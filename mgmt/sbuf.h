/* SPDX-License-Identifier: BSD-3-Clause
 * sbuf.h — a growable string for HTTP bodies (mgmt side only).
 * Allocation failure is sticky: later appends do nothing and
 * sbuf_finish() returns NULL, so callers check once at the end.
 */
#ifndef ZDP_SBUF_H
#define ZDP_SBUF_H

#include <stdbool.h>
#include <stddef.h>

struct sbuf {
	char *p;
	size_t len, cap;
	bool failed;
};

void sbuf_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sbuf_put(struct sbuf *b, const char *s, size_t n);
/* Appends @s as a JSON string literal, quotes included ("null" for NULL). */
void sbuf_json_str(struct sbuf *b, const char *s);
/* Appends @s escaped for a Prometheus label value (no quotes). */
void sbuf_prom_label(struct sbuf *b, const char *s);
/* Returns the string (caller frees) and its length, or NULL on failure. */
char *sbuf_finish(struct sbuf *b, size_t *len);

#endif
