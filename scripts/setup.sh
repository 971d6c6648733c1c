#!/usr/bin/env bash
# Installs what Custodian needs on Debian 12 and checks the toolchain: Debian packages
# (a Korean font for PDFs, poppler for PDF tests, python3 for check-facts, gcc for the race
# detector) and the Go modules. Safe to run again; it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '[setup] %s\n' "$*"; }
die() { printf '[setup] ERROR: %s\n' "$*" >&2; exit 1; }

packages=(ca-certificates git gcc libc6-dev python3 fonts-nanum poppler-utils)
missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if ((${#missing[@]})); then
  command -v apt-get >/dev/null || die "apt-get not found: install ${missing[*]} by hand (Debian 12 expected)"
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || die "need root or sudo to install: ${missing[*]}"
    sudo="sudo"
  fi
  say "installing Debian packages: ${missing[*]}"
  $sudo apt-get update -q
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# Go: the version go.mod names, from PATH or /usr/local/go.
if ! command -v go >/dev/null && [ -x /usr/local/go/bin/go ]; then
  export PATH="/usr/local/go/bin:$PATH"
fi
command -v go >/dev/null || die "Go is not installed: install Go $(sed -n 's/^go //p' go.mod) or newer from https://go.dev/dl/ into /usr/local/go"
want=$(sed -n 's/^go \([0-9.]*\).*/\1/p' go.mod)
have=$(go env GOVERSION | sed 's/^go//')
if [ "$(printf '%s\n%s\n' "$want" "$have" | sort -V | head -n1)" != "$want" ]; then
  die "Go $have is older than the $want that go.mod needs"
fi

[ -f /usr/share/fonts/truetype/nanum/NanumGothic.ttf ] || die "the Korean font NanumGothic is missing (package fonts-nanum)"

say "downloading Go modules"
go mod download
say "ready: $(go version), $(python3 --version 2>&1), $(pdftotext -v 2>&1 | head -n1)"
