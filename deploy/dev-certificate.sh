#!/usr/bin/env bash
# A self-signed certificate for development: ./ssl/cert.pem and ./ssl/key.pem (or in the folder given
# as the first argument), valid for localhost, 127.0.0.1 and the compose host names, for 30 days.
# Browsers and clients must be told to trust it: the consumer takes --ca ssl/cert.pem, curl --cacert.
# Never use it in production: get a certificate from your CA (or Let's Encrypt) and put it in ./ssl.
set -euo pipefail
dir="${1:-ssl}"
days="${DEV_CERT_DAYS:-30}"
mkdir -p "$dir"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -sha256 \
  -days "$days" -subj "/CN=localhost" \
  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1,DNS:api,DNS:relay,DNS:relay-lb,DNS:tls-proxy" \
  -addext "basicConstraints=critical,CA:TRUE" \
  -keyout "$dir/key.pem" -out "$dir/cert.pem" 2>/dev/null
# The key is readable by its owner only; nginx and the services read it as that user (or root).
chmod 600 "$dir/key.pem"
echo "wrote $dir/cert.pem and $dir/key.pem (self-signed, $days days, CN=localhost)"
