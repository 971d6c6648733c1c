// Package rtsp is an RTSP 1.0 client (RFC 2326) for recording IP cameras, and a small
// server for the camera simulator and tests. No RTSP library is available from this
// project's module proxy, so it is written here, on pion/sdp for session descriptions
// (RFC 4566).
//
// The client does OPTIONS, DESCRIBE (following redirects to other hosts), SETUP with RTP
// interleaved in the RTSP connection (TCP), PLAY, keep-alives within the session timeout
// (GET_PARAMETER when the camera lists it, else OPTIONS), and TEARDOWN. It answers
// Basic and Digest challenges (RFC 2617, RFC 7616: SHA-256 preferred to MD5, qop=auth or
// none, nonce counts, opaque, stale nonces), never sends credentials unasked and never
// puts them in an error: URLs are sent and shown without user information. Control URLs
// are resolved against Content-Base, Content-Location or the request URL (RFC 2326
// C.1.1), by appending as ffmpeg and live555 do. While playing, ReadPacket returns
// interleaved frames and handles the RTSP messages between them: replies to keep-alives
// and requests from the camera (answered 200 or 501). Every step has a timeout, and so
// has every read of media. Every error names the step, the URL and the camera's status.
// UDP transport is refused with a clear error: cameras all speak TCP interleaved, which
// crosses firewalls and NAT and loses nothing.
//
// The server answers OPTIONS, DESCRIBE, SETUP (TCP interleaved; 461 for anything else),
// PLAY, GET_PARAMETER, SET_PARAMETER and TEARDOWN, with optional Digest (SHA-256, MD5) and
// Basic authentication; it serves one medium per session from a ServerHandler. A
// connection costs one goroutine and a 4 KiB read buffer; media are written with one
// gathering write (writev) per batch.
//
// Everything read from the network is bounded (MaxLine, MaxHeaders, MaxBody, MaxFrame,
// MaxMedias) and malformed input is an error, never a panic; the parsers are fuzzed
// (fuzz_test.go, seed corpora in testdata/fuzz), and camera-like descriptions are in
// testdata/sdp.
//
// Files:
//
//	message.go  requests, responses, headers, interleaved frames; the limits
//	sdp.go      session descriptions (pion/sdp, with a tolerant line-by-line fallback)
//	auth.go     WWW-Authenticate challenges, Basic and Digest answers, the server's check
//	client.go   the client
//	server.go   the server (TCP interleaved, one medium per session)
package rtsp
