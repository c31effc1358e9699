#!/usr/bin/env bash
# Regenerates profiles/example-only-certs/: a throwaway "public" root and intermediate CA and
# the gateway load balancer's certificate they issue, for profiles/distributed-ha-public-gateway.toml.
# Valid 2020-2100, so that builds at any clock of the tests (SOURCE_DATE_EPOCH) accept them.
# EXAMPLE ONLY: these keys are published in the repository; never deploy them.
set -euo pipefail
out="$(cd "$(dirname "$0")/.." && pwd)/profiles/example-only-certs"
mkdir -p "$out"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
touch index.txt
cat >ca.cnf <<'CNF'
[ca]
default_ca = example
[example]
database = index.txt
new_certs_dir = .
default_md = sha256
policy = any
rand_serial = yes
unique_subject = no
copy_extensions = none
[any]
commonName = supplied
organizationName = optional
[root]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[issuing]
basicConstraints = critical,CA:TRUE,pathlen:0
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[gateway]
subjectAltName = DNS:gw.acme.example
extendedKeyUsage = serverAuth
keyUsage = critical,digitalSignature,keyEncipherment
authorityKeyIdentifier = keyid
CNF
dates=(-startdate 20200101000000Z -enddate 21000101000000Z)
sign() { openssl ca -batch -notext -config ca.cnf "${dates[@]}" "$@" 2>/dev/null; }
openssl req -new -newkey rsa:2048 -nodes -keyout root.key -out root.csr \
  -subj "/O=Example Only/CN=EXAMPLE ONLY Public Root CA" 2>/dev/null
sign -selfsign -keyfile root.key -extensions root -in root.csr -out root.crt
openssl req -new -newkey rsa:2048 -nodes -keyout int.key -out int.csr \
  -subj "/O=Example Only/CN=EXAMPLE ONLY Issuing CA" 2>/dev/null
sign -cert root.crt -keyfile root.key -extensions issuing -in int.csr -out int.crt
openssl req -new -newkey rsa:2048 -nodes -keyout gw.key -out gw.csr -subj "/CN=gw.acme.example" 2>/dev/null
sign -cert int.crt -keyfile int.key -extensions gateway -in gw.csr -out gw.crt
# The certificate, then its issuers: what nginx sends and what kmgen checks.
cat gw.crt int.crt root.crt >"$out/EXAMPLE-ONLY-gw.acme.example.crt.pem"
install -m 600 gw.key "$out/EXAMPLE-ONLY-gw.acme.example.key.pem"
