/* SPDX-License-Identifier: BSD-3-Clause
 * tls_spiffe.c — SPIFFE IDs as Istio uses them (ISTIO.md, HBONE):
 * spiffe://<trust-domain>/ns/<namespace>/sa/<service-account>.
 *
 * The X.509-SVID rules (SPIFFE spec §2, §5): exactly one URI SAN, scheme
 * "spiffe", trust domain in lowercase letters, digits, '.', '-', '_'. The
 * parser walks p/end and checks the length before every read.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/x509v3.h>

#include "tls_priv.h"

static int
td_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
}

static int
seg_char(char c)
{
	return c > 0x20 && c < 0x7f && c != '/' && c != '%' && c != '?' && c != '#';
}

/* Take one path segment [p, end) -> out; advance *pp past it. */
static int
take_segment(const char **pp, const char *end, char *out, size_t cap, int (*ok)(char))
{
	const char *p = *pp;
	size_t n = 0;

	while (p < end && *p != '/') {
		if (!ok(*p) || n + 1 >= cap)
			return -EINVAL;
		out[n++] = *p++;
	}
	if (n == 0)
		return -EINVAL;
	out[n] = 0;
	*pp = p;
	return 0;
}

static int
take_literal(const char **pp, const char *end, const char *lit)
{
	size_t n = strlen(lit);

	if ((size_t)(end - *pp) < n || memcmp(*pp, lit, n) != 0)
		return -EINVAL;
	*pp += n;
	return 0;
}

int
zdp_spiffe_parse(const char *uri, size_t len, struct zdp_spiffe_id *id)
{
	const char *p = uri, *end = uri + len;

	memset(id, 0, sizeof(*id));
	if (uri == NULL || len > ZDP_SPIFFE_URI_MAX)
		return -EINVAL;
	if (take_literal(&p, end, "spiffe://") < 0 ||
	    take_segment(&p, end, id->trust_domain, sizeof(id->trust_domain), td_char) < 0 ||
	    take_literal(&p, end, "/ns/") < 0 ||
	    take_segment(&p, end, id->ns, sizeof(id->ns), seg_char) < 0 ||
	    take_literal(&p, end, "/sa/") < 0 ||
	    take_segment(&p, end, id->sa, sizeof(id->sa), seg_char) < 0 ||
	    p != end) {
		memset(id, 0, sizeof(*id));
		return -EINVAL;
	}
	return 0;
}

int
zdp_spiffe_format(const struct zdp_spiffe_id *id, char *buf, size_t cap)
{
	int n = snprintf(buf, cap, "spiffe://%s/ns/%s/sa/%s", id->trust_domain, id->ns, id->sa);

	if (n < 0 || (size_t)n >= cap)
		return -ENOSPC;
	return n;
}

int
zdp_spiffe_from_cert(X509 *x, struct zdp_spiffe_id *id)
{
	GENERAL_NAMES *names;
	const GENERAL_NAME *uri = NULL;
	int i, n, rc;

	names = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	if (names == NULL)
		return -ENOENT;
	n = sk_GENERAL_NAME_num(names);
	for (i = 0; i < n; i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(names, i);

		if (g->type != GEN_URI)
			continue;	/* DNS names are ignored (ISTIO.md) */
		if (uri) {
			GENERAL_NAMES_free(names);
			return -EINVAL;
		}
		uri = g;
	}
	if (uri == NULL) {
		GENERAL_NAMES_free(names);
		return -ENOENT;
	}
	rc = zdp_spiffe_parse((const char *)ASN1_STRING_get0_data(uri->d.uniformResourceIdentifier),
			      (size_t)ASN1_STRING_length(uri->d.uniformResourceIdentifier), id);
	GENERAL_NAMES_free(names);
	return rc;
}
