package rtsp

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"custodian"
)

// ClientConfig configures a Client.
type ClientConfig struct {
	// User and Password authenticate (Digest; Basic only with AllowBasic); when empty
	// they are taken from the URL's user information, which is then removed from every
	// URL sent. They are sent only to the origin (scheme://host:port) of the URL given to
	// Dial: a redirect to another host that asks for them is an error.
	User, Password string
	// AllowBasic lets the client answer a Basic challenge, which sends the password
	// readable by anyone on the path over plain RTSP. Without it, a camera that offers
	// only Basic is refused with an error saying so.
	AllowBasic bool
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

// Client is one RTSP session with a camera. Its methods are called from one goroutine,
// except Stop, which may be called from any.
type Client struct {
	cfg ClientConfig

	// Set by the reading goroutine; read by Stop under wmu.
	u         *url.URL // the presentation URL, without user information
	aggregate *url.URL // the aggregate control URL of DESCRIBE: PLAY, TEARDOWN, keep-alives
	origin    string   // custodian.SourceOrigin of the URL given to Dial: where credentials may go

	conn net.Conn
	br   *bufio.Reader
	buf  []byte // the frame buffer ReadPacket returns slices of

	wmu      sync.Mutex // guards writes to conn, and the fields below
	cseq     int
	auth     *authorizer
	session  string
	kaMethod string // the keep-alive's method: GET_PARAMETER or OPTIONS
	kaCSeq   int    // the CSeq of the last keep-alive
	closed   bool
	stopping atomic.Bool // Stop sent TEARDOWN: reads drain until the camera closes

	sessionTimeout time.Duration
	public         string // the Public header of OPTIONS
	channels       int    // the next interleaved channel
	keepalives     bool   // the keep-alive goroutine was started
	done           chan struct{}
	doneOnce       sync.Once
}

// Dial connects to the camera at rawURL (rtsp://[user:pass@]host[:port]/path); it sends
// nothing yet.
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
		return nil, custodian.Errorf(custodian.EINVALID, "알 수 없는 전송 방식 %q (tcp)", "unknown transport %q (tcp)", clip(cfg.Transport))
	}
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme != "rtsp" || u.Host == "" {
		// The URL is not repeated: it may hold a password.
		return nil, custodian.Errorf(custodian.EINVALID, "RTSP URL이 아닙니다 (rtsp://호스트/경로)", "not an RTSP URL (rtsp://host/path)")
	}
	if u.User != nil {
		if cfg.User == "" {
			cfg.User = u.User.Username()
			cfg.Password, _ = u.User.Password()
		}
		u.User = nil
	}
	c := &Client{cfg: cfg, u: u, origin: custodian.SourceOrigin(u.String()), buf: make([]byte, 0, MaxFrame), kaMethod: "OPTIONS", done: make(chan struct{})}
	if err := c.connect(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

// connect dials c.u (again, after a redirect).
func (c *Client) connect(ctx context.Context) error {
	host := c.u.Host
	if c.u.Port() == "" {
		host = net.JoinHostPort(c.u.Hostname(), "554")
	}
	d := net.Dialer{Timeout: c.cfg.Timeout}
	conn, err := d.DialContext(ctx, "tcp", host)
	if err != nil {
		return c.errorf(custodian.EUNAVAILABLE, "connect", "연결할 수 없습니다: %v", "cannot connect: %v", cleanNetErr(err))
	}
	c.wmu.Lock()
	if c.closed {
		c.wmu.Unlock()
		conn.Close()
		return c.errorf(custodian.EINVALID, "connect", "클라이언트가 닫혔습니다", "the client was closed")
	}
	old := c.conn
	c.conn = conn
	c.br = bufio.NewReaderSize(conn, 16<<10)
	c.wmu.Unlock()
	if old != nil {
		old.Close()
	}
	return nil
}

// cleanNetErr shortens a network error to what helps (no addresses twice).
func cleanNetErr(err error) string {
	if os.IsTimeout(err) {
		return "timed out"
	}
	var ne *net.OpError
	if errors.As(err, &ne) && ne.Err != nil {
		return ne.Err.Error()
	}
	return err.Error()
}

// errorf makes an error naming the step and the URL (without user information).
func (c *Client) errorf(code, step, ko, en string, args ...any) error {
	return custodian.Errorf(code, "RTSP %s %s: "+ko, "RTSP %s %s: "+en, append([]any{step, Redact(c.u)}, args...)...)
}

// readNext reads what comes next on the connection: an interleaved frame (res is nil),
// or a response. Requests from the server (ANNOUNCE, GET_PARAMETER, REDIRECT ...) are
// answered here, 200 for OPTIONS, GET_PARAMETER and SET_PARAMETER, else 501.
func (c *Client) readNext() (ch uint8, data []byte, res *Response, err error) {
	for {
		b, err := c.br.Peek(1)
		if err != nil {
			return 0, nil, nil, err
		}
		if b[0] == '$' {
			ch, data, err := ReadInterleaved(c.br, c.buf)
			if err != nil {
				return 0, nil, nil, err
			}
			c.buf = data[:0]
			return ch, data, nil, nil
		}
		if p, _ := c.br.Peek(5); string(p) == "RTSP/" {
			res, err := ReadResponse(c.br)
			return 0, nil, res, err
		}
		req, err := ReadRequest(c.br)
		if err != nil {
			return 0, nil, nil, err
		}
		code := 501
		switch req.Method {
		case "OPTIONS", "GET_PARAMETER", "SET_PARAMETER":
			code = 200
		}
		res := &Response{StatusCode: code, Header: Header{{"CSeq", req.Header.Get("CSeq")}}}
		c.wmu.Lock()
		if c.session != "" {
			res.Header.Add("Session", c.session)
		}
		c.conn.SetWriteDeadline(time.Now().Add(c.cfg.Timeout))
		res.Write(c.conn) // a failure shows in the next read
		c.wmu.Unlock()
	}
}

// send writes a request under the write lock and returns its CSeq and whether it carried
// credentials.
func (c *Client) send(method string, u *url.URL, h Header) (int, bool, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.sendLocked(method, u, h)
}

func (c *Client) sendLocked(method string, u *url.URL, h Header) (int, bool, error) {
	c.cseq++
	req := &Request{Method: method, URL: u, Header: make(Header, 0, 5+len(h))}
	req.Header = append(req.Header, Field{"CSeq", strconv.Itoa(c.cseq)}, Field{"User-Agent", c.cfg.UserAgent})
	if c.session != "" {
		req.Header = append(req.Header, Field{"Session", c.session})
	}
	if c.auth != nil {
		req.Header = append(req.Header, Field{"Authorization", c.auth.header(method, Redact(u))})
	}
	req.Header = append(req.Header, h...)
	c.conn.SetWriteDeadline(time.Now().Add(c.cfg.Timeout))
	if err := req.Write(c.conn); err != nil {
		return 0, false, c.errorf(custodian.EUNAVAILABLE, method, "보낼 수 없습니다: %v", "cannot send: %v", cleanNetErr(err))
	}
	return c.cseq, c.auth != nil, nil
}

// roundTrip sends a request and reads its response, skipping media and late replies.
func (c *Client) roundTrip(ctx context.Context, method string, u *url.URL, h Header) (*Response, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, false, c.errorf(custodian.EUNAVAILABLE, method, "취소되었습니다: %w", "cancelled: %w", err)
	}
	cseq, authed, err := c.send(method, u, h)
	if err != nil {
		return nil, false, err
	}
	deadline := time.Now().Add(c.cfg.Timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	conn := c.conn
	conn.SetReadDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { conn.SetReadDeadline(time.Now()) })
	defer stop()
	want := strconv.Itoa(cseq)
	for {
		_, _, res, err := c.readNext()
		if err != nil {
			if ctx.Err() != nil {
				return nil, false, c.errorf(custodian.EUNAVAILABLE, method, "취소되었습니다: %w", "cancelled: %w", ctx.Err())
			}
			return nil, false, c.readErr(method, err)
		}
		if res == nil {
			continue // media before the reply (a server that starts early): skipped
		}
		if got := res.Header.Get("CSeq"); got != "" && got != want {
			continue // a late reply to an earlier request (a keep-alive)
		}
		return res, authed, nil
	}
}

