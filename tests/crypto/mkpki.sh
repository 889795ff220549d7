#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# mkpki.sh DIR — generate the crypto tests' PKI into DIR with the openssl CLI.
#
#   root (bundle.pem) ── intermediate ── leaves, ECDSA P-256 like Istio's CA:
#     server   spiffe://cluster.local/ns/default/sa/server
#     client   spiffe://cluster.local/ns/app/sa/client
#     other    spiffe://cluster.local/ns/other/sa/other
#     foreign  spiffe://example.org/ns/app/sa/client   (other trust domain, same root)
#     expired  spiffe://cluster.local/ns/app/sa/client (2020-01-01..2020-01-02)
#     nospiffe DNS SAN only
#   rogue-root ── rogue  spiffe://cluster.local/ns/app/sa/client (not in the bundle)
# Each leaf: NAME.pem (leaf + intermediate), NAME.key, NAME-leaf.pem.
set -eu
D=$1
mkdir -p "$D"
cd "$D"
O=openssl
q() { "$@" >/dev/null 2>&1 || { echo "mkpki: failed: $*" >&2; exit 1; }; }

cat > ext.cnf <<'CNF'
[ca_ext]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[int_ext]
basicConstraints = critical, CA:true, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[leaf_ext]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature, keyAgreement
extendedKeyUsage = serverAuth, clientAuth
subjectAltName = critical, ${ENV::ZDP_SAN}
authorityKeyIdentifier = keyid
[ca]
default_ca = zca
[zca]
database = index.txt
new_certs_dir = .
serial = serial
default_md = sha256
policy = any
copy_extensions = none
unique_subject = no
[any]
commonName = optional
organizationName = optional
CNF
: > index.txt
echo 1000 > serial
export ZDP_SAN="URI:spiffe://unused"

key() { q $O genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1.key"; }

key root
q $O req -new -x509 -key root.key -out bundle.pem -days 3650 -subj "/O=cluster.local/CN=zdp test root" \
	-config ext.cnf -extensions ca_ext
key intermediate
q $O req -new -key intermediate.key -out intermediate.csr -subj "/O=cluster.local/CN=zdp test intermediate"
q $O x509 -req -in intermediate.csr -CA bundle.pem -CAkey root.key -CAcreateserial -days 3650 \
	-out intermediate.pem -extfile ext.cnf -extensions int_ext

leaf() { # name san [ca-cert ca-key]
	n=$1; ZDP_SAN=$2; export ZDP_SAN
	cac=${3:-intermediate.pem}; cak=${4:-intermediate.key}
	key "$n"
	q $O req -new -key "$n.key" -out "$n.csr" -subj "/O=zdp-test"
	q $O x509 -req -in "$n.csr" -CA "$cac" -CAkey "$cak" -CAcreateserial -days 30 \
		-out "$n-leaf.pem" -extfile ext.cnf -extensions leaf_ext
	cat "$n-leaf.pem" "$cac" > "$n.pem"
}

leaf server "URI:spiffe://cluster.local/ns/default/sa/server"
leaf client "URI:spiffe://cluster.local/ns/app/sa/client"
leaf other "URI:spiffe://cluster.local/ns/other/sa/other"
leaf foreign "URI:spiffe://example.org/ns/app/sa/client"
leaf nospiffe "DNS:client.app.svc.cluster.local"

# Expired: `openssl ca` is the CLI path that takes explicit dates.
ZDP_SAN="URI:spiffe://cluster.local/ns/app/sa/client"; export ZDP_SAN
key expired
q $O req -new -key expired.key -out expired.csr -subj "/O=zdp-test/CN=expired"
q $O ca -batch -config ext.cnf -extfile ext.cnf -extensions leaf_ext -cert intermediate.pem \
	-keyfile intermediate.key -startdate 20200101000000Z -enddate 20200102000000Z \
	-in expired.csr -out expired-leaf.pem -notext
cat expired-leaf.pem intermediate.pem > expired.pem

# A root nobody trusts, and a leaf under it with a good-looking identity.
key rogue-root
q $O req -new -x509 -key rogue-root.key -out rogue-root.pem -days 3650 -subj "/CN=rogue root" \
	-config ext.cnf -extensions ca_ext
ZDP_SAN="URI:spiffe://cluster.local/ns/app/sa/client"; export ZDP_SAN
key rogue
q $O req -new -key rogue.key -out rogue.csr -subj "/O=zdp-test"
q $O x509 -req -in rogue.csr -CA rogue-root.pem -CAkey rogue-root.key -CAcreateserial -days 30 \
	-out rogue-leaf.pem -extfile ext.cnf -extensions leaf_ext
cp rogue-leaf.pem rogue.pem
rm -f ./*.csr
echo ok
