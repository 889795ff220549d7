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
static struct zdp_tls_session *cur;

static void
on_data(void *arg, const uint8_t *p, size_t n)
{
	if (zdp_tls_session_state(cur) == ZDP_TLS_FAILED)
		delivered_after_fail += n;
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
	struct zdp_tls_traffic peer;
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
	if (cur == NULL)
		abort();
	memset(&peer, 0, sizeof(peer));
	if (zdp_tls_traffic_init(&peer, eng, suite, ss) < 0)
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
		switch (op % 3) {
		case 0:
			zdp_tls_session_input(cur, b, len);
			break;
		case 1: {
			int n;

			if (len < 1)
				break;
			/* b[0] is the inner content type */
			n = zdp_tls_record_seal(&peer, b[0], b + 1, len - 1, pad, rec, sizeof(rec));
			if (n > 0) {
				/* keep the simulated peer in step when it sends
				 * a well-formed KeyUpdate alone in its record */
				if (b[0] == ZDP_TLS_CT_HANDSHAKE && len == 6 && b[1] == 24 &&
				    b[2] == 0 && b[3] == 0 && b[4] == 1 && b[5] <= 1)
					zdp_tls_traffic_update(&peer);
				zdp_tls_session_input(cur, rec, (size_t)n);
			}
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
		}
		{
			const uint8_t *o;
			size_t n = zdp_tls_session_output_peek(cur, &o);

			zdp_tls_session_output_consume(cur, n);
		}
	}
	if (delivered_after_fail)
		abort();
	zdp_tls_traffic_fini(&peer);
	zdp_tls_session_destroy(cur);
	cur = NULL;
	return 0;
}
