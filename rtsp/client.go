package rtsp

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"custodian"
)

// ClientConfig configures a Client.
type ClientConfig struct {
	// User and Password authenticate (Digest, else Basic when the server offers only
	// that); when empty they are taken from the URL's user information, which is then
	// removed from every URL sent.
	User, Password string
	// Timeout bounds dialling, every request/response and every read of media (10 s).
	Timeout time.Duration
	// UserAgent is sent with every request ("Custodian").
	UserAgent string
	// MaxRedirects bounds the redirects DESCRIBE follows (3).
	MaxRedirects int
	// Transport is "tcp" (RTP interleaved in the RTSP connection, the default). "udp" is
	// refused with an error: use tcp.
	Transport string
}

// Client is one RTSP session with a camera.
type Client struct {
	cfg  ClientConfig
	u    *url.URL // the presentation URL, without user information
	base *url.URL // Content-Base of DESCRIBE

	conn net.Conn
	br   *bufio.Reader

	wmu  sync.Mutex // guards writes and cseq
	cseq int
	auth *authorizer

	session        string
	sessionTimeout time.Duration
	public         string // the Public header of OPTIONS
	channels       uint8  // interleaved channels set up so far

	stopKeepalive chan struct{}
	closeOnce     sync.Once
	buf           []byte
}

// Dial connects to the camera at rawURL (rtsp://[user:pass@]host[:port]/path).
func Dial(ctx context.Context, rawURL string, cfg ClientConfig) (*Client, error) {
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "Custodian"
	}
	if cfg.MaxRedirects <= 0 {
		cfg.MaxRedirects = 3
	}
	switch cfg.Transport {
	case "", "tcp":
	case "udp":
		return nil, custodian.Errorf(custodian.EINVALID, "UDP 전송은 지원하지 않습니다: transport를 tcp로 하십시오", "UDP transport is not supported: use tcp")
	default:
		return nil, custodian.Errorf(custodian.EINVALID, "알 수 없는 전송 방식 %q", "unknown transport %q", cfg.Transport)
	}
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "rtsp") || u.Host == "" {
		return nil, custodian.Errorf(custodian.EINVALID, "RTSP URL이 아닙니다 (rtsp://호스트/경로)", "not an RTSP URL (rtsp://host/path)")
	}
	if u.User != nil {
		if cfg.User == "" {
			cfg.User = u.User.Username()
			cfg.Password, _ = u.User.Password()
		}
		u.User = nil
	}
	c := &Client{cfg: cfg, u: u, buf: make([]byte, 0, MaxFrame)}
	if err := c.connect(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *Client) connect(ctx context.Context) error {
	host := c.u.Host
	if c.u.Port() == "" {
		host = net.JoinHostPort(c.u.Hostname(), "554")
	}
	d := net.Dialer{Timeout: c.cfg.Timeout}
	conn, err := d.DialContext(ctx, "tcp", host)
	if err != nil {
		return c.errorf("connect", "연결할 수 없습니다: %v", "cannot connect: %v", cleanNetErr(err))
	}
	if c.conn != nil {
		c.conn.Close()
	}
	c.conn = conn
	c.br = bufio.NewReaderSize(conn, 64<<10)
	return nil
}

// cleanNetErr shortens a network error to what helps (no addresses twice).
func cleanNetErr(err error) string {
	var ne *net.OpError
	if errors.As(err, &ne) && ne.Err != nil {
		if os.IsTimeout(ne.Err) {
			return "timed out"
		}
		return ne.Err.Error()
	}
	if os.IsTimeout(err) {
		return "timed out"
	}
	return err.Error()
}

// errorf makes an error naming the step and the URL (without user information).
func (c *Client) errorf(step, ko, en string, args ...any) error {
	return custodian.Errorf(custodian.EINVALID, "RTSP %s %s: "+ko, "RTSP %s %s: "+en, append([]any{step, Redact(c.u)}, args...)...)
}

