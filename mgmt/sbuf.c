/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sbuf.h"

static bool
sbuf_reserve(struct sbuf *b, size_t more)
{
	size_t want;
	char *n;

	if (b->failed)
		return false;
	if (b->len + more + 1 <= b->cap)
		return true;
	want = b->cap ? b->cap : 4096;
	while (want < b->len + more + 1)
		want *= 2;
	n = realloc(b->p, want);
	if (n == NULL) {
		b->failed = true;
		return false;
	}
	b->p = n;
	b->cap = want;
	return true;
}

void
sbuf_put(struct sbuf *b, const char *s, size_t n)
{
	if (!sbuf_reserve(b, n))
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void
sbuf_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !sbuf_reserve(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

void
sbuf_json_str(struct sbuf *b, const char *s)
{
	if (s == NULL) {
		sbuf_put(b, "null", 4);
		return;
	}
	sbuf_put(b, "\"", 1);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			char e[2] = { '\\', (char)c };
			sbuf_put(b, e, 2);
		} else if (c < 0x20) {
			sbuf_printf(b, "\\u%04x", c);
		} else {
			sbuf_put(b, (const char *)&c, 1);
		}
	}
	sbuf_put(b, "\"", 1);
}

void
sbuf_prom_label(struct sbuf *b, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '"' || *s == '\\')
			sbuf_put(b, "\\", 1);
		if (*s == '\n') {
			sbuf_put(b, "\\n", 2);
			continue;
		}
		sbuf_put(b, s, 1);
	}
}

char *
sbuf_finish(struct sbuf *b, size_t *len)
{
	if (b->failed || b->p == NULL) {
		free(b->p);
		b->p = NULL;
		if (!b->failed) {
			/* Empty body. */
			b->p = calloc(1, 1);
			if (len)
				*len = 0;
			return b->p;
		}
		return NULL;
	}
	if (len)
		*len = b->len;
	return b->p;
}
