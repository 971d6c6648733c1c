#!/usr/bin/env bash
# Sets up and starts the demo: builds custodian, creates ./custodian-demo with an example
# organisation and two published policy versions, and serves the public portal on
# http://127.0.0.1:8080/ (loopback only). Extra arguments go to `custodian demo`, e.g.
# --listen 127.0.0.1:9000. Stop with Ctrl-C; run again to continue with the same data.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if ! command -v go >/dev/null && [ -x /usr/local/go/bin/go ]; then export PATH="/usr/local/go/bin:$PATH"; fi
go build -o bin/custodian ./cmd/custodian
exec bin/custodian demo "$@"
