package rtsp_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"custodian"
	"custodian/rtsp"
)

// handler serves /cam with a fixed SDP and sends pkts (looping) when played.
type handler struct {
	sdp      []byte
	pkts     [][]byte
	interval time.Duration
	stopAt   int // stop sending (but keep the connection) after this many packets; 0: never
	played   atomic.Int32
	sessions chan *rtsp.ServerSession // every played session, when not nil
}

func (h *handler) Describe(path string) ([]byte, error) {
	if path != "/cam" && path != "/cam/" {
		return nil, custodian.Errorf(custodian.ENOTFOUND, "%s 없음", "no %s", path)
	}
	return h.sdp, nil
}

func (h *handler) Play(path string, sess *rtsp.ServerSession) error {
	h.played.Add(1)
	if h.sessions != nil {
		h.sessions <- sess
	}
	if len(h.pkts) == 0 {
		return nil
	}
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

// tap is a listener that keeps what every accepted connection received.
type tap struct {
	net.Listener
	mu    sync.Mutex
	conns []*bytes.Buffer
}

func (l *tap) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b := &bytes.Buffer{}
	l.conns = append(l.conns, b)
	return &tapConn{Conn: c, l: l, b: b}, nil
}

type tapConn struct {
	net.Conn
	l *tap
	b *bytes.Buffer
}

func (c *tapConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.l.mu.Lock()
	c.b.Write(p[:n])
	c.l.mu.Unlock()
	return n, err
}

// requests returns the requests connection i sent (interleaved frames skipped).
func (l *tap) requests(i int) []*rtsp.Request {
	l.mu.Lock()
	data := bytes.Clone(l.conns[i].Bytes())
	l.mu.Unlock()
	br := bufio.NewReader(bytes.NewReader(data))
	var out []*rtsp.Request
	for {
		b, err := br.Peek(1)
		if err != nil {
			return out
		}
		if b[0] == '$' {
			if _, _, err := rtsp.ReadInterleaved(br, nil); err != nil {
				return out
			}
			continue
		}
		req, err := rtsp.ReadRequest(br)
		if err != nil {
			return out
		}
		out = append(out, req)
	}
}

func (l *tap) text() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var b strings.Builder
	for _, c := range l.conns {
		b.Write(c.Bytes())
	}
	return b.String()
}

// serve runs s on a loopback port and returns the URL of /cam and the tap.
func serve(t *testing.T, s *rtsp.Server) (string, *tap) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tl := &tap{Listener: l}
	go s.Serve(tl)
	t.Cleanup(func() { s.Close() })
	return "rtsp://" + l.Addr().String() + "/cam", tl
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
	c, ch, d, err := trySession(u, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c, ch, d
}

func trySession(u string, cfg rtsp.ClientConfig) (*rtsp.Client, uint8, *rtsp.Description, error) {
	ctx := context.Background()
	c, err := rtsp.Dial(ctx, u, cfg)
	if err != nil {
		return nil, 0, nil, err
	}
	d, err := c.Describe(ctx)
	if err != nil {
		c.Close()
		return nil, 0, nil, err
	}
	ch, err := c.Setup(ctx, d.Medias[0])
	if err != nil {
		c.Close()
		return nil, 0, nil, err
	}
	if _, err := c.Play(ctx); err != nil {
		c.Close()
		return nil, 0, nil, err
	}
	return c, ch, d, nil
}

// fake is a scripted RTSP server for the client's tests. For every request, answer is
// called in the connection's reading goroutine; responses the client sends (to requests
// of the server) and its interleaved frames are recorded.
type fake struct {
	addr  string
	mu    sync.Mutex
	conns []net.Conn
	reqs  []*rtsp.Request
	ress  []*rtsp.Response
}

// fakeConn is one connection of a fake; write is safe for concurrent use.
type fakeConn struct {
	net.Conn
	mu sync.Mutex
}

