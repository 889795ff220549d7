/* SPDX-License-Identifier: BSD-3-Clause
 * registry.c — stable name -> id maps (see zdp_mgmt.h). Mgmt thread only.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "zdp_mgmt.h"

struct zdp_registry {
	char **names;		/* id -> name */
	uint32_t n, max;
	uint32_t *slots;	/* open addressing: id + 1, 0 = empty */
	uint32_t mask;
};

static uint32_t
reg_hash(const char *s)
{
	uint32_t h = 2166136261u;	/* FNV-1a */

	while (*s) {
		h ^= (uint8_t)*s++;
		h *= 16777619u;
	}
	return h;
}

struct zdp_registry *
zdp_registry_create(uint32_t max)
{
	struct zdp_registry *r = calloc(1, sizeof(*r));
	uint32_t cap = 16;

	if (r == NULL)
		return NULL;
	while (cap < max * 2)
		cap <<= 1;
	r->max = max;
	r->mask = cap - 1;
	r->names = calloc(max, sizeof(*r->names));
	r->slots = calloc(cap, sizeof(*r->slots));
	if (r->names == NULL || r->slots == NULL) {
		zdp_registry_destroy(r);
		return NULL;
	}
	return r;
}

void
zdp_registry_destroy(struct zdp_registry *r)
{
	if (r == NULL)
		return;
	for (uint32_t i = 0; i < r->n; i++)
		free(r->names[i]);
	free(r->names);
	free(r->slots);
	free(r);
}

int
zdp_registry_id(struct zdp_registry *r, const char *name)
{
	uint32_t i = reg_hash(name) & r->mask;

	for (;; i = (i + 1) & r->mask) {
		uint32_t v = r->slots[i];
		if (v == 0)
			break;
		if (strcmp(r->names[v - 1], name) == 0)
			return (int)(v - 1);
	}
	if (r->n == r->max)
		return -ENOSPC;
	r->names[r->n] = strdup(name);
	if (r->names[r->n] == NULL)
		return -ENOMEM;
	r->slots[i] = ++r->n;
	return (int)(r->n - 1);
}

const char *
zdp_registry_name(const struct zdp_registry *r, uint32_t id)
{
	return id < r->n ? r->names[id] : NULL;
}

uint32_t
zdp_registry_count(const struct zdp_registry *r)
{
	return r->n;
}