// do sends a request and reads its response, answering one authentication challenge. It
// is used before PLAY, when nothing else is read from the connection.
func (c *Client) do(ctx context.Context, method string, u *url.URL, h Header) (*Response, error) {
	for attempt := 0; ; attempt++ {
		res, err := c.roundTrip(ctx, method, u, h)
		if err != nil {
			return nil, err
		}
		if res.StatusCode == 401 && attempt == 0 || res.StatusCode == 401 && attempt == 1 && c.stale(res) {
			if c.cfg.User == "" {
				return nil, c.errorf(method, "인증이 필요합니다 (401): 카메라의 사용자와 비밀번호를 설정하십시오", "authentication required (401): set the camera's user and password")
			}
			ch, ok := pickChallenge(res.Header.Values("WWW-Authenticate"))
			if !ok {
				return nil, c.errorf(method, "지원하지 않는 인증 방식입니다 (401)", "unsupported authentication scheme (401)")
			}
			c.wmu.Lock()
			c.auth = &authorizer{user: c.cfg.User, password: c.cfg.Password, ch: ch}
			c.wmu.Unlock()
			continue
		}
		if res.StatusCode == 401 {
			return nil, c.errorf(method, "인증에 실패했습니다 (401 %s): 사용자와 비밀번호를 확인하십시오", "authentication failed (401 %s): check the user and password", res.Reason)
		}
		return res, nil
	}
}

// stale reports whether a 401 says the nonce was stale (retry with the new one).
func (c *Client) stale(res *Response) bool {
	ch, ok := pickChallenge(res.Header.Values("WWW-Authenticate"))
	return ok && strings.EqualFold(ch.Params["stale"], "true")
}

// send writes a request (under the write lock) and returns its CSeq.
func (c *Client) send(method string, u *url.URL, h Header) (int, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.cseq++
	req := &Request{Method: method, URL: u}
	req.Header = append(req.Header, Field{"CSeq", strconv.Itoa(c.cseq)})
	req.Header = append(req.Header, Field{"User-Agent", c.cfg.UserAgent})
	if c.session != "" {
		req.Header = append(req.Header, Field{"Session", c.session})
	}
	if c.auth != nil {
		req.Header = append(req.Header, Field{"Authorization", c.auth.header(method, Redact(u))})
	}
	req.Header = append(req.Header, h...)
	c.conn.SetWriteDeadline(time.Now().Add(c.cfg.Timeout))
	if err := req.Write(c.conn); err != nil {
		return 0, c.errorf(method, "보낼 수 없습니다: %v", "cannot send: %v", cleanNetErr(err))
	}
	return c.cseq, nil
}

func (c *Client) roundTrip(ctx context.Context, method string, u *url.URL, h Header) (*Response, error) {
	cseq, err := c.send(method, u, h)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(c.cfg.Timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	c.conn.SetReadDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { c.conn.SetReadDeadline(time.Now()) })
	defer stop()
	for {
		b, err := c.br.Peek(1)
		if err != nil {
			return nil, c.readErr(method, err)
		}
		if b[0] == '$' {
			// Media before the reply (a server that starts early): skipped.
			if _, _, err := ReadInterleaved(c.br, c.buf); err != nil {
				return nil, c.readErr(method, err)
			}
			continue
		}
		res, err := ReadResponse(c.br)
		if err != nil {
			return nil, c.readErr(method, err)
		}
		if got := res.Header.Get("CSeq"); got != "" && got != strconv.Itoa(cseq) {
			continue // a late reply to an earlier request
		}
		return res, nil
	}
}

func (c *Client) readErr(step string, err error) error {
	var ce *custodian.Error
	if errors.As(err, &ce) {
		return &custodian.Error{Code: ce.Code, Ko: fmt.Sprintf("RTSP %s %s: %s", step, Redact(c.u), ce.Ko), En: fmt.Sprintf("RTSP %s %s: %s", step, Redact(c.u), ce.En)}
	}
	if os.IsTimeout(err) {
		return c.errorf(step, "%v 안에 응답이 없습니다", "no answer within %v", c.cfg.Timeout)
	}
	if errors.Is(err, net.ErrClosed) {
		return c.errorf(step, "연결이 닫혔습니다", "the connection was closed")
	}
	return c.errorf(step, "연결이 끊겼습니다: %v", "the connection broke: %v", cleanNetErr(err))
}

// check turns a non-2xx response into an error.
func (c *Client) check(step string, res *Response) error {
	if res.StatusCode >= 200 && res.StatusCode < 300 {
		return nil
	}
	return c.errorf(step, "카메라가 거절했습니다: %d %s", "the camera refused: %d %s", res.StatusCode, clip(res.Reason))
}