// do sends a request and reads its response, answering authentication challenges: once
// when the request carried no credentials, and again when the server says the nonce was
// stale. It is used when nothing else reads from the connection.
func (c *Client) do(ctx context.Context, method string, u *url.URL, h Header) (*Response, error) {
	for attempt := 0; ; attempt++ {
		res, authed, err := c.roundTrip(ctx, method, u, h)
		if err != nil {
			return nil, err
		}
		if res.StatusCode != 401 {
			return res, nil
		}
		if c.cfg.User == "" {
			return nil, c.errorf(custodian.EUNAUTHORIZED, method, "인증이 필요합니다 (401 %s): 카메라의 사용자와 비밀번호를 설정하십시오",
				"authentication required (401 %s): set the camera's user and password", clip(res.Reason))
		}
		if here := custodian.SourceOrigin(c.u.String()); here != c.origin {
			// A redirect led to another host (the connection's, whatever URL a request
			// names), which asks for the camera's password: it was given for the
			// camera's own host only.
			return nil, c.errorf(custodian.EUNAUTHORIZED, method, "리디렉션된 호스트 %s가 인증을 요구하지만, 카메라의 비밀번호는 %s에만 보냅니다 (401 %s)",
				"the redirected-to host %s asks for credentials, but the camera's password is sent only to %s (401 %s)", here, c.origin, clip(res.Reason))
		}
		ch, ok := pickChallenge(res.Header.Values("WWW-Authenticate"))
		if !ok {
			return nil, c.errorf(custodian.EUNAUTHORIZED, method, "지원하지 않는 인증 방식입니다 (401 %s)", "unsupported authentication scheme (401 %s)", clip(res.Reason))
		}
		if strings.EqualFold(ch.Scheme, "basic") && !c.cfg.AllowBasic {
			// Digest is preferred whenever offered: this camera offers Basic only.
			return nil, c.errorf(custodian.EUNAUTHORIZED, method,
				"카메라가 Basic 인증만 제공합니다: 평문 RTSP에서는 비밀번호가 그대로 전송되므로 보내지 않았습니다. 카메라에서 Digest 인증을 켜거나, 위험을 감수한다면 이 카메라의 출처에 allow_basic_auth: true를 적으십시오 (401 %s)",
				"the camera offers only Basic authentication, which sends the password readable over plain RTSP, so it was not sent: enable Digest on the camera or, accepting the risk, set allow_basic_auth: true in this camera's source (401 %s)", clip(res.Reason))
		}
		stale := strings.EqualFold(ch.Params["stale"], "true") && strings.EqualFold(ch.Scheme, "digest")
		if authed && (attempt > 0 && !stale || attempt >= 2) {
			return nil, c.errorf(custodian.EUNAUTHORIZED, method, "인증에 실패했습니다 (401 %s): 사용자와 비밀번호를 확인하십시오",
				"authentication failed (401 %s): check the user and password", clip(res.Reason))
		}
		c.wmu.Lock()
		if c.auth != nil && strings.EqualFold(c.auth.ch.Scheme, ch.Scheme) {
			c.auth.update(ch)
		} else {
			c.auth = &authorizer{user: c.cfg.User, password: c.cfg.Password, ch: ch}
		}
		c.wmu.Unlock()
	}
}

