#!/usr/bin/env bash
# Mints the benchmark's certificates into OUTDIR: ECDSA P-256 root -> intermediate -> one leaf
# per NAME (default: "bench" for the servers and "client" for the load generator), CN <name>,
# SAN DNS:<name>.mesh + IP:127.0.0.1. Usage: bench/gen-certs.sh OUTDIR [NAME...]. Writes
# chain.pem (intermediate + root) and, per leaf, <name>.key, <name>.crt and <name>.fullchain.pem
# (leaf + intermediate, what a node presents).
set -euo pipefail
out=${1:?usage: gen-certs.sh OUTDIR [NAME...]}
shift
leaves=("$@")
[[ ${#leaves[@]} -gt 0 ]] || leaves=(bench client)
mkdir -p "$out"
cd "$out"
days=30
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

cat >root.ext <<'CNF'
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
CNF
cat >inter.ext <<'CNF'
basicConstraints = critical,CA:TRUE,pathlen:0
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
CNF
leaf_ext() {
  cat <<CNF
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth,clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
subjectAltName = DNS:$1.mesh,IP:127.0.0.1
CNF
}
sign() { # csr ca cakey extfile out
  openssl x509 -req -in "$1" -CA "$2" -CAkey "$3" -CAcreateserial -days $days -sha256 \
    -extfile "$4" -out "$5" 2>/dev/null
}

key root.key
openssl req -new -key root.key -subj "/CN=Bench Root CA" -out root.csr
openssl x509 -req -in root.csr -signkey root.key -days $days -extfile root.ext -out root.pem 2>/dev/null
key inter.key
openssl req -new -key inter.key -subj "/CN=Bench Intermediate CA" -out inter.csr
sign inter.csr root.pem root.key inter.ext inter.pem
cat inter.pem root.pem >chain.pem
for n in "${leaves[@]}"; do
  key "$n.key"
  openssl req -new -key "$n.key" -subj "/CN=$n" -out "$n.csr"
  leaf_ext "$n" >"$n.ext"
  sign "$n.csr" inter.pem inter.key "$n.ext" "$n.crt"
  cat "$n.crt" inter.pem >"$n.fullchain.pem"
done
rm -f ./*.csr ./*.srl ./*.ext
for n in "${leaves[@]}"; do openssl verify -CAfile chain.pem "$n.crt" >/dev/null; done