// Options sends OPTIONS and keeps the Public header (for the keep-alive method).
func (c *Client) Options(ctx context.Context) (*Response, error) {
	res, err := c.do(ctx, "OPTIONS", c.u, nil)
	if err != nil {
		return nil, err
	}
	if err := c.check("OPTIONS", res); err != nil {
		return nil, err
	}
	c.public = res.Header.Get("Public")
	return res, nil
}

// Describe asks for the session description, following redirects.
func (c *Client) Describe(ctx context.Context) (*Description, error) {
	for redirects := 0; ; redirects++ {
		if c.public == "" {
			// For the keep-alive method. Some cameras refuse OPTIONS or answer it
			// uselessly: DESCRIBE decides whether the camera works.
			c.Options(ctx)
		}
		res, err := c.do(ctx, "DESCRIBE", c.u, Header{{"Accept", "application/sdp"}})
		if err != nil {
			return nil, err
		}
		switch res.StatusCode {
		case 301, 302, 303, 305, 307:
			loc := res.Header.Get("Location")
			if redirects >= c.cfg.MaxRedirects {
				return nil, c.errorf("DESCRIBE", "리디렉션이 %d번을 넘었습니다", "more than %d redirects", c.cfg.MaxRedirects)
			}
			nu, err := c.u.Parse(loc)
			if err != nil || nu.Scheme != "rtsp" || nu.Host == "" {
				return nil, c.errorf("DESCRIBE", "리디렉션 주소 %q가 잘못되었습니다", "bad redirect location %q", clip(loc))
			}
			if nu.User != nil {
				nu.User = nil
			}
			c.u = nu
			c.auth, c.public = nil, ""
			if err := c.connect(ctx); err != nil {
				return nil, err
			}
			continue
		}
		if err := c.check("DESCRIBE", res); err != nil {
			return nil, err
		}
		base := c.u
		for _, name := range []string{"Content-Base", "Content-Location"} {
			if v := res.Header.Get(name); v != "" {
				if b, err := c.u.Parse(v); err == nil {
					base = b
					break
				}
			}
		}
		c.base = base
		d, err := ParseDescription(res.Body, base)
		if err != nil {
			return nil, c.errorf("DESCRIBE", "SDP: %v", "SDP: %v", err)
		}
		return d, nil
	}
}

// Setup sets up one media over TCP interleaved channels and returns its RTP channel (RTCP
// is the next one).
func (c *Client) Setup(ctx context.Context, m Media) (uint8, error) {
	if c.channels > 250 {
		return 0, c.errorf("SETUP", "미디어가 너무 많습니다", "too many media")
	}
	ch := c.channels
	u := m.Control
	if u == nil {
		u = c.u
	}
	res, err := c.do(ctx, "SETUP", u, Header{{"Transport", fmt.Sprintf("RTP/AVP/TCP;unicast;interleaved=%d-%d", ch, ch+1)}})
	if err != nil {
		return 0, err
	}
	if err := c.check("SETUP", res); err != nil {
		return 0, err
	}
	if s := res.Header.Get("Session"); s != "" {
		id, params, _ := strings.Cut(s, ";")
		c.session = strings.TrimSpace(id)
		c.sessionTimeout = 60 * time.Second
		for _, p := range strings.Split(params, ";") {
			k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
			if strings.EqualFold(k, "timeout") {
				if n, err := strconv.Atoi(v); err == nil && n > 0 && n < 3600 {
					c.sessionTimeout = time.Duration(n) * time.Second
				}
			}
		}
	}
	if c.session == "" {
		return 0, c.errorf("SETUP", "응답에 Session이 없습니다", "the reply has no Session")
	}
	// The server may choose other channels.
	for _, p := range strings.Split(res.Header.Get("Transport"), ";") {
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		if strings.EqualFold(k, "interleaved") {
			a, _, _ := strings.Cut(v, "-")
			if n, err := strconv.Atoi(a); err == nil && n >= 0 && n < 255 {
				ch = uint8(n)
			}
		}
	}
	c.channels = ch + 2
	return ch, nil
}

