package rtsp_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"net"
	"net/url"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"custodian"
	"custodian/codec"
	"custodian/codec/h264"
	"custodian/internal/testmedia"
	"custodian/rtsp"
)

// handler serves one path with a fixed SDP and sends pkts (looping) when played.
type handler struct {
	sdp      []byte
	pkts     [][]byte
	interval time.Duration
	stopAt   int // stop sending (but keep the connection) after this many packets; 0: never
	played   atomic.Int32
}

func (h *handler) Describe(path string) ([]byte, error) {
	if path != "/cam" && path != "/cam/" {
		return nil, custodian.Errorf(custodian.ENOTFOUND, "없음", "no %s", path)
	}
	return h.sdp, nil
}

func (h *handler) Play(path string, sess *rtsp.ServerSession) error {
	h.played.Add(1)
	go func() {
		for i := 0; ; i++ {
			if h.stopAt > 0 && i >= h.stopAt {
				<-sess.Done()
				return
			}
			if err := sess.WritePackets(sess.RTPChannel(), [][]byte{h.pkts[i%len(h.pkts)]}); err != nil {
				return
			}
			select {
			case <-sess.Done():
				return
			case <-time.After(h.interval):
			}
		}
	}()
	return nil
}

const testSDP = "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=test\r\nt=0 0\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=fmtp:96 packetization-mode=1\r\na=control:trackID=0\r\nm=audio 0 RTP/AVP 0\r\na=control:trackID=1\r\n"

func serve(t *testing.T, s *rtsp.Server) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve(l)
	t.Cleanup(func() { s.Close() })
	return "rtsp://" + l.Addr().String() + "/cam"
}

func packets(n int) [][]byte {
	var out [][]byte
	for i := 0; i < n; i++ {
		out = append(out, []byte(fmt.Sprintf("packet-%d-%s", i, strings.Repeat("x", i*10))))
	}
	return out
}