func (c *Client) readErr(step string, err error) error {
	var ce *custodian.Error
	if errors.As(err, &ce) {
		return &custodian.Error{Code: ce.Code, Ko: fmt.Sprintf("RTSP %s %s: %s", step, Redact(c.u), ce.Ko), En: fmt.Sprintf("RTSP %s %s: %s", step, Redact(c.u), ce.En)}
	}
	if os.IsTimeout(err) {
		return c.errorf(custodian.EUNAVAILABLE, step, "%v 안에 응답이 없습니다", "no answer within %v", c.cfg.Timeout)
	}
	if errors.Is(err, net.ErrClosed) {
		return c.errorf(custodian.EUNAVAILABLE, step, "연결이 닫혔습니다", "the connection was closed")
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return c.errorf(custodian.EUNAVAILABLE, step, "카메라가 연결을 닫았습니다", "the camera closed the connection")
	}
	return c.errorf(custodian.EUNAVAILABLE, step, "연결이 끊겼습니다: %v", "the connection broke: %v", cleanNetErr(err))
}

// check turns a non-2xx response into an error.
func (c *Client) check(step string, res *Response) error {
	if res.StatusCode >= 200 && res.StatusCode < 300 {
		return nil
	}
	code := custodian.EINVALID
	switch res.StatusCode {
	case 401, 403:
		code = custodian.EUNAUTHORIZED
	case 404:
		code = custodian.ENOTFOUND
	case 503:
		code = custodian.EUNAVAILABLE
	}
	return c.errorf(code, step, "카메라가 거절했습니다: %d %s", "the camera refused: %d %s", res.StatusCode, clip(res.Reason))
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

// Describe asks for the session description, following redirects (301, 302, 303, 307) to
// other URLs and hosts, at most MaxRedirects. Control URLs are resolved against
// Content-Base, else Content-Location, else the request URL (RFC 2326 C.1.1). OPTIONS is
// sent first (to each host) when it has not been, for the keep-alive method; a refusal
// of it is ignored.
func (c *Client) Describe(ctx context.Context) (*Description, error) {
	for redirects := 0; ; redirects++ {
		if c.public == "" {
			// For the keep-alive method. A camera that refuses OPTIONS may still work:
			// DESCRIBE decides; one that does not answer does not.
			res, err := c.do(ctx, "OPTIONS", c.u, nil)
			if err != nil {
				return nil, err
			}
			if res.StatusCode >= 200 && res.StatusCode < 300 {
				c.public = res.Header.Get("Public")
			}
		}
		res, err := c.do(ctx, "DESCRIBE", c.u, Header{{"Accept", "application/sdp"}})
		if err != nil {
			return nil, err
		}
		switch res.StatusCode {
		case 301, 302, 303, 307:
			loc := res.Header.Get("Location")
			if redirects >= c.cfg.MaxRedirects {
				return nil, c.errorf(custodian.EINVALID, "DESCRIBE", "리디렉션이 %d번을 넘었습니다 (%d %s)", "more than %d redirects (%d %s)", c.cfg.MaxRedirects, res.StatusCode, clip(res.Reason))
			}
			nu, err := c.u.Parse(loc)
			if err != nil || nu.Scheme != "rtsp" || nu.Host == "" {
				return nil, c.errorf(custodian.EINVALID, "DESCRIBE", "리디렉션 주소 %q가 잘못되었습니다 (%d)", "bad redirect location %q (%d)", clip(redactString(loc)), res.StatusCode)
			}
			nu.User = nil
			// Credentials are sent to the new location only when it asks (401).
			c.wmu.Lock()
			c.u, c.auth, c.public, c.session = nu, nil, "", ""
			c.wmu.Unlock()
			if err := c.connect(ctx); err != nil {
				return nil, err
			}
			continue
		case 305:
			return nil, c.errorf(custodian.EINVALID, "DESCRIBE", "카메라가 프록시를 쓰라고 합니다 (305 Use Proxy): 지원하지 않습니다", "the camera asks for a proxy (305 Use Proxy), which is not supported")
		}
		if err := c.check("DESCRIBE", res); err != nil {
			return nil, err
		}
		base := c.u
		for _, name := range []string{"Content-Base", "Content-Location"} {
			if v := res.Header.Get(name); v != "" {
				if b, err := c.u.Parse(v); err == nil && b.Scheme == "rtsp" && b.Host != "" {
					b.User = nil
					base = b
					break
				}
			}
		}
		d, err := ParseDescription(res.Body, base)
		if err != nil {
			return nil, c.errorf(custodian.ErrorCode(err), "DESCRIBE", "SDP: %v", "SDP: %v", err)
		}
		c.wmu.Lock()
		c.aggregate = d.Control
		c.wmu.Unlock()
		return d, nil
	}
}

// Setup sets up one media on the next pair of TCP interleaved channels (0-1, 2-3 ...)
// and returns its RTP channel (RTCP is the next one). It keeps the session ID and its
// timeout (60 s when the reply states none).
func (c *Client) Setup(ctx context.Context, m Media) (uint8, error) {
	if c.channels > 254 {
		return 0, c.errorf(custodian.EINVALID, "SETUP", "미디어가 너무 많습니다", "too many media")
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
	id, params, _ := strings.Cut(res.Header.Get("Session"), ";")
	id = strings.TrimSpace(id)
	if id == "" {
		c.wmu.Lock()
		id = c.session // a later SETUP of the same session need not repeat it
		c.wmu.Unlock()
	}
	if id == "" {
		return 0, c.errorf(custodian.EINVALID, "SETUP", "응답에 Session이 없습니다", "the reply has no Session")
	}
	if c.sessionTimeout == 0 {
		c.sessionTimeout = 60 * time.Second
	}
	for _, p := range strings.Split(params, ";") {
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		if strings.EqualFold(k, "timeout") {
			if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n > 0 && n <= 3600 {
				c.sessionTimeout = time.Duration(n) * time.Second
			}
		}
	}
	c.wmu.Lock()
	c.session = id
	c.wmu.Unlock()
	// The server may choose other channels; it must keep to TCP.
	if tr := res.Header.Get("Transport"); tr != "" {
		if !strings.Contains(strings.ToUpper(tr), "TCP") && !strings.Contains(tr, "interleaved") {
			return 0, c.errorf(custodian.EINVALID, "SETUP", "카메라가 TCP가 아닌 전송을 골랐습니다: %q", "the camera chose a transport other than TCP: %q", clip(tr))
		}
		for _, p := range strings.Split(tr, ";") {
			k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
			if strings.EqualFold(k, "interleaved") {
				a, _, _ := strings.Cut(v, "-")
				if n, err := strconv.Atoi(strings.TrimSpace(a)); err == nil && n >= 0 && n < 255 {
					ch = n
				}
			}
		}
	}
	c.channels = ch + 2
	return uint8(ch), nil
}

// playURL is the aggregate control URL, else the presentation URL.
func (c *Client) playURL() *url.URL {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.playURLLocked()
}

func (c *Client) playURLLocked() *url.URL {
	if c.aggregate != nil {
		return c.aggregate
	}
	return c.u
}

// Play starts the media. Afterwards the client sends a keep-alive every half session
// timeout by itself (GET_PARAMETER when OPTIONS listed it, else OPTIONS); the replies are
// read by ReadPacket.
func (c *Client) Play(ctx context.Context) (*Response, error) {
	u := c.playURL()
	res, err := c.do(ctx, "PLAY", u, Header{{"Range", "npt=0.000-"}})
	if err != nil {
		return nil, err
	}
	if err := c.check("PLAY", res); err != nil {
		return nil, err
	}
	if !c.keepalives {
		every := c.sessionTimeout / 2
		if every <= 0 {
			every = 30 * time.Second
		}
		c.wmu.Lock()
		if strings.Contains(strings.ToUpper(c.public), "GET_PARAMETER") {
			c.kaMethod = "GET_PARAMETER"
		}
		c.wmu.Unlock()
		c.keepalives = true
		go c.keepalive(u, every)
	}
	return res, nil
}

func (c *Client) keepalive(u *url.URL, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-c.done:
			return
		case <-t.C:
			c.wmu.Lock()
			cseq, _, err := c.sendLocked(c.kaMethod, u, nil)
			c.kaCSeq = cseq
			c.wmu.Unlock()
			if err != nil {
				return // the reader sees the broken connection
			}
		}
	}
}

