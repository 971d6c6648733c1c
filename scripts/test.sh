#!/usr/bin/env bash
# Runs every test: formatting, vet, the whole suite with the race detector, and each
# benchmark once (so that they keep working). Installs what it needs first.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if ! command -v go >/dev/null && [ -x /usr/local/go/bin/go ]; then export PATH="/usr/local/go/bin:$PATH"; fi

echo "[test] gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './.git/*'))
if [ -n "$unformatted" ]; then
  echo "[test] these files are not gofmt-ed:" >&2
  echo "$unformatted" >&2
  exit 1
fi
echo "[test] go vet"
go vet ./...
echo "[test] go test -race"
go test -race -count=1 ./...
echo "[test] benchmarks, once each"
go test -short -run '^$' -bench . -benchtime 1x -count=1 ./... > /tmp/custodian-bench-smoke.txt 2>&1 || { cat /tmp/custodian-bench-smoke.txt >&2; exit 1; }
echo "[test] all passed"
