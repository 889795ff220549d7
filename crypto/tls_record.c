/* SPDX-License-Identifier: BSD-3-Clause
 * tls_record.c — TLS 1.3 record protection over flat buffers and mbuf chains.
 *
 * Everything here is on the packet path: no allocation, no locks, one AEAD
 * call per record through the engine's const ops table.
 */
#include <errno.h>
#include <string.h>

#include <openssl/crypto.h>
#include <rte_mbuf.h>

#include "zdp_tls_record.h"

/* Derive key and IV from t->secret and reset the sequence number. */
static int
traffic_rekey(struct zdp_tls_traffic *t, struct zdp_aead_engine *eng)
{
	uint8_t key[ZDP_AEAD_KEY_MAX];
	int rc;

	rc = zdp_tls_traffic_keys(t->suite, t->secret, key, t->iv);
	if (rc == 0)
		rc = zdp_aead_key_init(&t->key, eng, key, zdp_tls_suite_key_len(t->suite));
	OPENSSL_cleanse(key, sizeof(key));
	t->seq = 0;
	return rc;
}

int
zdp_tls_traffic_init(struct zdp_tls_traffic *t, struct zdp_aead_engine *eng,
		     uint16_t suite, const uint8_t *secret)
{
	unsigned h = zdp_tls_suite_hash_len(suite);

	if (h == 0 || eng == NULL)
		return -EINVAL;
	t->suite = suite;
	t->hash_len = (uint8_t)h;
	memcpy(t->secret, secret, h);
	return traffic_rekey(t, eng);
}

int
zdp_tls_traffic_update(struct zdp_tls_traffic *t)
{
	int rc;

	rc = zdp_tls_traffic_secret_update(t->hash_len, t->secret);
	if (rc == 0)
		rc = traffic_rekey(t, t->key.eng);
	return rc;
}

void
zdp_tls_traffic_fini(struct zdp_tls_traffic *t)
{
	zdp_aead_key_fini(&t->key);
	OPENSSL_cleanse(t->secret, sizeof(t->secret));
	OPENSSL_cleanse(t->iv, sizeof(t->iv));
	t->seq = 0;
}

/* §5.3: nonce = iv XOR (64-bit seq, big endian, left-padded to iv length). */
static inline void
make_nonce(const struct zdp_tls_traffic *t, uint8_t nonce[ZDP_AEAD_NONCE_LEN])
{
	uint64_t tail;

	memcpy(nonce, t->iv, 4);
	memcpy(&tail, t->iv + 4, 8);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	tail ^= __builtin_bswap64(t->seq);	/* seq is big endian in the nonce */
#else
	tail ^= t->seq;
#endif
	memcpy(nonce + 4, &tail, 8);
}

static inline void
put_header(uint8_t *h, size_t body_len)
{
	h[0] = ZDP_TLS_CT_APPDATA;	/* opaque_type, §5.2 */
	h[1] = 0x03;			/* legacy_record_version */
	h[2] = 0x03;
	h[3] = (uint8_t)(body_len >> 8);
	h[4] = (uint8_t)body_len;
}

int
zdp_tls_record_peek(const uint8_t *p, size_t avail, uint8_t *outer_type)
{
	size_t len;

	if (avail < 1)
		return -EAGAIN;
	if (outer_type)
		*outer_type = p[0];
	if (p[0] < ZDP_TLS_CT_CCS || p[0] > ZDP_TLS_CT_APPDATA)
		return -EPROTO;
	/* §5.1: legacy_record_version "MUST be ignored for all purposes".
	 * Like OpenSSL, the major byte is still held to 3: anything else is
	 * not a TLS stream at all, and failing early beats decrypting noise. */
	if (avail >= 2 && p[1] != 0x03)
		return -EPROTO;
	if (avail < ZDP_TLS_REC_HDR)
		return -EAGAIN;
	len = (size_t)p[3] << 8 | p[4];
	if (len > ZDP_TLS_MAX_CIPHER)
		return -EMSGSIZE;
	if (avail < ZDP_TLS_REC_HDR + len)
		return -EAGAIN;
	return (int)(ZDP_TLS_REC_HDR + len);
}

