#!/usr/bin/env bash
# The PKI work of a cold kmgen build, done the manual way with the JDK's keytool: the
# baseline scripts/bench.sh compares kmgen with. Not used by kmgen itself.
#
# Usage: scripts/keytool-pki.sh WORK OUT
#   WORK  the work list of a profile: cargo run --release --example keygen_bound -- PROFILE --work
#   OUT   an empty folder
# For every `key ID BITS`: one RSA key pair (genkeypair). For every `cert ID KEY CN DAYS
# SANS`: the key's entry copied, a self-signed certificate with that subject, validity and
# subjectAltName on it (selfcert), exported as PEM (exportcert); a node's certificate
# also becomes its keystore wso2carbon.jks (importkeystore, alias wso2carbon). For every
# `trust NODE CERT`: the certificate imported into the node's client-truststore.jks
# (importcert). The Mozilla roots kmgen adds are left out: an operator's stock
# client-truststore.jks already holds them.
set -euo pipefail
work="$1"
out="$2"
pass=wso2carbon
mkdir -p "$out/keys" "$out/certs" "$out/nodes"
kt() { keytool "$@" >/dev/null 2>&1 || { echo "keytool $* failed" >&2; exit 1; }; }
san_ext() { # a,b,1.2.3.4 -> SAN=dns:a,dns:b,ip:1.2.3.4
  local out="" s
  IFS=, read -ra list <<<"$1"
  for s in "${list[@]}"; do
    if [[ "$s" =~ ^[0-9.]+$ || "$s" == *:* ]]; then out+="${out:+,}ip:$s"; else out+="${out:+,}dns:$s"; fi
  done
  echo "SAN=$out"
}
declare -A key_of # certificate -> the key it is issued on
while read -r what a b _; do
  if [ "$what" = cert ]; then key_of[$a]=$b; fi
done <"$work"
while read -r what a b c d e; do
  case "$what" in
    key)
      kt -genkeypair -keyalg RSA -keysize "$b" -sigalg SHA256withRSA -alias "$a" -dname "CN=$a" \
        -keystore "$out/keys/$a.p12" -storetype PKCS12 -storepass "$pass"
      ;;
    cert)
      store="$out/certs/$a.p12"
      cp "$out/keys/$b.p12" "$store"
      kt -selfcert -alias "$b" -sigalg SHA256withRSA -dname "CN=$c" -validity "$d" \
        ${e:+-ext "$(san_ext "$e")"} -keystore "$store" -storetype PKCS12 -storepass "$pass"
      kt -exportcert -rfc -alias "$b" -file "$out/certs/$a.crt.pem" \
        -keystore "$store" -storetype PKCS12 -storepass "$pass"
      ;;
    trust)
      mkdir -p "$out/nodes/$a"
      if [ ! -e "$out/nodes/$a/wso2carbon.jks" ]; then
        kt -importkeystore -srckeystore "$out/certs/$a.p12" -srcstoretype PKCS12 \
          -srcstorepass "$pass" -srcalias "${key_of[$a]}" -destalias wso2carbon \
          -destkeystore "$out/nodes/$a/wso2carbon.jks" -deststoretype JKS \
          -deststorepass "$pass" -destkeypass "$pass"
      fi
      kt -importcert -noprompt -alias "$b" -file "$out/certs/$b.crt.pem" \
        -keystore "$out/nodes/$a/client-truststore.jks" -storetype JKS -storepass "$pass"
      ;;
  esac
done <"$work"