func (fc *fakeConn) write(b []byte) error {
	fc.mu.Lock()
	defer fc.mu.Unlock()
	_, err := fc.Conn.Write(b)
	return err
}

// reply answers req with code, the request's CSeq, h and body.
func (fc *fakeConn) reply(req *rtsp.Request, code int, h rtsp.Header, body []byte) {
	var b bytes.Buffer
	(&rtsp.Response{StatusCode: code, Header: append(rtsp.Header{{Name: "CSeq", Value: req.Header.Get("CSeq")}}, h...), Body: body}).Write(&b)
	fc.write(b.Bytes())
}

func newFake(t *testing.T, answer func(fc *fakeConn, req *rtsp.Request)) *fake {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fake{addr: l.Addr().String()}
	t.Cleanup(func() {
		l.Close()
		f.mu.Lock()
		for _, c := range f.conns {
			c.Close()
		}
		f.mu.Unlock()
	})
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			f.mu.Lock()
			f.conns = append(f.conns, c)
			f.mu.Unlock()
			go func() {
				// The connection stays open when the client half-closes it (closed at the
				// end of the test).
				fc := &fakeConn{Conn: c}
				br := bufio.NewReader(c)
				for {
					b, err := br.Peek(5)
					if err != nil {
						return
					}
					switch {
					case b[0] == '$':
						if _, _, err := rtsp.ReadInterleaved(br, nil); err != nil {
							return
						}
					case string(b) == "RTSP/":
						res, err := rtsp.ReadResponse(br)
						if err != nil {
							return
						}
						f.mu.Lock()
						f.ress = append(f.ress, res)
						f.mu.Unlock()
					default:
						req, err := rtsp.ReadRequest(br)
						if err != nil {
							return
						}
						f.mu.Lock()
						f.reqs = append(f.reqs, req)
						f.mu.Unlock()
						answer(fc, req)
					}
				}
			}()
		}
	}()
	return f
}

func (f *fake) url(path string) string { return "rtsp://" + f.addr + path }

func (f *fake) requests() []*rtsp.Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*rtsp.Request(nil), f.reqs...)
}

func (f *fake) responses() []*rtsp.Response {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*rtsp.Response(nil), f.ress...)
}

// methods lists the methods of the requests received.
func (f *fake) methods() string {
	var m []string
	for _, r := range f.requests() {
		m = append(m, r.Method)
	}
	return strings.Join(m, " ")
}

// standard answers like a plain camera: Public with GET_PARAMETER, the SDP, session
// "s1" with timeout, TCP interleaved.
func standard(fc *fakeConn, req *rtsp.Request, sdp string, timeout int) {
	switch req.Method {
	case "OPTIONS":
		fc.reply(req, 200, rtsp.Header{{Name: "Public", Value: "OPTIONS, DESCRIBE, SETUP, PLAY, GET_PARAMETER, TEARDOWN"}}, nil)
	case "DESCRIBE":
		fc.reply(req, 200, rtsp.Header{{Name: "Content-Type", Value: "application/sdp"}}, []byte(sdp))
	case "SETUP":
		fc.reply(req, 200, rtsp.Header{{Name: "Session", Value: fmt.Sprintf("s1;timeout=%d", timeout)},
			{Name: "Transport", Value: "RTP/AVP/TCP;unicast;interleaved=0-1"}}, nil)
	default:
		fc.reply(req, 200, rtsp.Header{{Name: "Session", Value: "s1"}}, nil)
	}
}

// frames writes an interleaved frame on channel 0 every interval until the connection
// fails, starting with data "0", "1", ...
func frames(fc *fakeConn, interval time.Duration, n int) {
	for i := 0; n == 0 || i < n; i++ {
		var b bytes.Buffer
		rtsp.WriteInterleaved(&b, 0, []byte(fmt.Sprint(i)))
		if fc.write(b.Bytes()) != nil {
			return
		}
		time.Sleep(interval)
	}
}

func mustParse(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}