int
zdp_tls_record_seal(struct zdp_tls_traffic *t, uint8_t type, const uint8_t *in,
		    size_t len, size_t pad, uint8_t *out, size_t cap)
{
	uint8_t nonce[ZDP_AEAD_NONCE_LEN];
	struct zdp_aead_seg seg;
	size_t inner = len + 1 + pad, body = inner + ZDP_AEAD_TAG_LEN;
	int rc;

	/* §5.4: the inner plaintext (content + type + padding) may be at most
	 * 2^14 + 1 bytes... content itself at most 2^14. */
	if (len > ZDP_TLS_MAX_PLAIN || inner > ZDP_TLS_MAX_PLAIN + 1)
		return -EMSGSIZE;
	if (cap < ZDP_TLS_REC_HDR + body)
		return -ENOSPC;
	if (t->seq == UINT64_MAX)
		return -EOVERFLOW;
	if (in != out + ZDP_TLS_REC_HDR && len)
		memmove(out + ZDP_TLS_REC_HDR, in, len);
	out[ZDP_TLS_REC_HDR + len] = type;
	memset(out + ZDP_TLS_REC_HDR + len + 1, 0, pad);
	put_header(out, body);
	make_nonce(t, nonce);
	seg.base = out + ZDP_TLS_REC_HDR;
	seg.len = (uint32_t)inner;
	rc = zdp_aead_seal(&t->key, nonce, out, ZDP_TLS_REC_HDR, &seg, 1,
			   out + ZDP_TLS_REC_HDR + inner);
	if (rc < 0)
		return rc;
	t->seq++;
	return (int)(ZDP_TLS_REC_HDR + body);
}

/* Common checks on a complete protected record's header. */
static int
check_protected_header(const uint8_t *h, size_t body_len)
{
	if (h[0] != ZDP_TLS_CT_APPDATA)
		return -EPROTO;
	/* §5.2: ciphertext at most 2^14 + 256; §5.4: the inner plaintext
	 * (content + type + padding) at most 2^14 + 1, so with GCM's tag the
	 * body can be at most 2^14 + 17 — refuse longer ones before spending
	 * cycles on them. */
	if (body_len > ZDP_TLS_MAX_PLAIN + 1 + ZDP_AEAD_TAG_LEN)
		return -EMSGSIZE;
	/* Shorter than tag + content type cannot authenticate. */
	if (body_len < ZDP_AEAD_TAG_LEN + 1)
		return -EBADMSG;
	return 0;
}

int
zdp_tls_record_open(struct zdp_tls_traffic *t, uint8_t *rec, size_t rec_len,
		    uint8_t *type, size_t *plain_len)
{
	uint8_t nonce[ZDP_AEAD_NONCE_LEN];
	struct zdp_aead_seg seg;
	size_t body, inner, i;
	int rc;

	if (rec_len < ZDP_TLS_REC_HDR)
		return -EPROTO;
	body = (size_t)rec[3] << 8 | rec[4];
	if (body != rec_len - ZDP_TLS_REC_HDR)
		return -EPROTO;
	rc = check_protected_header(rec, body);
	if (rc < 0)
		return rc;
	if (t->seq == UINT64_MAX)
		return -EOVERFLOW;
	inner = body - ZDP_AEAD_TAG_LEN;
	make_nonce(t, nonce);
	seg.base = rec + ZDP_TLS_REC_HDR;
	seg.len = (uint32_t)inner;
	rc = zdp_aead_open(&t->key, nonce, rec, ZDP_TLS_REC_HDR, &seg, 1, rec + ZDP_TLS_REC_HDR + inner);
	if (rc < 0) {
		/* Never leave unauthenticated plaintext where a caller could
		 * pick it up. */
		OPENSSL_cleanse(rec + ZDP_TLS_REC_HDR, inner);
		return rc == -EBADMSG ? -EBADMSG : rc;
	}
	t->seq++;
	/* §5.4: the type is the last non-zero byte; padding is zeros. */
	for (i = inner; i > 0 && rec[ZDP_TLS_REC_HDR + i - 1] == 0; i--)
		;
	if (i == 0)
		return -EPROTO;
	*type = rec[ZDP_TLS_REC_HDR + i - 1];
	if (i - 1 > ZDP_TLS_MAX_PLAIN)
		return -EMSGSIZE;
	*plain_len = i - 1;
	return 0;
}

