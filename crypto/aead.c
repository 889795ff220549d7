/* SPDX-License-Identifier: BSD-3-Clause
 * aead.c — backend selection and the engine/key life cycle.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "aead_priv.h"

static const struct zdp_aead_ops *const backends[ZDP_AEAD_BACKEND_MAX] = {
	[ZDP_AEAD_IPSECMB] = &zdp_aead_ipsecmb_ops,
	[ZDP_AEAD_CRYPTODEV] = &zdp_aead_cryptodev_ops,
	[ZDP_AEAD_EVP] = &zdp_aead_evp_ops,
};

int
zdp_aead_backend_parse(const char *name)
{
	int i;

	if (name == NULL)
		return -EINVAL;
	for (i = 0; i < ZDP_AEAD_BACKEND_MAX; i++)
		if (strcmp(name, backends[i]->name) == 0)
			return i;
	return -EINVAL;
}

const char *
zdp_aead_backend_name(enum zdp_aead_backend b)
{
	if ((unsigned)b >= ZDP_AEAD_BACKEND_MAX)
		return "?";
	return backends[b]->name;
}

struct zdp_aead_engine *
zdp_aead_engine_create(enum zdp_aead_backend b, const char *arg)
{
	struct zdp_aead_engine *e;
	int rc;

	if ((unsigned)b >= ZDP_AEAD_BACKEND_MAX) {
		errno = EINVAL;
		return NULL;
	}
	e = calloc(1, sizeof(*e));
	if (e == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	e->ops = backends[b];
	e->dev_id = -1;
	rc = e->ops->engine_init(e, arg);
	if (rc < 0) {
		free(e);
		errno = -rc;
		return NULL;
	}
	return e;
}

void
zdp_aead_engine_destroy(struct zdp_aead_engine *e)
{
	if (e == NULL)
		return;
	e->ops->engine_fini(e);
	free(e);
}

const struct zdp_aead_ops *
zdp_aead_engine_ops(const struct zdp_aead_engine *e)
{
	return e->ops;
}

int
zdp_aead_key_init(struct zdp_aead_key *k, struct zdp_aead_engine *eng,
		  const uint8_t *key, unsigned key_len)
{
	int rc;

	if (key_len != 16 && key_len != 32)
		return -EINVAL;
	/* A key being replaced (KeyUpdate) keeps its backend handle so the
	 * backend can re-key without allocating; a different engine cannot. */
	if (k->live && k->eng != eng)
		zdp_aead_key_fini(k);
	if (!k->live) {
		k->handle = NULL;
		k->live = 0;
	}
	k->ops = eng->ops;
	k->eng = eng;
	rc = eng->ops->key_init(k, key, key_len);
	if (rc < 0) {
		OPENSSL_cleanse(k->priv, sizeof(k->priv));
		k->live = 0;
		return rc;
	}
	k->key_len = (uint8_t)key_len;
	k->live = 1;
	return 0;
}

void
zdp_aead_key_fini(struct zdp_aead_key *k)
{
	if (!k->live)
		return;
	k->ops->key_fini(k);
	OPENSSL_cleanse(k->priv, sizeof(k->priv));
	k->handle = NULL;
	k->live = 0;
}
