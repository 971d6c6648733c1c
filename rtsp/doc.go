// Package rtsp is an RTSP 1.0 client (RFC 2326) for recording IP cameras, and a small
// server for the camera simulator and tests. No RTSP library is available from this
// project's module proxy, so it is written here on pion/sdp (RFC 4566).
//
// The client does OPTIONS, DESCRIBE (following redirects), SETUP with RTP interleaved in
// the RTSP connection (TCP), PLAY, keep-alives within the session timeout (GET_PARAMETER
// or OPTIONS), and TEARDOWN; Basic and Digest authentication (RFC 2617, RFC 7616: MD5 and
// SHA-256, qop=auth, stale nonces); a timeout on every step and on every media read. It
// never sends credentials unasked and never puts them in an error. UDP transport is refused
// with a clear error: cameras all speak TCP interleaved, which crosses firewalls and NAT and
// loses nothing.
//
// Everything read from the network is bounded (MaxLine, MaxHeaders, MaxBody, MaxFrame,
// MaxMedias) and malformed input is an error, never a panic; the parsers are fuzzed
// (fuzz_test.go, seed corpora in testdata/fuzz).
//
// Files:
//
//	message.go  requests, responses, headers, interleaved frames
//	sdp.go      session descriptions (pion/sdp, with a tolerant fallback)
//	auth.go     WWW-Authenticate challenges, Basic and Digest, the server's check
//	client.go   the client
//	server.go   the server (TCP interleaved, one media per session)
package rtsp
