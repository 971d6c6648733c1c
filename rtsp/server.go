package rtsp

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"custodian"
)

// ServerHandler serves the media of a Server.
type ServerHandler interface {
	// Describe returns the SDP for a path ("/cam1"); an error with code ENOTFOUND is 404.
	Describe(path string) ([]byte, error)
	// Play is called once a client has PLAYed a path; the handler sends with
	// sess.WritePackets until sess.Done() is closed, from its own goroutine, and returns
	// at once.
	Play(path string, sess *ServerSession) error
}

// Server is a small RTSP server: TCP interleaved transport only, one media per session.
// It is what the camera simulator and the tests serve cameras with.
type Server struct {
	Handler ServerHandler
	// User and Password, when set, are required (Digest or Basic).
	User, Password string
	// SessionTimeout closes a connection that sends nothing (no request, no RTCP) for
	// this long (60 s).
	SessionTimeout time.Duration
	Logf           func(format string, args ...any)

	mu        sync.Mutex
	listeners []net.Listener
	conns     map[net.Conn]bool
	closed    bool
	auth      *serverAuth
	authOnce  sync.Once
}

// ServerSession is a playing session: where the handler writes packets.
type ServerSession struct {
	conn    net.Conn
	mu      *sync.Mutex // shared with the connection's responses; guards hdrs and vec
	channel uint8
	done    chan struct{}
	once    sync.Once
	hdrs    []byte   // the frames' 4-byte headers
	vec     [][]byte // headers and packets, for one writev
}

// WritePackets writes pkts as interleaved frames on channel with one gathering write
// (writev: one system call for up to 512 packets, the packets not copied), under the lock
// the connection's responses take. It fails once the client is gone or has not read for
// 10 s, and for a packet over MaxFrame bytes.
func (s *ServerSession) WritePackets(channel uint8, pkts [][]byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	select {
	case <-s.done:
		return net.ErrClosed
	default:
	}
	hdrs := s.hdrs[:0]
	for _, p := range pkts {
		if len(p) > MaxFrame {
			return custodian.Errorf(custodian.EINVALID, "패킷 %d바이트가 너무 큽니다 (최대 %d)", "a packet of %d bytes is too large (at most %d)", len(p), MaxFrame)
		}
		hdrs = append(hdrs, '$', channel, byte(len(p)>>8), byte(len(p)))
	}
	vec := s.vec[:0]
	for i, p := range pkts {
		vec = append(vec, hdrs[4*i:4*i+4], p)
	}
	s.hdrs, s.vec = hdrs, vec
	s.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
	bufs := net.Buffers(vec)
	_, err := bufs.WriteTo(s.conn)
	clear(vec) // no references to the handler's packets are kept
	if err != nil {
		s.close()
		return err
	}
	return nil
}

// Done is closed when the session ends.
func (s *ServerSession) Done() <-chan struct{} { return s.done }

// RTPChannel is the interleaved channel the client chose for RTP.
func (s *ServerSession) RTPChannel() uint8 { return s.channel }

// Close ends the session and its connection.
func (s *ServerSession) Close() error {
	s.close()
	return nil
}

func (s *ServerSession) close() {
	s.once.Do(func() {
		close(s.done)
		s.conn.Close()
	})
}

func (s *Server) logf(format string, args ...any) {
	if s.Logf != nil {
		s.Logf(format, args...)
	}
}

// Serve accepts connections on l until Close.
func (s *Server) Serve(l net.Listener) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return net.ErrClosed
	}
	s.listeners = append(s.listeners, l)
	if s.conns == nil {
		s.conns = map[net.Conn]bool{}
	}
	s.mu.Unlock()
	for {
		c, err := l.Accept()
		if err != nil {
			s.mu.Lock()
			closed := s.closed
			s.mu.Unlock()
			if closed {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				time.Sleep(10 * time.Millisecond)
				continue
			}
			return err
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			c.Close()
			return nil
		}
		s.conns[c] = true
		s.mu.Unlock()
		go s.serveConn(c)
	}
}

// Close stops the server and closes every connection.
func (s *Server) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	for _, l := range s.listeners {
		l.Close()
	}
	for c := range s.conns {
		c.Close()
	}
	return nil
}

// connState is one connection's RTSP state.
type connState struct {
	s       *Server
	conn    net.Conn
	br      *bufio.Reader
	mu      sync.Mutex // guards writes to conn
	session string
	path    string // what DESCRIBE or SETUP named
	channel uint8
	setup   bool
	play    *ServerSession
}

func (s *Server) serveConn(c net.Conn) {
	// A connection costs its goroutine and this 4 KiB reader; responses and media are
	// written straight to the connection (no write buffer).
	cs := &connState{s: s, conn: c, br: bufio.NewReaderSize(c, 4<<10)}
	defer func() {
		if cs.play != nil {
			cs.play.close()
		}
		c.Close()
		s.mu.Lock()
		delete(s.conns, c)
		s.mu.Unlock()
	}()
	timeout := s.SessionTimeout
	if timeout <= 0 {
		timeout = 60 * time.Second
	}
	buf := make([]byte, 0, 2048)
	for {
		c.SetReadDeadline(time.Now().Add(timeout))
		b, err := cs.br.Peek(1)
		if err != nil {
			if os.IsTimeout(err) {
				s.logf("%s: session timed out", c.RemoteAddr())
			}
			return
		}
		if b[0] == '$' {
			// RTCP from the client: read and dropped (it keeps the session alive).
			if _, buf, err = ReadInterleaved(cs.br, buf); err != nil {
				return
			}
			buf = buf[:0]
			continue
		}
		req, err := ReadRequest(cs.br)
		if err != nil {
			s.logf("%s: %v", c.RemoteAddr(), err)
			cs.reply(&Request{}, &Response{StatusCode: 400})
			return
		}
		if !cs.handle(req) {
			return
		}
	}
}

