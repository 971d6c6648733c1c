#!/usr/bin/env bash
# Installs what Custodian needs on Debian 12 and checks the toolchain: Debian packages
# (a Korean font for PDFs, poppler for PDF tests, python3 for check-facts, gcc for the race
# detector) and the Go modules. Safe to run again; it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '[setup] %s\n' "$*"; }
die() { printf '[setup] ERROR: %s\n' "$*" >&2; exit 1; }

packages=(ca-certificates git gcc libc6-dev python3 fonts-nanum poppler-utils ffmpeg chromium
  # GStreamer's RTSP server: the third-party camera of the interoperability test (MEDIA.md).
  gstreamer1.0-rtsp gir1.2-gst-rtsp-server-1.0 python3-gi gstreamer1.0-plugins-good
  gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly gstreamer1.0-libav
  # OpenCV 4.6 for the masking detectors (package opencv, its own cgo wrapper).
  libopencv-dev opencv-data)
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

# Test footage (MEDIA.md): vtest.avi from Debian's opencv-doc, a real fixed surveillance
# camera, transcoded to H.264 and H.265 with a keyframe every 2 s. Kept in .cache/media
# (ignored by git); made once.
media=.cache/media
if [ ! -s "$media/vtest-h264.mp4" ] || [ ! -s "$media/vtest-h265.mp4" ]; then
  say "preparing test footage in $media"
  mkdir -p "$media/deb"
  if [ ! -s "$media/vtest.avi" ]; then
    (cd "$media/deb" && apt-get download opencv-doc >/dev/null 2>&1) || die "cannot download opencv-doc (test footage)"
    dpkg -x "$media"/deb/opencv-doc_*.deb "$media/deb/x"
    cp "$media/deb/x/usr/share/doc/opencv-doc/examples/data/vtest.avi" "$media/vtest.avi"
    rm -rf "$media/deb"
  fi
  ffmpeg -nostdin -loglevel error -y -i "$media/vtest.avi" -an -c:v libx264 -preset veryfast -pix_fmt yuv420p -g 20 -keyint_min 20 -sc_threshold 0 -b:v 870k "$media/vtest-h264.mp4.tmp.mp4"
  mv "$media/vtest-h264.mp4.tmp.mp4" "$media/vtest-h264.mp4"
  ffmpeg -nostdin -loglevel error -y -i "$media/vtest.avi" -an -c:v libx265 -preset veryfast -pix_fmt yuv420p -tag:v hvc1 -x265-params "keyint=20:min-keyint=20:scenecut=0:log-level=error" -b:v 600k "$media/vtest-h265.mp4.tmp.mp4"
  mv "$media/vtest-h265.mp4.tmp.mp4" "$media/vtest-h265.mp4"
fi

# A 2 Mbit/s constant-bit-rate transcode: the camera of the recording benchmarks.
if [ ! -s "$media/vtest-h264-2m.mp4" ]; then
  say "preparing the 2 Mbit/s benchmark footage in $media"
  ffmpeg -nostdin -loglevel error -y -i "$media/vtest.avi" -an -c:v libx264 -preset veryfast -pix_fmt yuv420p -g 20 -keyint_min 20 -sc_threshold 0 -b:v 2M -minrate 2M -maxrate 2M -bufsize 1M -x264-params nal-hrd=cbr "$media/vtest-h264-2m.mp4.tmp.mp4"
  mv "$media/vtest-h264-2m.mp4.tmp.mp4" "$media/vtest-h264-2m.mp4"
fi
/usr/bin/python3 -c 'import gi; gi.require_version("GstRtspServer", "1.0"); from gi.repository import GstRtspServer' 2>/dev/null ||
  die "GStreamer's RTSP server for Python is missing (packages gir1.2-gst-rtsp-server-1.0 python3-gi)"

# Detector models for masking (package opencv): copied from ../shared/models when it is
# there, into .cache/models (ignored by git), where the tests and the demo read them.
# Without them the product falls back to HOG + MOG2; the tests say to run this.
if [ -d ../shared/models ]; then
  mkdir -p .cache/models
  for f in ../shared/models/*.onnx ../shared/models/LICENSE*; do
    [ -f "$f" ] || continue
    cmp -s "$f" ".cache/models/$(basename "$f")" || install -m 0644 "$f" .cache/models/
  done
else
  say "no ../shared/models: the masking detector models are not installed (the opencv tests need them)"
fi

say "downloading Go modules"
go mod download
say "ready: $(go version), $(python3 --version 2>&1), $(pdftotext -v 2>&1 | head -n1)"
