package rtsp_test

import (
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"custodian"
	"custodian/rtsp"
)

// TestBasicRefusedUnlessAllowed: over plain RTSP a camera that offers only Basic gets no
// password unless Basic is allowed for it (issue 11, item 8); the error says what to do.
// A camera offering Digest beside Basic gets Digest either way.
func TestBasicRefusedUnlessAllowed(t *testing.T) {
	creds := base64.StdEncoding.EncodeToString([]byte("viewer:s3cret"))
	f := newFake(t, func(fc *fakeConn, req *rtsp.Request) {
		if req.Method != "OPTIONS" && req.Header.Get("Authorization") != "Basic "+creds {
			fc.reply(req, 401, rtsp.Header{{Name: "WWW-Authenticate", Value: `Basic realm="IPCAM"`}}, nil)
			return
		}
		standard(fc, req, testSDP, 60)
	})
	_, _, _, err := trySession(f.url("/live"), rtsp.ClientConfig{User: "viewer", Password: "s3cret", Timeout: time.Second})
	if err == nil || !strings.Contains(err.Error(), "allow_basic_auth") || custodian.ErrorCode(err) != custodian.EUNAUTHORIZED {
		t.Fatalf("Basic without allowing it: %v", err)
	}
	for _, r := range f.requests() {
		if a := r.Header.Get("Authorization"); a != "" {
			t.Errorf("%s carried %q", r.Method, a)
		}
	}
	// With Digest on offer as well, Digest is answered and Basic never sent.
	var sawBasic bool
	h := &handler{sdp: []byte(testSDP), pkts: packets(2), interval: time.Millisecond}
	u, tl := serve(t, &rtsp.Server{Handler: h, User: "viewer", Password: "s3cret"}) // offers Digest and Basic
	c, _, _ := session(t, u, rtsp.ClientConfig{User: "viewer", Password: "s3cret", Timeout: time.Second})
	c.Close()
	for _, r := range tl.requests(0) {
		if strings.HasPrefix(r.Header.Get("Authorization"), "Basic") {
			sawBasic = true
		}
	}
	if sawBasic {
		t.Error("Basic was sent to a camera that offers Digest")
	}
}

// TestCredentialsNotSentToAnotherHost: a camera that redirects to another host, which then
// asks for credentials, does not get the password (issue 11, item 8): it is sent only to the
// origin the client was dialled for. A redirect to another path on the same host still
// authenticates.
func TestCredentialsNotSentToAnotherHost(t *testing.T) {
	var thief *fake
	thief = newFake(t, func(fc *fakeConn, req *rtsp.Request) {
		if req.Method != "OPTIONS" && req.Header.Get("Authorization") == "" {
			fc.reply(req, 401, rtsp.Header{{Name: "WWW-Authenticate", Value: `Digest realm="x", nonce="n1"`}}, nil)
			return
		}
		standard(fc, req, testSDP, 60)
	})
	cam := newFake(t, func(fc *fakeConn, req *rtsp.Request) {
		fc.reply(req, 302, rtsp.Header{{Name: "Location", Value: thief.url("/grab")}}, nil)
	})
	_, _, _, err := trySession(cam.url("/live"), rtsp.ClientConfig{User: "admin", Password: "cam-pass-1", Timeout: time.Second})
	if err == nil || custodian.ErrorCode(err) != custodian.EUNAUTHORIZED || !strings.Contains(err.Error(), "sent only to") {
		t.Fatalf("redirect to another host asking for credentials: %v", err)
	}
	for _, r := range thief.requests() {
		if a := r.Header.Get("Authorization"); a != "" {
			t.Errorf("the other host got %s with %q", r.Method, a)
		}
	}
	// Same host, another path: authenticated as usual.
	var same *fake
	same = newFake(t, func(fc *fakeConn, req *rtsp.Request) {
		if req.URL.Path == "/live" {
			fc.reply(req, 302, rtsp.Header{{Name: "Location", Value: same.url("/moved")}}, nil)
			return
		}
		if req.Method != "OPTIONS" && req.Header.Get("Authorization") == "" {
			fc.reply(req, 401, rtsp.Header{{Name: "WWW-Authenticate", Value: `Digest realm="x", nonce="n1"`}}, nil)
			return
		}
		standard(fc, req, testSDP, 60)
	})
	c, _, _ := session(t, same.url("/live"), rtsp.ClientConfig{User: "admin", Password: "cam-pass-1", Timeout: time.Second})
	c.Close()
}