/* Map bytes [off, off + len) of chain @m to segments. Returns the number of
 * segments, -EAGAIN if the chain is too short, -E2BIG if too many. */
static int
chain_segs(struct rte_mbuf *m, uint32_t off, uint32_t len, struct zdp_aead_seg *segs,
	   unsigned max)
{
	unsigned n = 0;

	while (m && off >= m->data_len) {
		off -= m->data_len;
		m = m->next;
	}
	while (len) {
		uint32_t take;

		if (m == NULL)
			return -EAGAIN;
		if (n == max)
			return -E2BIG;
		take = m->data_len - off;
		if (take > len)
			take = len;
		if (take) {
			segs[n].base = rte_pktmbuf_mtod_offset(m, uint8_t *, off);
			segs[n].len = take;
			n++;
		}
		len -= take;
		off = 0;
		m = m->next;
	}
	return (int)n;
}

/* Copy @len bytes at chain offset @off into @dst (gathering across segments). */
static int
chain_read(struct rte_mbuf *m, uint32_t off, uint32_t len, uint8_t *dst)
{
	struct zdp_aead_seg segs[ZDP_AEAD_TAG_LEN];
	int n, i;

	/* Header and tag are at most 16 bytes, so at most 16 segments. */
	n = chain_segs(m, off, len, segs, ZDP_AEAD_TAG_LEN);
	if (n < 0)
		return n;
	for (i = 0; i < n; i++) {
		memcpy(dst, segs[i].base, segs[i].len);
		dst += segs[i].len;
	}
	return 0;
}

int
zdp_tls_chain_copy(const struct rte_mbuf *m, uint32_t off, uint32_t len, uint8_t *dst)
{
	while (m && off >= m->data_len) {
		off -= m->data_len;
		m = m->next;
	}
	while (len) {
		uint32_t take;

		if (m == NULL)
			return -EAGAIN;
		take = m->data_len - off;
		if (take > len)
			take = len;
		memcpy(dst, rte_pktmbuf_mtod_offset(m, const uint8_t *, off), take);
		dst += take;
		len -= take;
		off = 0;
		m = m->next;
	}
	return 0;
}

int
zdp_tls_record_peek_mbuf(const struct rte_mbuf *m, uint32_t off, uint8_t *outer_type)
{
	uint8_t h[ZDP_TLS_REC_HDR];
	uint32_t have = m->pkt_len > off ? m->pkt_len - off : 0;
	uint32_t n = have < ZDP_TLS_REC_HDR ? have : ZDP_TLS_REC_HDR;
	int len;

	if (zdp_tls_chain_copy(m, off, n, h) < 0)
		return -EAGAIN;
	len = zdp_tls_record_peek(h, n, outer_type);
	if (len == -EAGAIN && n == ZDP_TLS_REC_HDR) {
		/* header complete: is the body there? */
		uint32_t total = ZDP_TLS_REC_HDR + ((uint32_t)h[3] << 8 | h[4]);

		return have >= total ? (int)total : -EAGAIN;
	}
	return len;
}

