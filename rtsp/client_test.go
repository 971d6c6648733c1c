package rtsp_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/md5"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"custodian"
	"custodian/rtsp"
)

// TestClientServer: the whole handshake with the package's server; packets intact and in
// order across keep-alives; TEARDOWN ends the server's session.
func TestClientServer(t *testing.T) {
	h := &handler{sdp: []byte(testSDP), pkts: packets(50), interval: time.Millisecond, sessions: make(chan *rtsp.ServerSession, 2)}
	u, tl := serve(t, &rtsp.Server{Handler: h, SessionTimeout: 4 * time.Second})
	c, ch, d := session(t, u, rtsp.ClientConfig{Timeout: 2 * time.Second})
	if len(d.Medias) != 2 || d.Medias[0].Codec != "H264" || d.Medias[0].ClockRate != 90000 || d.Medias[1].Type != "audio" {
		t.Fatalf("medias: %+v", d.Medias)
	}
	if got := d.Medias[0].Control.String(); got != u+"/trackID=0" {
		t.Errorf("control %s, want %s/trackID=0", got, u)
	}
	if ch != 0 {
		t.Errorf("RTP channel %d", ch)
	}
	// In order and intact for 5 s; the server times a session out after 4 s without a
	// request, so this also needs the keep-alives (every 2 s: half the timeout, a margin
	// that a loaded machine running the race detector does not eat up).
	deadline := time.Now().Add(5 * time.Second)
	for i := 0; time.Now().Before(deadline); i++ {
		gotCh, data, err := c.ReadPacket()
		if err != nil {
			t.Fatalf("packet %d: %v", i, err)
		}
		if gotCh != ch || !bytes.Equal(data, h.pkts[i%50]) {
			t.Fatalf("packet %d: channel %d, %q", i, gotCh, data)
		}
	}
	var keepalives int
	for _, r := range tl.requests(0) {
		if r.Method == "GET_PARAMETER" {
			keepalives++
			if r.Header.Get("Session") == "" {
				t.Errorf("a keep-alive without Session")
			}
		}
	}
	if keepalives < 2 {
		t.Errorf("%d keep-alives (GET_PARAMETER) in 5 s with a 4 s session timeout", keepalives)
	}
	sess := <-h.sessions
	if err := c.Teardown(context.Background()); err != nil {
		t.Errorf("teardown: %v", err)
	}
	select {
	case <-sess.Done():
	case <-time.After(2 * time.Second):
		t.Error("the server's session did not end after TEARDOWN")
	}
	reqs := tl.requests(0)
	if last := reqs[len(reqs)-1]; last.Method != "TEARDOWN" || last.URL.String() != u+"/" {
		t.Errorf("last request %s %s", last.Method, last.URL)
	}
	if err := sess.WritePackets(0, [][]byte{[]byte("x")}); err == nil {
		t.Error("WritePackets after the session ended")
	}
}

// TestStop: Stop from another goroutine ends a ReadPacket at once, after sending TEARDOWN.
func TestStop(t *testing.T) {
	h := &handler{sdp: []byte(testSDP), pkts: packets(5), interval: time.Millisecond}
	u, tl := serve(t, &rtsp.Server{Handler: h})
	c, _, _ := session(t, u, rtsp.ClientConfig{Timeout: 2 * time.Second})
	done := make(chan error, 1)
	go func() {
		for {
			if _, _, err := c.ReadPacket(); err != nil {
				done <- err
				return
			}
		}
	}()
	time.Sleep(50 * time.Millisecond)
	c.Stop()
	select {
	case <-done:
	case <-time.After(time.Second):
		t.Fatal("ReadPacket did not end after Stop")
	}
	time.Sleep(50 * time.Millisecond)
	if !strings.Contains(tl.text(), "TEARDOWN ") {
		t.Error("Stop sent no TEARDOWN")
	}
	// A camera that ignores TEARDOWN and goes on sending: the connection is closed after
	// a grace period.
	f := newFake(t, func(fc *fakeConn, req *rtsp.Request) {
		if req.Method == "TEARDOWN" {
			return
		}
		standard(fc, req, testSDP, 60)
		if req.Method == "PLAY" {
			go frames(fc, time.Millisecond, 0)
		}
	})
	c, _, _ = session(t, f.url("/cam"), rtsp.ClientConfig{Timeout: 5 * time.Second})
	if _, _, err := c.ReadPacket(); err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	c.Stop()
	var err error
	for err == nil {
		_, _, err = c.ReadPacket()
	}
	if time.Since(began) > 2*time.Second || !strings.Contains(err.Error(), "stopped") {
		t.Errorf("after Stop: %v after %v", err, time.Since(began))
	}
	if m := f.methods(); !strings.HasSuffix(m, "PLAY TEARDOWN") {
		t.Errorf("requests %s", m)
	}
}