func (cs *connState) reply(req *Request, res *Response) {
	res.Header = append(Header{{"CSeq", req.Header.Get("CSeq")}}, res.Header...)
	if cs.session != "" && res.Header.Get("Session") == "" {
		res.Header.Add("Session", cs.session)
	}
	cs.mu.Lock()
	defer cs.mu.Unlock()
	cs.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
	res.Write(cs.conn) // one Write call
}

// handle answers one request; false ends the connection.
func (cs *connState) handle(req *Request) bool {
	s := cs.s
	if s.User != "" && req.Method != "OPTIONS" {
		s.authOnce.Do(func() { s.auth = newServerAuth(s.User, s.Password) })
		if !s.auth.ok(req.Method, req.Header) {
			h := Header{}
			for _, ch := range s.auth.challenges() {
				h.Add("WWW-Authenticate", ch)
			}
			cs.reply(req, &Response{StatusCode: 401, Header: h})
			return true
		}
	}
	if id := req.Header.Get("Session"); id != "" && req.Method != "SETUP" {
		if id, _, _ = strings.Cut(id, ";"); strings.TrimSpace(id) != cs.session {
			cs.reply(req, &Response{StatusCode: 454})
			return true
		}
	}
	switch req.Method {
	case "OPTIONS":
		cs.reply(req, &Response{StatusCode: 200, Header: Header{{"Public", "OPTIONS, DESCRIBE, SETUP, PLAY, GET_PARAMETER, SET_PARAMETER, TEARDOWN"}}})
	case "DESCRIBE":
		sdp, err := s.Handler.Describe(req.URL.Path)
		if err != nil {
			code := 500
			if custodian.ErrorCode(err) == custodian.ENOTFOUND {
				code = 404
			}
			cs.reply(req, &Response{StatusCode: code})
			return true
		}
		cs.path = req.URL.Path
		base := *req.URL
		base.User = nil
		if !strings.HasSuffix(base.Path, "/") {
			base.Path += "/"
		}
		cs.reply(req, &Response{StatusCode: 200, Header: Header{{"Content-Type", "application/sdp"}, {"Content-Base", base.String()}}, Body: sdp})
	case "SETUP":
		if cs.play != nil || cs.setup {
			// One media per session: a second SETUP (an audio track) is refused.
			cs.reply(req, &Response{StatusCode: 455})
			return true
		}
		tr := req.Header.Get("Transport")
		ch := -1
		if strings.Contains(strings.ToUpper(tr), "RTP/AVP/TCP") {
			ch = 0
			for _, p := range strings.Split(tr, ";") {
				k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
				if strings.EqualFold(k, "interleaved") {
					a, _, _ := strings.Cut(v, "-")
					if n, err := strconv.Atoi(a); err == nil && n >= 0 && n < 254 {
						ch = n
					}
				}
			}
		}
		if ch < 0 {
			cs.reply(req, &Response{StatusCode: 461})
			return true
		}
		if cs.path == "" {
			// No DESCRIBE on this connection: the media's path is the URL less its
			// last element (the track's control).
			p := strings.TrimSuffix(req.URL.Path, "/")
			if i := strings.LastIndexByte(p, '/'); i > 0 {
				p = p[:i]
			}
			cs.path = p
		}
		if _, err := s.Handler.Describe(cs.path); err != nil {
			cs.reply(req, &Response{StatusCode: 404})
			return true
		}
		if cs.session == "" {
			b := make([]byte, 8)
			rand.Read(b)
			cs.session = hex.EncodeToString(b)
		}
		cs.channel, cs.setup = uint8(ch), true
		timeout := max(1, int(cs.s.timeout().Seconds()))
		cs.reply(req, &Response{StatusCode: 200, Header: Header{
			{"Transport", fmt.Sprintf("RTP/AVP/TCP;unicast;interleaved=%d-%d", ch, ch+1)},
			{"Session", fmt.Sprintf("%s;timeout=%d", cs.session, timeout)},
		}})
	case "PLAY":
		if !cs.setup || req.Header.Get("Session") == "" {
			cs.reply(req, &Response{StatusCode: 454})
			return true
		}
		if cs.play != nil {
			cs.reply(req, &Response{StatusCode: 200})
			return true
		}
		cs.reply(req, &Response{StatusCode: 200, Header: Header{{"Range", "npt=0.000-"}}})
		cs.play = &ServerSession{conn: cs.conn, mu: &cs.mu, channel: cs.channel, done: make(chan struct{})}
		if err := s.Handler.Play(cs.path, cs.play); err != nil {
			s.logf("%s: play %s: %v", cs.conn.RemoteAddr(), cs.path, err)
			return false
		}
	case "GET_PARAMETER", "SET_PARAMETER":
		cs.reply(req, &Response{StatusCode: 200})
	case "TEARDOWN":
		cs.reply(req, &Response{StatusCode: 200})
		return false
	default:
		cs.reply(req, &Response{StatusCode: 501})
	}
	return true
}

func (s *Server) timeout() time.Duration {
	if s.SessionTimeout <= 0 {
		return 60 * time.Second
	}
	return s.SessionTimeout
}
