/* SPDX-License-Identifier: BSD-3-Clause
 * fuzz_tls_record.c — fuzz zdp's record layer and post-handshake parser.
 *
 * An established client session (fixed secrets) is fed an input split into
 * operations, so the fuzzer reaches both sides of authentication:
 *
 *   op 0  raw bytes straight into zdp_tls_session_input (header parsing,
 *         length limits, authentication failures)
 *   op 1  content sealed by a simulated peer with the right keys and
 *         sequence, type taken from the input (content-type scan, padding,
 *         KeyUpdate / NewSessionTicket / alert parsing, fragmentation)
 *   op 2  raw bytes opened in place from an mbuf chain split by the input
 *         (zdp_tls_record_open_mbuf segment walking)
 *   op 3  like op 1, but sealed for a second session that only receives
 *         through zdp_tls_session_open_mbuf, over a chain split by the input
 *
 * Each op is [op:1][len:2][pad:1][bytes]. Invariants checked: no crash, no
 * plaintext delivered after a failure, output never exceeds its capacity.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tls_priv.h"
#include "tls_test_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static struct zdp_aead_engine *eng;
static size_t delivered_after_fail;
static struct zdp_tls_session *cur, *cur2;

static void
on_data(void *arg, const uint8_t *p, size_t n)
{
	if (zdp_tls_session_state(cur) == ZDP_TLS_FAILED)
		delivered_after_fail += n;
}

/* Seal @b (type, content) for @peer and make it one record in @rec. */
static int
seal_for(struct zdp_tls_traffic *peer, const uint8_t *b, size_t len, uint8_t pad, uint8_t *rec,
	 size_t cap)
{
	int n;

	if (len < 1)
		return -EINVAL;
	n = zdp_tls_record_seal(peer, b[0], b + 1, len - 1, pad, rec, cap);
	/* keep the simulated peer in step when it sends a well-formed
	 * KeyUpdate alone in its record */
	if (n > 0 && b[0] == ZDP_TLS_CT_HANDSHAKE && len == 6 && b[1] == 24 && b[2] == 0 &&
	    b[3] == 0 && b[4] == 1 && b[5] <= 1)
		zdp_tls_traffic_update(peer);
	return n;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	eng = zdp_aead_engine_create(ZDP_AEAD_IPSECMB, NULL);
	return eng ? 0 : 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t cs[48] = { 1, 2, 3 }, ss[48] = { 4, 5, 6 };
	static uint8_t rec[ZDP_TLS_MAX_RECORD + 64];
	struct zdp_tls_session_params p;
	struct zdp_tls_traffic peer, peer2;
	const uint8_t *q = data, *end = data + size;
	uint16_t suite;

	if (eng == NULL && LLVMFuzzerInitialize(NULL, NULL) != 0)
		abort();
	if (size < 1)
		return 0;
	suite = (*q++ & 1) ? ZDP_TLS_AES_256_GCM_SHA384 : ZDP_TLS_AES_128_GCM_SHA256;
	memset(&p, 0, sizeof(p));
	p.role = ZDP_TLS_CLIENT;
	p.aead = eng;
	p.on_data = on_data;
	cur = zdp_tls_session_create_open(&p, suite, cs, ss);
	cur2 = zdp_tls_session_create_open(&p, suite, cs, ss);
	if (cur == NULL || cur2 == NULL)
		abort();
	memset(&peer, 0, sizeof(peer));
	memset(&peer2, 0, sizeof(peer2));
	if (zdp_tls_traffic_init(&peer, eng, suite, ss) < 0 ||
	    zdp_tls_traffic_init(&peer2, eng, suite, ss) < 0)
		abort();
	delivered_after_fail = 0;

	while (end - q >= 4) {
		uint8_t op = q[0], pad = q[3];
		size_t len = (size_t)q[1] << 8 | q[2];
		const uint8_t *b = q + 4;

		q += 4;
		if (len > (size_t)(end - q))
			len = (size_t)(end - q);
		q += len;
		switch (op % 4) {
		case 0:
			zdp_tls_session_input(cur, b, len);
			break;
		case 1: {
			int n = seal_for(&peer, b, len, pad, rec, sizeof(rec));

			if (n > 0)
				zdp_tls_session_input(cur, rec, (size_t)n);
			break;
		}
		case 2: {
			struct tu_chain c;
			uint32_t lens[TU_MAX_SEGS];
			uint64_t st = (uint64_t)pad * 2654435761u + len + 1;
			unsigned nseg = tu_random_split(&st, (uint32_t)len, lens, 24);
			uint8_t type;
			uint32_t plen;
			struct rte_mbuf *m = tu_chain_build(&c, b, lens, nseg);

			zdp_tls_record_open_mbuf(&peer, m, pad % 8 < len ? pad % 8 : 0, &type, &plen);
			tu_chain_free(&c);
			break;
		}
		case 3: {
			struct tu_chain c;
			uint32_t lens[TU_MAX_SEGS], rl, pl;
			uint64_t st = (uint64_t)pad * 40503u + len + 7;
			int n = seal_for(&peer2, b, len, pad, rec, sizeof(rec)), r;
			struct rte_mbuf *m;
			unsigned nseg;

			if (n <= 0)
				break;
			nseg = tu_random_split(&st, (uint32_t)n, lens, 24);
			m = tu_chain_build(&c, rec, lens, nseg);
			r = zdp_tls_session_open_mbuf(cur2, m, 0, &rl, &pl);
			if (r == 1 && (pl > ZDP_TLS_MAX_PLAIN || rl != (uint32_t)n))
				abort();
			if (r < 0 && zdp_tls_session_state(cur2) != ZDP_TLS_FAILED && r != -EPIPE)
				abort();	/* every refusal fails the session */
			tu_chain_free(&c);
			break;
		}
		}
		{
			const uint8_t *o;
			size_t n = zdp_tls_session_output_peek(cur, &o);

			zdp_tls_session_output_consume(cur, n);
			n = zdp_tls_session_output_peek(cur2, &o);
			zdp_tls_session_output_consume(cur2, n);
		}
	}
	if (delivered_after_fail)
		abort();
	zdp_tls_traffic_fini(&peer);
	zdp_tls_traffic_fini(&peer2);
	zdp_tls_session_destroy(cur);
	zdp_tls_session_destroy(cur2);
	cur = cur2 = NULL;
	return 0;
}
