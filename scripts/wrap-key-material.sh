#!/usr/bin/env bash
# Wraps key material for ImportKeyMaterial with the openssl command line, exactly as docs/byok.md describes it.
#
#   scripts/wrap-key-material.sh PUBLIC_KEY.der ALGORITHM MATERIAL_FILE OUT_FILE
#
# PUBLIC_KEY.der is the PublicKey that GetParametersForImport returned (DER), ALGORITHM the WrappingAlgorithm asked
# for there: RSAES_OAEP_SHA_1, RSAES_OAEP_SHA_256, RSA_AES_KEY_WRAP_SHA_1 or RSA_AES_KEY_WRAP_SHA_256. MATERIAL_FILE
# holds the raw key (32 bytes for SYMMETRIC_DEFAULT, the HMAC key for HMAC keys) or a PKCS#8 DER private key for RSA
# and ECC keys. Needs only openssl and coreutils.
set -euo pipefail

if [[ $# -ne 4 ]]; then
  sed -n '4,9p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi

public_key=$1 algorithm=$2 material=$3 out=$4
case "$algorithm" in
  RSAES_OAEP_SHA_1 | RSA_AES_KEY_WRAP_SHA_1) digest=sha1 ;;
  RSAES_OAEP_SHA_256 | RSA_AES_KEY_WRAP_SHA_256) digest=sha256 ;;
  *) echo "wrap-key-material.sh: unknown wrapping algorithm $algorithm" >&2; exit 2 ;;
esac
# RSA-OAEP with MGF1 over the same hash, as every import wrapping algorithm uses it.
oaep=(-pkeyopt rsa_padding_mode:oaep -pkeyopt "rsa_oaep_md:$digest" -pkeyopt "rsa_mgf1_md:$digest")

umask 077
case "$algorithm" in
  RSAES_OAEP_*)
    openssl pkeyutl -encrypt -pubin -keyform DER -inkey "$public_key" -in "$material" -out "$out" "${oaep[@]}"
    ;;
  RSA_AES_KEY_WRAP_*)
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    # A one-time AES-256 key wraps the material (AES key wrap with padding, RFC 5649); RSA-OAEP wraps that key.
    openssl rand -out "$work/aes.key" 32
    openssl enc -id-aes256-wrap-pad -K "$(od -An -v -tx1 "$work/aes.key" | tr -d ' \n')" -iv A65959A6 \
      -in "$material" -out "$work/material.wrapped"
    openssl pkeyutl -encrypt -pubin -keyform DER -inkey "$public_key" -in "$work/aes.key" -out "$work/aes.wrapped" "${oaep[@]}"
    cat "$work/aes.wrapped" "$work/material.wrapped" > "$out"
    ;;
esac