// ReadPacket returns the next interleaved frame; data is valid until the next call.
// RTSP messages in between are handled: replies to keep-alives are read (454 Session Not
// Found is an error; a refused GET_PARAMETER turns the keep-alive into OPTIONS; a 401
// renews the nonce), and requests from the server are answered. A camera that sends
// nothing for Timeout is an error.
func (c *Client) ReadPacket() (uint8, []byte, error) {
	for {
		if c.stopping.Load() {
			return 0, nil, c.drain()
		}
		c.conn.SetReadDeadline(time.Now().Add(c.cfg.Timeout))
		ch, data, res, err := c.readNext()
		if err != nil {
			if os.IsTimeout(err) {
				return 0, nil, c.errorf(custodian.EUNAVAILABLE, "PLAY", "%v 동안 영상이 오지 않았습니다", "no media for %v", c.cfg.Timeout)
			}
			return 0, nil, c.readErr("PLAY", err)
		}
		if res == nil {
			return ch, data, nil
		}
		if err := c.keepaliveReply(res); err != nil {
			return 0, nil, err
		}
	}
}

// keepaliveReply handles a reply read while playing.
func (c *Client) keepaliveReply(res *Response) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	method := c.kaMethod
	switch {
	case res.StatusCode >= 200 && res.StatusCode < 300:
	case res.StatusCode == 454:
		return c.errorf(custodian.EINVALID, method, "카메라가 세션을 끝냈습니다 (454 %s)", "the camera ended the session (454 %s)", clip(res.Reason))
	case res.StatusCode == 401:
		if ch, ok := pickChallenge(res.Header.Values("WWW-Authenticate")); ok && c.auth != nil && strings.EqualFold(ch.Scheme, c.auth.ch.Scheme) {
			c.auth.update(ch)
		}
	case method == "GET_PARAMETER" && res.Header.Get("CSeq") == strconv.Itoa(c.kaCSeq):
		c.kaMethod = "OPTIONS"
	}
	return nil
}

