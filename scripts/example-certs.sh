#!/usr/bin/env bash
# Regenerates profiles/example-only-certs/: a throwaway "public" root and intermediate CA and
# the gateway load balancer's certificate they issue, for profiles/distributed-ha-public-gateway.toml.
# EXAMPLE ONLY: these keys are published in the repository; never deploy them.
set -euo pipefail
out="$(dirname "$0")/../profiles/example-only-certs"
mkdir -p "$out"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
days=36500
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/root.key" -out "$tmp/root.crt" -days "$days" \
  -subj "/O=Example Only/CN=EXAMPLE ONLY Public Root CA" \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout "$tmp/int.key" -out "$tmp/int.csr" \
  -subj "/O=Example Only/CN=EXAMPLE ONLY Issuing CA" 2>/dev/null
printf 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n' >"$tmp/int.ext"
openssl x509 -req -in "$tmp/int.csr" -CA "$tmp/root.crt" -CAkey "$tmp/root.key" -CAcreateserial \
  -days "$days" -sha256 -extfile "$tmp/int.ext" -out "$tmp/int.crt" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout "$out/EXAMPLE-ONLY-gw.acme.example.key.pem" -out "$tmp/gw.csr" \
  -subj "/CN=gw.acme.example" 2>/dev/null
printf 'subjectAltName=DNS:gw.acme.example\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n' >"$tmp/gw.ext"
openssl x509 -req -in "$tmp/gw.csr" -CA "$tmp/int.crt" -CAkey "$tmp/int.key" -CAcreateserial \
  -days "$days" -sha256 -extfile "$tmp/gw.ext" -out "$tmp/gw.crt" 2>/dev/null
# The certificate, then its issuers: what nginx sends and what kmgen checks.
cat "$tmp/gw.crt" "$tmp/int.crt" "$tmp/root.crt" >"$out/EXAMPLE-ONLY-gw.acme.example.crt.pem"
chmod 600 "$out/EXAMPLE-ONLY-gw.acme.example.key.pem"