int
zdp_tls_record_seal_mbuf(struct zdp_tls_traffic *t, uint8_t type, struct rte_mbuf *m,
			 uint16_t pad)
{
	struct zdp_aead_seg segs[ZDP_TLS_MAX_SEGS];
	uint8_t nonce[ZDP_AEAD_NONCE_LEN];
	struct rte_mbuf *last = rte_pktmbuf_lastseg(m);
	uint32_t len = m->pkt_len, inner = len + 1 + pad, body = inner + ZDP_AEAD_TAG_LEN;
	uint8_t *hdr, *tail;
	int n, rc;

	if (len > ZDP_TLS_MAX_PLAIN || inner > ZDP_TLS_MAX_PLAIN + 1)
		return -EMSGSIZE;
	if (rte_pktmbuf_headroom(m) < ZDP_TLS_REC_HDR ||
	    rte_pktmbuf_tailroom(last) < 1u + pad + ZDP_AEAD_TAG_LEN)
		return -ENOSPC;
	if (m->nb_segs > ZDP_TLS_MAX_SEGS)
		return -E2BIG;
	if (t->seq == UINT64_MAX)
		return -EOVERFLOW;

	tail = rte_pktmbuf_mtod_offset(last, uint8_t *, last->data_len);
	tail[0] = type;
	memset(tail + 1, 0, pad);
	last->data_len += 1 + pad + ZDP_AEAD_TAG_LEN;
	m->pkt_len += 1 + pad + ZDP_AEAD_TAG_LEN;
	m->data_off -= ZDP_TLS_REC_HDR;
	m->data_len += ZDP_TLS_REC_HDR;
	m->pkt_len += ZDP_TLS_REC_HDR;
	hdr = rte_pktmbuf_mtod(m, uint8_t *);
	put_header(hdr, body);

	n = chain_segs(m, ZDP_TLS_REC_HDR, inner, segs, ZDP_TLS_MAX_SEGS);
	if (n < 0)
		return n;
	make_nonce(t, nonce);
	rc = zdp_aead_seal(&t->key, nonce, hdr, ZDP_TLS_REC_HDR, segs, (unsigned)n,
			   tail + 1 + pad);
	if (rc < 0)
		return rc;
	t->seq++;
	return (int)(ZDP_TLS_REC_HDR + body);
}

int
zdp_tls_record_open_mbuf(struct zdp_tls_traffic *t, struct rte_mbuf *m, uint32_t off,
			 uint8_t *type, uint32_t *plain_len)
{
	struct zdp_aead_seg segs[ZDP_TLS_MAX_SEGS];
	uint8_t hdr[ZDP_TLS_REC_HDR], tag[ZDP_AEAD_TAG_LEN];
	uint8_t nonce[ZDP_AEAD_NONCE_LEN];
	uint32_t body, inner, i = UINT32_MAX;
	int n, rc, s;

	rc = chain_read(m, off, ZDP_TLS_REC_HDR, hdr);
	if (rc < 0)
		return rc;
	body = (uint32_t)hdr[3] << 8 | hdr[4];
	rc = check_protected_header(hdr, body);
	if (rc < 0)
		return rc;
	if (off + ZDP_TLS_REC_HDR + body > m->pkt_len)
		return -EAGAIN;
	if (t->seq == UINT64_MAX)
		return -EOVERFLOW;
	inner = body - ZDP_AEAD_TAG_LEN;
	rc = chain_read(m, off + ZDP_TLS_REC_HDR + inner, ZDP_AEAD_TAG_LEN, tag);
	if (rc < 0)
		return rc;
	n = chain_segs(m, off + ZDP_TLS_REC_HDR, inner, segs, ZDP_TLS_MAX_SEGS);
	if (n < 0)
		return n;
	make_nonce(t, nonce);
	rc = zdp_aead_open(&t->key, nonce, hdr, ZDP_TLS_REC_HDR, segs, (unsigned)n, tag);
	if (rc < 0) {
		for (s = 0; s < n; s++)
			OPENSSL_cleanse(segs[s].base, segs[s].len);
		return rc;
	}
	t->seq++;
	/* Content type: the last non-zero byte (§5.4), walking segments
	 * backwards; @i counts the bytes before it. */
	for (s = n - 1; s >= 0; s--) {
		uint32_t j = segs[s].len;

		while (j > 0 && segs[s].base[j - 1] == 0)
			j--;
		if (j > 0) {
			*type = segs[s].base[j - 1];
			i = j - 1;
			while (--s >= 0)
				i += segs[s].len;
			break;
		}
	}
	if (i == UINT32_MAX)	/* all zeros: unexpected_message */
		return -EPROTO;
	if (i > ZDP_TLS_MAX_PLAIN)
		return -EMSGSIZE;
	*plain_len = i;
	return 0;
}