// WritePacket sends an interleaved frame (an RTCP receiver report).
func (c *Client) WritePacket(channel uint8, data []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.conn.SetWriteDeadline(time.Now().Add(c.cfg.Timeout))
	if err := WriteInterleaved(c.conn, channel, data); err != nil {
		return c.errorf(custodian.EUNAVAILABLE, "RTCP", "보낼 수 없습니다: %v", "cannot send: %v", cleanNetErr(err))
	}
	return nil
}

// Teardown ends the session (a no-op without one). Call it before Close when the
// connection is healthy and nothing else reads from it; from another goroutine, use Stop.
func (c *Client) Teardown(ctx context.Context) error {
	c.stopKeepalives()
	c.wmu.Lock()
	none := c.session == ""
	c.wmu.Unlock()
	if none {
		return nil
	}
	res, err := c.do(ctx, "TEARDOWN", c.playURL(), nil)
	c.wmu.Lock()
	c.session = ""
	c.wmu.Unlock()
	if err != nil {
		return err
	}
	return c.check("TEARDOWN", res)
}

// stopKeepalives ends the keep-alive goroutine (from any goroutine).
func (c *Client) stopKeepalives() {
	c.doneOnce.Do(func() { close(c.done) })
}

// stopGrace is how long Stop lets the camera take TEARDOWN and close the connection
// before closing it.
const stopGrace = 500 * time.Millisecond