// Play starts the media. Afterwards the client sends a keep-alive every half session
// timeout by itself (GET_PARAMETER when OPTIONS listed it, else OPTIONS).
func (c *Client) Play(ctx context.Context) (*Response, error) {
	u := c.base
	if u == nil {
		u = c.u
	}
	res, err := c.do(ctx, "PLAY", u, Header{{"Range", "npt=0.000-"}})
	if err != nil {
		return nil, err
	}
	if err := c.check("PLAY", res); err != nil {
		return nil, err
	}
	c.stopKeepalive = make(chan struct{})
	go c.keepalive(c.stopKeepalive, u)
	return res, nil
}

func (c *Client) keepalive(stop chan struct{}, u *url.URL) {
	every := c.sessionTimeout / 2
	if every <= 0 {
		every = 30 * time.Second
	}
	method := "OPTIONS"
	if strings.Contains(c.public, "GET_PARAMETER") {
		method = "GET_PARAMETER"
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			// The reply is read (and skipped) by ReadPacket.
			if _, err := c.send(method, u, nil); err != nil {
				return
			}
		}
	}
}

// ReadPacket returns the next interleaved frame; data is valid until the next call. RTSP
// messages in between (replies to keep-alives, requests from the server) are handled. A
// camera that sends nothing for Timeout is an error.
func (c *Client) ReadPacket() (uint8, []byte, error) {
	for {
		c.conn.SetReadDeadline(time.Now().Add(c.cfg.Timeout))
		b, err := c.br.Peek(1)
		if err != nil {
			return 0, nil, c.mediaErr(err)
		}
		switch b[0] {
		case '$':
			ch, data, err := ReadInterleaved(c.br, c.buf)
			if err != nil {
				return 0, nil, c.mediaErr(err)
			}
			c.buf = data[:0]
			return ch, data, nil
		case 'R':
			if _, err := ReadResponse(c.br); err != nil {
				return 0, nil, c.mediaErr(err)
			}
		default:
			req, err := ReadRequest(c.br)
			if err != nil {
				return 0, nil, c.mediaErr(err)
			}
			code := 501
			if req.Method == "OPTIONS" || req.Method == "GET_PARAMETER" || req.Method == "SET_PARAMETER" {
				code = 200
			}
			c.wmu.Lock()
			(&Response{StatusCode: code, Header: Header{{"CSeq", req.Header.Get("CSeq")}}}).Write(c.conn)
			c.wmu.Unlock()
		}
	}
}

func (c *Client) mediaErr(err error) error {
	if os.IsTimeout(err) {
		return c.errorf("PLAY", "%v 동안 영상이 오지 않았습니다", "no media for %v", c.cfg.Timeout)
	}
	return c.readErr("PLAY", err)
}

// WritePacket sends an interleaved frame (an RTCP receiver report).
func (c *Client) WritePacket(channel uint8, data []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.conn.SetWriteDeadline(time.Now().Add(c.cfg.Timeout))
	return WriteInterleaved(c.conn, channel, data)
}

// Teardown ends the session. Call it before Close when the connection is healthy, and
// only when nothing else reads from it.
func (c *Client) Teardown(ctx context.Context) error {
	c.stop()
	c.wmu.Lock()
	none := c.session == ""
	c.wmu.Unlock()
	if none {
		return nil
	}
	u := c.base
	if u == nil {
		u = c.u
	}
	res, err := c.roundTrip(ctx, "TEARDOWN", u, nil)
	if err != nil {
		return err
	}
	c.wmu.Lock()
	c.session = ""
	c.wmu.Unlock()
	return c.check("TEARDOWN", res)
}

func (c *Client) stop() {
	c.closeOnce.Do(func() {
		if c.stopKeepalive != nil {
			close(c.stopKeepalive)
		}
	})
}

// Stop ends a playing session from any goroutine, while another may be in ReadPacket:
// it sends TEARDOWN without waiting for the reply (the reader would take it) and closes
// the connection.
func (c *Client) Stop() error {
	c.stop()
	c.wmu.Lock()
	session := c.session
	c.wmu.Unlock()
	if session != "" {
		u := c.base
		if u == nil {
			u = c.u
		}
		c.send("TEARDOWN", u, nil)
	}
	return c.conn.Close()
}

// Close closes the connection.
func (c *Client) Close() error {
	c.stop()
	return c.conn.Close()
}