func TestNotFound(t *testing.T) {
	u, _ := serve(t, &rtsp.Server{Handler: &handler{sdp: []byte(testSDP)}})
	nope := strings.TrimSuffix(u, "/cam") + "/nope"
	c, err := rtsp.Dial(context.Background(), nope, rtsp.ClientConfig{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = c.Describe(context.Background())
	if err == nil || !strings.Contains(err.Error(), "DESCRIBE "+nope) || !strings.Contains(err.Error(), "404 Not Found") {
		t.Fatalf("err = %v, want DESCRIBE %s ... 404 Not Found", err, nope)
	}
	if custodian.ErrorCode(err) != custodian.ENOTFOUND {
		t.Errorf("code %s", custodian.ErrorCode(err))
	}
}

func TestUDPRefused(t *testing.T) {
	_, err := rtsp.Dial(context.Background(), "rtsp://127.0.0.1:1/x", rtsp.ClientConfig{Transport: "udp"})
	if err == nil || !strings.Contains(err.Error(), "use tcp") {
		t.Fatalf("err = %v", err)
	}
	_, err = rtsp.Dial(context.Background(), "http://u:secret@h/x", rtsp.ClientConfig{})
	if err == nil || strings.Contains(err.Error(), "secret") {
		t.Fatalf("err = %v", err)
	}
}

// TestAuthentication with the package's server (Digest SHA-256 and MD5, Basic offered).
func TestAuthentication(t *testing.T) {
	const password = "pä ss:wörd"
	h := &handler{sdp: []byte(testSDP), pkts: packets(3), interval: time.Millisecond}
	u, tl := serve(t, &rtsp.Server{Handler: h, User: "admin", Password: password})
	// Right password, in the config and in the URL.
	c, _, _ := session(t, u, rtsp.ClientConfig{User: "admin", Password: password, Timeout: time.Second})
	if _, _, err := c.ReadPacket(); err != nil {
		t.Fatal(err)
	}
	wu := mustParse(u)
	wu.User = url.UserPassword("admin", password)
	c2, _, _ := session(t, wu.String(), rtsp.ClientConfig{Timeout: time.Second})
	if _, _, err := c2.ReadPacket(); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		reqs := tl.requests(i)
		if len(reqs) < 5 {
			t.Fatalf("connection %d: %d requests", i, len(reqs))
		}
		for j, r := range reqs {
			a := r.Header.Get("Authorization")
			switch {
			case j <= 1 && a != "": // OPTIONS, then DESCRIBE before the 401
				t.Errorf("unsolicited credentials on %s: %s", r.Method, a)
			case j > 1 && (!strings.HasPrefix(a, "Digest ") || !strings.Contains(a, "algorithm=SHA-256")):
				t.Errorf("%s: Authorization %q, want Digest SHA-256", r.Method, a)
			}
			if r.URL.User != nil {
				t.Errorf("%s with user information in the URL", r.Method)
			}
		}
	}
	if strings.Contains(tl.text(), "ss:w") || strings.Contains(tl.text(), "admin:") {
		t.Error("the password went over the wire")
	}
	// Wrong password, and none.
	for _, tc := range []struct {
		cfg  rtsp.ClientConfig
		want string
	}{
		{rtsp.ClientConfig{User: "admin", Password: "wrong-secret"}, "authentication failed"},
		{rtsp.ClientConfig{}, "authentication required"},
	} {
		tc.cfg.Timeout = time.Second
		_, _, _, err := trySession(u, tc.cfg)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "401") || !strings.Contains(err.Error(), "DESCRIBE") {
			t.Errorf("%+v: err = %v, want %s (401)", tc.cfg, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "wrong-secret") {
			t.Errorf("the password is in the error: %v", err)
		}
		if custodian.ErrorCode(err) != custodian.EUNAUTHORIZED {
			t.Errorf("code %s", custodian.ErrorCode(err))
		}
	}
}

// TestBasicAuth: a camera that offers only Basic gets it when Basic is allowed, and only
// after asking.
func TestBasicAuth(t *testing.T) {
	want := "Basic " + base64.StdEncoding.EncodeToString([]byte("viewer:s3cret"))
	f := newFake(t, func(fc *fakeConn, req *rtsp.Request) {
		if req.Method != "OPTIONS" && req.Header.Get("Authorization") != want {
			fc.reply(req, 401, rtsp.Header{{Name: "WWW-Authenticate", Value: `Basic realm="IPCAM"`}}, nil)
			return
		}
		standard(fc, req, testSDP, 60)
	})
	c, _, _ := session(t, f.url("/live"), rtsp.ClientConfig{User: "viewer", Password: "s3cret", Timeout: time.Second, AllowBasic: true})
	c.Close()
	reqs := f.requests()
	if got := reqs[1].Header.Get("Authorization"); reqs[1].Method != "DESCRIBE" || got != "" {
		t.Errorf("first DESCRIBE carried %q", got)
	}
	if got := reqs[2].Header.Get("Authorization"); got != want {
		t.Errorf("Authorization %q", got)
	}
	_, _, _, err := trySession(f.url("/live"), rtsp.ClientConfig{User: "viewer", Password: "bad-pass", Timeout: time.Second, AllowBasic: true})
	if err == nil || !strings.Contains(err.Error(), "authentication failed") || strings.Contains(err.Error(), "bad-pass") {
		t.Errorf("wrong password: %v", err)
	}
}

// TestDigestDetails checks every Digest answer independently, the nonce count, opaque,
// and a stale nonce (retried with the new one, not reported as a failure).
func TestDigestDetails(t *testing.T) {
	for _, qop := range []string{"auth", ""} {
		t.Run("qop="+qop, func(t *testing.T) {
			const realm, user, password = "IP Camera(12345)", "admin", "Pa55word"
			var mu sync.Mutex
			nonce := "nonce-1"
			staleSent := false
			var ncs []string
			sum := func(s string) string { h := md5.Sum([]byte(s)); return hex.EncodeToString(h[:]) }
			f := newFake(t, func(fc *fakeConn, req *rtsp.Request) {
				mu.Lock()
				defer mu.Unlock()
				challenge := func(stale bool) {
					v := fmt.Sprintf(`Digest realm="%s", nonce="%s", opaque="op-1"`, realm, nonce)
					if qop != "" {
						v += `, qop="auth"`
					}
					if stale {
						v += `, stale=true`
					}
					fc.reply(req, 401, rtsp.Header{{Name: "WWW-Authenticate", Value: `Basic realm="x"`}, {Name: "WWW-Authenticate", Value: v}}, nil)
				}
				if req.Method == "OPTIONS" {
					standard(fc, req, testSDP, 60)
					return
				}
				a := req.Header.Get("Authorization")
				p, err := rtsp.ParseChallenge(a)
				if err != nil || p.Scheme != "Digest" {
					challenge(false)
					return
				}
				if p.Params["nonce"] != nonce {
					t.Errorf("%s: nonce %q, want %q", req.Method, p.Params["nonce"], nonce)
				}
				if p.Params["opaque"] != "op-1" || p.Params["uri"] != req.URL.String() || p.Params["username"] != user || p.Params["realm"] != realm {
					t.Errorf("%s: %v", req.Method, p.Params)
				}
				ha1, ha2 := sum(user+":"+realm+":"+password), sum(req.Method+":"+p.Params["uri"])
				want := sum(ha1 + ":" + nonce + ":" + ha2)
				if qop != "" {
					want = sum(ha1 + ":" + nonce + ":" + p.Params["nc"] + ":" + p.Params["cnonce"] + ":auth:" + ha2)
					ncs = append(ncs, req.Method+"/"+p.Params["nc"])
				}
				if p.Params["response"] != want {
					t.Errorf("%s: response %s, want %s", req.Method, p.Params["response"], want)
				}
				if req.Method == "SETUP" && !staleSent {
					staleSent = true
					nonce = "nonce-2"
					challenge(true)
					return
				}
				standard(fc, req, testSDP, 60)
			})
			c, _, _ := session(t, f.url("/cam"), rtsp.ClientConfig{User: user, Password: password, Timeout: time.Second})
			c.Teardown(context.Background())
			if got := f.methods(); got != "OPTIONS DESCRIBE DESCRIBE SETUP SETUP PLAY TEARDOWN" {
				t.Errorf("requests: %s", got)
			}
			mu.Lock()
			defer mu.Unlock()
			want := "DESCRIBE/00000001 SETUP/00000002 SETUP/00000001 PLAY/00000002 TEARDOWN/00000003"
			if qop == "" {
				want = ""
			}
			if got := strings.Join(ncs, " "); got != want {
				t.Errorf("nonce counts %s, want %s", got, want)
			}
		})
	}
}

func TestRedirect(t *testing.T) {
	target, _ := serve(t, &rtsp.Server{Handler: &handler{sdp: []byte(testSDP), pkts: packets(2), interval: time.Millisecond}})
	// A server that answers everything with a redirect.
	f := newFake(t, func(fc *fakeConn, req *rtsp.Request) {
		loc := target
		switch req.URL.Path {
		case "/loop":
			loc = "/loop" // relative, to itself
		case "/creds":
			loc = "rtsp://someone:hunter2@127.0.0.1:1/x" // a closed port
		}
		fc.reply(req, 302, rtsp.Header{{Name: "Location", Value: loc}}, nil)
	})
	c, _, d := session(t, f.url("/old"), rtsp.ClientConfig{Timeout: time.Second})
	if _, _, err := c.ReadPacket(); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(d.Medias[0].Control.String(), target) {
		t.Errorf("control %s is not on the target", d.Medias[0].Control)
	}
	// A loop of redirects ends.
	_, _, _, err := trySession(f.url("/loop"), rtsp.ClientConfig{Timeout: time.Second, MaxRedirects: 2})
	if err == nil || !strings.Contains(err.Error(), "more than 2 redirects") {
		t.Errorf("redirect loop: %v", err)
	}
	// Credentials in a Location are neither used nor shown.
	_, _, _, err = trySession(f.url("/creds"), rtsp.ClientConfig{Timeout: time.Second})
	if err == nil || strings.Contains(err.Error(), "hunter2") || !strings.Contains(err.Error(), "rtsp://127.0.0.1:1/x") {
		t.Errorf("redirect to a closed port: %v", err)
	}
}

func TestTimeouts(t *testing.T) {
	// A server that accepts and never answers.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var conns []net.Conn
	var mu sync.Mutex
	defer func() {
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	}()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	silent := "rtsp://" + l.Addr().String() + "/x"
	c, err := rtsp.Dial(context.Background(), silent, rtsp.ClientConfig{Timeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	_, err = c.Describe(context.Background())
	c.Close()
	if err == nil || time.Since(began) > 2*time.Second || !strings.Contains(err.Error(), "no answer within 300ms") || !strings.Contains(err.Error(), "OPTIONS "+silent) {
		t.Errorf("silent server: %v after %v", err, time.Since(began))
	}
	// A context ended while waiting.
	c, err = rtsp.Dial(context.Background(), silent, rtsp.ClientConfig{Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	began = time.Now()
	_, err = c.Options(ctx)
	c.Close()
	if err == nil || time.Since(began) > 2*time.Second || !strings.Contains(err.Error(), "cancelled") {
		t.Errorf("cancelled: %v after %v", err, time.Since(began))
	}
	// A server that stops sending media: ReadPacket fails within the timeout.
	h := &handler{sdp: []byte(testSDP), pkts: packets(5), interval: time.Millisecond, stopAt: 5}
	u, _ := serve(t, &rtsp.Server{Handler: h})
	cl, _, _ := session(t, u, rtsp.ClientConfig{Timeout: 400 * time.Millisecond})
	for i := 0; i < 5; i++ {
		if _, _, err := cl.ReadPacket(); err != nil {
			t.Fatal(err)
		}
	}
	began = time.Now()
	_, _, err = cl.ReadPacket()
	if err == nil || !strings.Contains(err.Error(), "no media for 400ms") || time.Since(began) > 2*time.Second {
		t.Fatalf("stalled server: %v after %v", err, time.Since(began))
	}
}

// TestMidFrameClose: a response between frames, then a server that closes in the middle
// of a frame.
func TestMidFrameClose(t *testing.T) {
	f := newFake(t, func(fc *fakeConn, req *rtsp.Request) {
		standard(fc, req, testSDP, 60)
		if req.Method == "PLAY" {
			fc.write([]byte("$\x00\x00\x03abc"))
			var b bytes.Buffer
			(&rtsp.Response{StatusCode: 200, Header: rtsp.Header{{Name: "CSeq", Value: "99"}}, Body: []byte("body")}).Write(&b)
			fc.write(b.Bytes())
			fc.write([]byte("$\x00\x00\x03xyz"))
			fc.write([]byte("$\x00\x01\x00half"))
			fc.Close()
		}
	})
	c, _, _ := session(t, f.url("/cam"), rtsp.ClientConfig{Timeout: time.Second})
	for _, want := range []string{"abc", "xyz"} {
		_, data, err := c.ReadPacket()
		if err != nil || string(data) != want {
			t.Fatalf("%q %v, want %q", data, err, want)
		}
	}
	_, _, err := c.ReadPacket()
	if err == nil || !strings.Contains(err.Error(), "closed the connection") {
		t.Fatalf("a frame cut short: %v", err)
	}
}

// TestServerRequestsWhilePlaying: requests from the camera between frames are answered
// (200 for GET_PARAMETER and SET_PARAMETER, 501 otherwise) with their CSeq.
func TestServerRequestsWhilePlaying(t *testing.T) {
	f := newFake(t, func(fc *fakeConn, req *rtsp.Request) {
		standard(fc, req, testSDP, 60)
		if req.Method != "PLAY" {
			return
		}
		var b bytes.Buffer
		rtsp.WriteInterleaved(&b, 0, []byte("a"))
		u := req.URL
		(&rtsp.Request{Method: "ANNOUNCE", URL: u, Header: rtsp.Header{{Name: "CSeq", Value: "101"}, {Name: "Content-Type", Value: "application/sdp"}}, Body: []byte(testSDP)}).Write(&b)
		rtsp.WriteInterleaved(&b, 1, []byte("b"))
		(&rtsp.Request{Method: "GET_PARAMETER", URL: u, Header: rtsp.Header{{Name: "CSeq", Value: "102"}}}).Write(&b)
		(&rtsp.Request{Method: "SET_PARAMETER", URL: u, Header: rtsp.Header{{Name: "CSeq", Value: "103"}}, Body: []byte("x: y\r\n")}).Write(&b)
		(&rtsp.Request{Method: "REDIRECT", URL: u, Header: rtsp.Header{{Name: "CSeq", Value: "104"}, {Name: "Location", Value: "rtsp://elsewhere/"}}}).Write(&b)
		rtsp.WriteInterleaved(&b, 0, []byte("c"))
		fc.write(b.Bytes())
	})
	c, _, _ := session(t, f.url("/cam"), rtsp.ClientConfig{Timeout: time.Second})
	for _, want := range []string{"0a", "1b", "0c"} {
		ch, data, err := c.ReadPacket()
		if err != nil || fmt.Sprint(ch)+string(data) != want {
			t.Fatalf("%d %q %v, want %s", ch, data, err, want)
		}
	}
	deadline := time.Now().Add(2 * time.Second)
	for len(f.responses()) < 4 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	var got []string
	for _, r := range f.responses() {
		got = append(got, r.Header.Get("CSeq")+":"+fmt.Sprint(r.StatusCode))
		if r.Header.Get("Session") != "s1" {
			t.Errorf("a response without the session: %v", r.Header)
		}
	}
	if strings.Join(got, " ") != "101:501 102:200 103:200 104:501" {
		t.Errorf("the client answered %v", got)
	}
}

// TestKeepalive: GET_PARAMETER when OPTIONS lists it, else OPTIONS; a refused
// GET_PARAMETER turns into OPTIONS; 454 ends the session with an error.
func TestKeepalive(t *testing.T) {
	for _, tc := range []struct {
		name, public string
		answer       int // the reply to GET_PARAMETER
		want         string
	}{
		{"options", "OPTIONS, DESCRIBE, SETUP, PLAY, TEARDOWN", 200, "OPTIONS OPTIONS"},
		{"get_parameter", "OPTIONS, DESCRIBE, SETUP, PLAY, GET_PARAMETER, TEARDOWN", 200, "GET_PARAMETER GET_PARAMETER"},
		{"refused", "OPTIONS, DESCRIBE, SETUP, PLAY, GET_PARAMETER, TEARDOWN", 501, "GET_PARAMETER OPTIONS"},
		{"session gone", "OPTIONS, DESCRIBE, SETUP, PLAY, GET_PARAMETER, TEARDOWN", 454, "GET_PARAMETER"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t, func(fc *fakeConn, req *rtsp.Request) {
				switch req.Method {
				case "OPTIONS":
					fc.reply(req, 200, rtsp.Header{{Name: "Public", Value: tc.public}}, nil)
				case "GET_PARAMETER":
					fc.reply(req, tc.answer, nil, nil)
				case "PLAY":
					standard(fc, req, testSDP, 1)
					go frames(fc, 20*time.Millisecond, 0)
				default:
					standard(fc, req, testSDP, 1) // a session timeout of 1 s: keep-alives every 0.5 s
				}
			})
			c, _, _ := session(t, f.url("/cam"), rtsp.ClientConfig{Timeout: time.Second})
			var err error
			for end := time.Now().Add(1200 * time.Millisecond); time.Now().Before(end) && err == nil; {
				_, _, err = c.ReadPacket()
			}
			var kas []string
			for _, r := range f.requests()[4:] { // after OPTIONS DESCRIBE SETUP PLAY
				kas = append(kas, r.Method)
			}
			if got := strings.Join(kas, " "); !strings.HasPrefix(got, tc.want) {
				t.Errorf("keep-alives %s, want %s", got, tc.want)
			}
			if tc.answer == 454 {
				if err == nil || !strings.Contains(err.Error(), "454") || !strings.Contains(err.Error(), "GET_PARAMETER") {
					t.Errorf("after 454: %v", err)
				}
			} else if err != nil {
				t.Error(err)
			}
		})
	}
}

// TestContentBase: control URLs resolve against Content-Base, else Content-Location,
// else the request URL (RFC 2326 C.1.1); SETUP goes to the media's control and PLAY and
// TEARDOWN to the aggregate one; no URL sent carries credentials.
func TestContentBase(t *testing.T) {
	sdp := "v=0\r\no=- 0 0 IN IP4 0.0.0.0\r\ns=x\r\nt=0 0\r\na=control:agg\r\n" +
		"m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=control:trackID=1\r\n" +
		"m=audio 0 RTP/AVP 0\r\na=control:rtsp://admin:secret@camera.example/other/audio\r\n"
	for _, tc := range []struct {
		name   string
		header rtsp.Header
		base   string // "" for the request URL
	}{
		{"Content-Base", rtsp.Header{{Name: "Content-Base", Value: "/base/"}, {Name: "Content-Location", Value: "/loc/"}}, "/base/"},
		{"Content-Location", rtsp.Header{{Name: "Content-Location", Value: "/loc"}}, "/loc/"},
		{"request URL", nil, "/live?token=abc/"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFake(t, func(fc *fakeConn, req *rtsp.Request) {
				if req.Method == "DESCRIBE" {
					fc.reply(req, 200, tc.header, []byte(sdp))
					return
				}
				standard(fc, req, sdp, 60)
			})
			u := f.url("/live?token=abc")
			base := f.url(tc.base)
			c, _, d := session(t, strings.Replace(u, "rtsp://", "rtsp://admin:secret@", 1), rtsp.ClientConfig{Timeout: time.Second})
			if err := c.Teardown(context.Background()); err != nil {
				t.Fatal(err)
			}
			if d.Base.String() != strings.TrimSuffix(base, "/") && d.Base.String() != base {
				t.Errorf("base %s, want %s", d.Base, base)
			}
			if got := d.Medias[0].Control.String(); got != base+"trackID=1" {
				t.Errorf("video control %s, want %strackID=1", got, base)
			}
			if got := d.Medias[1].Control.String(); got != "rtsp://camera.example/other/audio" {
				t.Errorf("audio control %s", got)
			}
			var got []string
			for _, r := range f.requests() {
				got = append(got, r.Method+" "+r.URL.String())
				if r.URL.User != nil {
					t.Errorf("credentials in %s", r.URL)
				}
			}
			want := []string{"OPTIONS " + u, "DESCRIBE " + u, "SETUP " + base + "trackID=1", "PLAY " + base + "agg", "TEARDOWN " + base + "agg"}
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("requests:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}

// TestManyConnections: 500 clients playing at once cost the server one goroutine and a
// few KiB each, and all their sessions end when they go.
func TestManyConnections(t *testing.T) {
	const n = 500
	h := &handler{sdp: []byte(testSDP), sessions: make(chan *rtsp.ServerSession, n)}
	u, _ := serve(t, &rtsp.Server{Handler: h})
	addr := strings.TrimPrefix(strings.TrimSuffix(u, "/cam"), "rtsp://")
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	g0 := runtime.NumGoroutine()
	conns := make([]net.Conn, n)
	defer func() {
		for _, c := range conns {
			if c != nil {
				c.Close()
			}
		}
	}()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range conns {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		conns[i] = c
		wg.Add(1)
		go func() {
			defer wg.Done()
			br := bufio.NewReaderSize(c, 16)
			session := ""
			for j, m := range []string{"OPTIONS", "SETUP", "PLAY"} {
				h := rtsp.Header{{Name: "CSeq", Value: fmt.Sprint(j + 1)}}
				if m == "SETUP" {
					h.Add("Transport", "RTP/AVP/TCP;unicast;interleaved=0-1")
				}
				if session != "" {
					h.Add("Session", session)
				}
				url := u + "/trackID=0"
				if err := (&rtsp.Request{Method: m, URL: mustParse(url), Header: h}).Write(c); err != nil {
					errs <- err
					return
				}
				res, err := rtsp.ReadResponse(br)
				if err != nil || res.StatusCode != 200 {
					errs <- fmt.Errorf("%s: %v %v", m, res, err)
					return
				}
				session, _, _ = strings.Cut(res.Header.Get("Session"), ";")
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	goroutines := runtime.NumGoroutine() - g0
	mem := int64(after.HeapAlloc+after.StackInuse) - int64(before.HeapAlloc+before.StackInuse)
	t.Logf("%d playing connections: %d goroutines, %d KiB (%d KiB each, client side included)", n, goroutines, mem>>10, mem/n>>10)
	if goroutines > n+10 {
		t.Errorf("%d goroutines for %d connections", goroutines, n)
	}
	if mem/n > 32<<10 {
		t.Errorf("%d KiB per connection", mem/n>>10)
	}
	if len(h.sessions) != n {
		t.Fatalf("%d sessions played", len(h.sessions))
	}
	for _, c := range conns {
		c.Close()
	}
	for range n {
		select {
		case <-(<-h.sessions).Done():
		case <-time.After(5 * time.Second):
			t.Fatal("a session did not end when its client went")
		}
	}
}