// Stop ends a session from any goroutine, while another may be in ReadPacket or in a
// request. It sends TEARDOWN and half-closes the connection; a ReadPacket then drains
// what the camera still sends until the camera closes (at most stopGrace) and returns an
// error. Closing at once, with media unread, would reset the connection and could lose
// the TEARDOWN. The connection is closed after stopGrace in any case.
func (c *Client) Stop() error {
	c.stopKeepalives()
	c.wmu.Lock()
	c.closed = true
	conn := c.conn
	if c.session == "" {
		c.wmu.Unlock()
		return conn.Close()
	}
	c.stopping.Store(true)
	c.sendLocked("TEARDOWN", c.playURLLocked(), nil)
	c.session = ""
	c.wmu.Unlock()
	if hc, ok := conn.(interface{ CloseWrite() error }); ok {
		hc.CloseWrite()
	}
	conn.SetReadDeadline(time.Now().Add(stopGrace))
	time.AfterFunc(stopGrace, func() { conn.Close() })
	return nil
}

// drain reads until the camera closes the connection after Stop.
func (c *Client) drain() error {
	for {
		if _, _, _, err := c.readNext(); err != nil {
			return c.errorf(custodian.EINVALID, "PLAY", "세션을 끝냈습니다", "the session was stopped")
		}
	}
}

// Close closes the connection (without TEARDOWN).
func (c *Client) Close() error {
	c.stopKeepalives()
	c.wmu.Lock()
	c.closed = true
	conn := c.conn
	c.wmu.Unlock()
	return conn.Close()
}

// redactString removes user information ("//user:pass@") from a URL that may not parse.
func redactString(s string) string {
	if i := strings.Index(s, "//"); i >= 0 {
		rest := s[i+2:]
		end := strings.IndexAny(rest, "/?#")
		if end < 0 {
			end = len(rest)
		}
		if at := strings.LastIndexByte(rest[:end], '@'); at >= 0 {
			return s[:i+2] + rest[at+1:]
		}
	}
	return s
}