// session does the whole handshake and returns the client and the RTP channel.
func session(t *testing.T, u string, cfg rtsp.ClientConfig) (*rtsp.Client, uint8, *rtsp.Description) {
	t.Helper()
	ctx := context.Background()
	c, err := rtsp.Dial(ctx, u, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	d, err := c.Describe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ch, err := c.Setup(ctx, d.Medias[0])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Play(ctx); err != nil {
		t.Fatal(err)
	}
	return c, ch, d
}

func TestClientServer(t *testing.T) {
	h := &handler{sdp: []byte(testSDP), pkts: packets(50), interval: time.Millisecond}
	u := serve(t, &rtsp.Server{Handler: h, SessionTimeout: 2 * time.Second})
	c, ch, d := session(t, u, rtsp.ClientConfig{Timeout: 2 * time.Second})
	if len(d.Medias) != 2 || d.Medias[0].Codec != "H264" || d.Medias[0].ClockRate != 90000 || d.Medias[1].Type != "audio" {
		t.Fatalf("medias: %+v", d.Medias)
	}
	if got := d.Medias[0].Control.String(); !strings.HasSuffix(got, "/cam/trackID=0") {
		t.Errorf("control %s", got)
	}
	// In order and intact, across keep-alives (every SessionTimeout/2 = 1 s): 3 s.
	deadline := time.Now().Add(3 * time.Second)
	for i := 0; time.Now().Before(deadline); i++ {
		gotCh, data, err := c.ReadPacket()
		if err != nil {
			t.Fatalf("packet %d: %v", i, err)
		}
		if gotCh != ch || !bytes.Equal(data, h.pkts[i%50]) {
			t.Fatalf("packet %d: channel %d, %q", i, gotCh, data)
		}
	}
	// The server did not time the session out: keep-alives arrived.
	if err := c.Teardown(context.Background()); err != nil {
		t.Errorf("teardown: %v", err)
	}
	// Stop, from another goroutine while one reads, ends the session at once.
	c2, _, _ := session(t, u, rtsp.ClientConfig{Timeout: 2 * time.Second})
	done := make(chan error, 1)
	go func() {
		for {
			if _, _, err := c2.ReadPacket(); err != nil {
				done <- err
				return
			}
		}
	}()
	time.Sleep(50 * time.Millisecond)
	c2.Stop()
	select {
	case <-done:
	case <-time.After(time.Second):
		t.Fatal("ReadPacket did not end after Stop")
	}
}

func TestNotFound(t *testing.T) {
	u := serve(t, &rtsp.Server{Handler: &handler{sdp: []byte(testSDP)}})
	c, err := rtsp.Dial(context.Background(), strings.TrimSuffix(u, "/cam")+"/nope", rtsp.ClientConfig{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = c.Describe(context.Background())
	if err == nil || !strings.Contains(err.Error(), "404") || !strings.Contains(err.Error(), "DESCRIBE") {
		t.Fatalf("err = %v, want DESCRIBE ... 404", err)
	}
}

func TestAuthentication(t *testing.T) {
	h := &handler{sdp: []byte(testSDP), pkts: packets(3), interval: time.Millisecond}
	u := serve(t, &rtsp.Server{Handler: h, User: "admin", Password: "pä ss:word"})
	// Right password, in the config and in the URL.
	session(t, u, rtsp.ClientConfig{User: "admin", Password: "pä ss:word", Timeout: time.Second})
	wu, _ := url.Parse(u)
	wu.User = url.UserPassword("admin", "pä ss:word")
	session(t, wu.String(), rtsp.ClientConfig{Timeout: time.Second})
	// Wrong password, and none.
	for _, cfg := range []rtsp.ClientConfig{{User: "admin", Password: "wrong-secret"}, {}} {
		cfg.Timeout = time.Second
		c, err := rtsp.Dial(context.Background(), u, cfg)
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Describe(context.Background())
		c.Close()
		if err == nil || !strings.Contains(err.Error(), "401") {
			t.Errorf("%+v: err = %v, want 401", cfg, err)
		}
		if err != nil && strings.Contains(err.Error(), "wrong-secret") {
			t.Errorf("the password is in the error: %v", err)
		}
	}
}

func TestDigestResponse(t *testing.T) {
	// RFC 2617 §3.5's example, adapted to RTSP's method.
	c, err := rtsp.ParseChallenge(`Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"`)
	if err != nil {
		t.Fatal(err)
	}
	if c.Scheme != "Digest" || c.Params["realm"] != "testrealm@host.com" || c.Params["qop"] != "auth,auth-int" || c.Params["opaque"] != "5ccc069c403ebaf9f0171e9517f40e41" {
		t.Fatalf("%+v", c)
	}
	for _, bad := range []string{"", `Digest realm="open`, `Digest realm`, strings.Repeat("x", 5000)} {
		if _, err := rtsp.ParseChallenge(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestRedirect(t *testing.T) {
	target := serve(t, &rtsp.Server{Handler: &handler{sdp: []byte(testSDP), pkts: packets(2), interval: time.Millisecond}})
	// A server that answers everything with a redirect to target.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				br := bufio.NewReader(conn)
				for {
					req, err := rtsp.ReadRequest(br)
					if err != nil {
						return
					}
					loc := target
					if req.URL.Path == "/loop" {
						loc = "/loop" // relative, to itself
					}
					res := &rtsp.Response{StatusCode: 302, Header: rtsp.Header{{Name: "CSeq", Value: req.Header.Get("CSeq")}, {Name: "Location", Value: loc}}}
					res.Write(conn)
				}
			}()
		}
	}()
	c, _, _ := session(t, "rtsp://"+l.Addr().String()+"/old", rtsp.ClientConfig{Timeout: time.Second})
	if _, _, err := c.ReadPacket(); err != nil {
		t.Fatal(err)
	}
	// A loop of redirects ends.
	c2, err := rtsp.Dial(context.Background(), "rtsp://"+l.Addr().String()+"/loop", rtsp.ClientConfig{Timeout: time.Second, MaxRedirects: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	if _, err := c2.Describe(context.Background()); err == nil || !strings.Contains(err.Error(), "redirects") {
		t.Fatalf("redirect loop: %v", err)
	}
}

func TestTimeouts(t *testing.T) {
	// A server that accepts and never answers.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var conns sync.WaitGroup
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			go func() { defer conns.Done(); time.Sleep(3 * time.Second); c.Close() }()
		}
	}()
	c, err := rtsp.Dial(context.Background(), "rtsp://"+l.Addr().String()+"/x", rtsp.ClientConfig{Timeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	began := time.Now()
	_, err = c.Describe(context.Background())
	c.Close()
	if err == nil || time.Since(began) > 2*time.Second || !strings.Contains(err.Error(), "no answer") {
		t.Fatalf("silent server: %v after %v", err, time.Since(began))
	}
	// A server that stops sending media: ReadPacket fails within the timeout.
	h := &handler{sdp: []byte(testSDP), pkts: packets(5), interval: time.Millisecond, stopAt: 5}
	u := serve(t, &rtsp.Server{Handler: h})
	cl, _, _ := session(t, u, rtsp.ClientConfig{Timeout: 400 * time.Millisecond})
	for i := 0; i < 5; i++ {
		if _, _, err := cl.ReadPacket(); err != nil {
			t.Fatal(err)
		}
	}
	_, _, err = cl.ReadPacket()
	if err == nil || !strings.Contains(err.Error(), "no media") {
		t.Fatalf("stalled server: %v", err)
	}
}

// TestMidFrameClose: a server that closes in the middle of an interleaved frame.
func TestMidFrameClose(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		conn, err := l.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		br := bufio.NewReader(conn)
		for {
			req, err := rtsp.ReadRequest(br)
			if err != nil {
				return
			}
			h := rtsp.Header{{Name: "CSeq", Value: req.Header.Get("CSeq")}, {Name: "Session", Value: "abc;timeout=60"}}
			res := &rtsp.Response{StatusCode: 200, Header: h}
			if req.Method == "DESCRIBE" {
				res.Body = []byte(testSDP)
			}
			if req.Method == "SETUP" {
				res.Header.Add("Transport", "RTP/AVP/TCP;unicast;interleaved=0-1")
			}
			res.Write(conn)
			if req.Method == "PLAY" {
				// A response to a keep-alive between frames, then half a frame.
				conn.Write([]byte("$\x00\x00\x03abc"))
				(&rtsp.Response{StatusCode: 200, Header: rtsp.Header{{Name: "CSeq", Value: "99"}}}).Write(conn)
				conn.Write([]byte("$\x00\x00\x03xyz"))
				conn.Write([]byte("$\x00\x01\x00half"))
				return
			}
		}
	}()
	c, _, _ := session(t, "rtsp://"+l.Addr().String()+"/cam", rtsp.ClientConfig{Timeout: time.Second})
	for _, want := range []string{"abc", "xyz"} {
		_, data, err := c.ReadPacket()
		if err != nil || string(data) != want {
			t.Fatalf("%q %v, want %q", data, err, want)
		}
	}
	if _, _, err := c.ReadPacket(); err == nil {
		t.Fatal("a frame cut short was returned")
	}
}

func TestMessages(t *testing.T) {
	for _, bad := range []string{
		"HTTP/1.1 200 OK\r\n\r\n",
		"RTSP/1.0 abc OK\r\n\r\n",
		"RTSP/1.0 200 OK\r\nContent-Length: 100000\r\n\r\n",
		"RTSP/1.0 200 OK\r\nContent-Length: -1\r\n\r\n",
		"RTSP/1.0 200 OK\r\nbad header\r\n\r\n",
		"RTSP/1.0 200 OK\r\nContent-Length: 10\r\n\r\nshort",
		"RTSP/1.0 200 OK\r\n" + strings.Repeat("X-A: b\r\n", 100) + "\r\n",
		"RTSP/1.0 200 " + strings.Repeat("x", 5000) + "\r\n\r\n",
	} {
		if _, err := rtsp.ReadResponse(bufio.NewReader(strings.NewReader(bad))); err == nil {
			t.Errorf("accepted %q", bad[:min(len(bad), 60)])
		}
	}
	res, err := rtsp.ReadResponse(bufio.NewReader(strings.NewReader("RTSP/1.0 200 OK\nCSeq: 2\nContent-Length: 4\n\nbody")))
	if err != nil || res.StatusCode != 200 || res.Header.Get("cseq") != "2" || string(res.Body) != "body" {
		t.Fatalf("LF line ends: %+v %v", res, err)
	}
	var b bytes.Buffer
	u, _ := url.Parse("rtsp://user:secret@h/x")
	(&rtsp.Request{Method: "DESCRIBE", URL: u, Header: rtsp.Header{{Name: "CSeq", Value: "1"}}}).Write(&b)
	if strings.Contains(b.String(), "secret") {
		t.Errorf("a request carries the URL's password: %q", b.String())
	}
	req, err := rtsp.ReadRequest(bufio.NewReader(&b))
	if err != nil || req.Method != "DESCRIBE" || req.URL.Host != "h" {
		t.Fatalf("%+v %v", req, err)
	}
}

func TestSDPSamples(t *testing.T) {
	base, _ := url.Parse("rtsp://10.0.0.5:554/Streaming/Channels/101")
	for _, tc := range []struct {
		name, sdp, codec, control string
		audio                     bool
	}{
		{"hikvision-like", "v=0\r\no=- 1 1 IN IP4 10.0.0.5\r\ns=Media Presentation\r\ne=NONE\r\nb=AS:5100\r\nt=0 0\r\na=control:rtsp://10.0.0.5:554/Streaming/Channels/101/?transportmode=unicast\r\nm=video 0 RTP/AVP 96\r\nc=IN IP4 0.0.0.0\r\nb=AS:5000\r\na=recvonly\r\na=x-dimensions:1920,1080\r\na=control:rtsp://10.0.0.5:554/Streaming/Channels/101/trackID=1?transportmode=unicast\r\na=rtpmap:96 H264/90000\r\na=fmtp:96 profile-level-id=420029; packetization-mode=1; sprop-parameter-sets=Z00AKpY1QPAET8s3AQEBQAABwgAAV+QB,aO48gA==\r\na=Media_header:MEDIAINFO=494D4B48;\r\na=appversion:1.0\r\n",
			"H264", "rtsp://10.0.0.5:554/Streaming/Channels/101/trackID=1?transportmode=unicast", false},
		{"dahua-like (audio, relative control, LF)", "v=0\no=- 2251938192 2251938192 IN IP4 0.0.0.0\ns=Media Server\nc=IN IP4 0.0.0.0\nt=0 0\na=control:*\na=range:npt=now-\nm=video 0 RTP/AVP 96\na=control:trackID=0\na=framerate:25.000000\na=rtpmap:96 H265/90000\na=fmtp:96 profile-id=1;sprop-sps=QgEBAWAAAAMAsAAAAwAAAwB4oAPAgBDlja5JMvTcBAQEAg==;sprop-pps=RAHA8vA8kAA=;sprop-vps=QAEMAf//AWAAAAMAsAAAAwAAAwB4FwJA\nm=audio 0 RTP/AVP 8\na=control:trackID=1\na=rtpmap:8 PCMA/8000\n",
			"H265", "rtsp://10.0.0.5:554/Streaming/Channels/101/trackID=0", true},
		{"no s= line, several formats", "v=0\r\no=- 0 0 IN IP4 0.0.0.0\r\nt=0 0\r\nm=video 0 RTP/AVP 26 97\r\na=rtpmap:97 H264/90000\r\na=control:track1 \r\n",
			"H264", "rtsp://10.0.0.5:554/Streaming/Channels/101/track1", false},
		{"static payload type", "v=0\r\no=- 0 0 IN IP4 0.0.0.0\r\ns=x\r\nt=0 0\r\nm=video 0 RTP/AVP 26\r\n",
			"JPEG", "rtsp://10.0.0.5:554/Streaming/Channels/101", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d, err := rtsp.ParseDescription([]byte(tc.sdp), base)
			if err != nil {
				t.Fatal(err)
			}
			v := d.Medias[0]
			if v.Type != "video" || v.Codec != tc.codec || v.Control.String() != tc.control {
				t.Errorf("video: %s %s %s", v.Type, v.Codec, v.Control)
			}
			if (len(d.Medias) > 1 && d.Medias[1].Type == "audio") != tc.audio {
				t.Errorf("audio: %+v", d.Medias)
			}
			if tc.codec == "H265" && v.FMTP["sprop-vps"] == "" {
				t.Errorf("fmtp: %v", v.FMTP)
			}
		})
	}
	for _, bad := range []string{"", "garbage", "v=0\r\nm=video 0 RTP/AVP\r\n", "v=0\r\nm=video 0 RTP/AVP abc\r\n"} {
		if _, err := rtsp.ParseDescription([]byte(bad), base); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
}

// TestFFprobeReadsServer: ffmpeg as the client of our server, reading real H.264.
func TestFFprobeReadsServer(t *testing.T) {
	testmedia.Need(t, "ffmpeg", "ffprobe")
	annexb, err := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-i", testmedia.Path(t, testmedia.VtestH264), "-t", "4", "-c", "copy",
		"-bsf:v", "h264_mp4toannexb", "-f", "h264", "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	nalus := codec.SplitAnnexB(annexb)
	var sps, pps []byte
	var pkts [][]byte
	p := &h264.Packetizer{PayloadType: 96, SSRC: 1}
	ts := uint32(0)
	for _, n := range nalus {
		switch h264.NALUType(n) {
		case h264.NALUTypeSPS:
			sps = n
		case h264.NALUTypePPS:
			pps = n
		}
		for _, pk := range p.Packetize([][]byte{n}, ts) {
			pkts = append(pkts, bytes.Clone(pk))
		}
		if h264.IsVCL(n) {
			ts += 9000
		}
	}
	sdp := testSDP[:strings.Index(testSDP, "a=fmtp")] + "a=fmtp:96 packetization-mode=1;sprop-parameter-sets=" +
		base64.StdEncoding.EncodeToString(sps) + "," + base64.StdEncoding.EncodeToString(pps) + "\r\na=control:trackID=0\r\n"
	u := serve(t, &rtsp.Server{Handler: &handler{sdp: []byte(sdp), pkts: pkts, interval: 100 * time.Microsecond}})
	out, err := exec.Command("ffprobe", "-v", "error", "-rtsp_transport", "tcp", "-show_entries", "stream=codec_name,width,height", "-of", "csv=p=0", u).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "h264,768,576" {
		t.Fatalf("ffprobe: %v %q", err, out)
	}
}
