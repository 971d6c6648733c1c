package rtsp

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"

	"custodian"
)

// Limits on what is read from the network.
const (
	MaxLine    = 4096      // bytes of a start line or header line
	MaxHeaders = 64        // header lines of one message
	MaxBody    = 64 << 10  // bytes of a message body (Content-Length)
	MaxFrame   = 1<<16 - 1 // bytes of an interleaved frame (its 16-bit length)
)

// Field is one header line.
type Field struct{ Name, Value string }

// Header is a message's header lines in order. Names compare case-insensitively; they are
// written as given (some cameras are particular about "CSeq").
type Header []Field

// Get returns the first value of name, or "".
func (h Header) Get(name string) string {
	for _, f := range h {
		if strings.EqualFold(f.Name, name) {
			return f.Value
		}
	}
	return ""
}

// Values returns every value of name.
func (h Header) Values(name string) []string {
	var out []string
	for _, f := range h {
		if strings.EqualFold(f.Name, name) {
			out = append(out, f.Value)
		}
	}
	return out
}

// Set replaces every value of name with value.
func (h *Header) Set(name, value string) {
	h.Del(name)
	*h = append(*h, Field{name, value})
}

// Add appends a value.
func (h *Header) Add(name, value string) { *h = append(*h, Field{name, value}) }

// Del removes every value of name.
func (h *Header) Del(name string) {
	out := (*h)[:0]
	for _, f := range *h {
		if !strings.EqualFold(f.Name, name) {
			out = append(out, f)
		}
	}
	*h = out
}

// Request is an RTSP request.
type Request struct {
	Method string
	URL    *url.URL
	Header Header
	Body   []byte
}

// Response is an RTSP response.
type Response struct {
	StatusCode int
	Reason     string
	Header     Header
	Body       []byte
}

// Write writes the request in one Write call. The URL is written without user
// information; header values have CR and LF replaced by spaces; Content-Length is that of
// Body (any Content-Length in Header is ignored).
func (r *Request) Write(w io.Writer) error {
	u := Redact(r.URL)
	if u == "" || strings.ContainsAny(u, " \r\n") || !validMethod(r.Method) {
		return custodian.Errorf(custodian.EINVALID, "RTSP 요청에 메서드나 URL이 없습니다", "an RTSP request without a valid method or URL")
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s RTSP/1.0\r\n", r.Method, u)
	if err := writeHeader(&b, r.Header, r.Body); err != nil {
		return err
	}
	_, err := w.Write(b.Bytes())
	return err
}

// Write writes the response in one Write call (Content-Length as for Request.Write).
func (r *Response) Write(w io.Writer) error {
	if r.StatusCode < 100 || r.StatusCode > 999 {
		return custodian.Errorf(custodian.EINVALID, "RTSP 상태 코드 %d가 잘못되었습니다", "bad RTSP status code %d", r.StatusCode)
	}
	var b bytes.Buffer
	reason := r.Reason
	if reason == "" {
		reason = StatusText(r.StatusCode)
	}
	fmt.Fprintf(&b, "RTSP/1.0 %03d %s\r\n", r.StatusCode, oneLine.Replace(reason))
	if err := writeHeader(&b, r.Header, r.Body); err != nil {
		return err
	}
	_, err := w.Write(b.Bytes())
	return err
}

var oneLine = strings.NewReplacer("\r", " ", "\n", " ")

func writeHeader(b *bytes.Buffer, h Header, body []byte) error {
	for _, f := range h {
		if !validToken(f.Name) {
			return custodian.Errorf(custodian.EINVALID, "RTSP 헤더 이름 %q가 잘못되었습니다", "bad RTSP header name %q", clip(f.Name))
		}
		if strings.EqualFold(f.Name, "Content-Length") {
			continue
		}
		fmt.Fprintf(b, "%s: %s\r\n", f.Name, oneLine.Replace(f.Value))
	}
	if len(body) > 0 {
		fmt.Fprintf(b, "Content-Length: %d\r\n", len(body))
	}
	b.WriteString("\r\n")
	b.Write(body)
	return nil
}

// StatusText returns the reason phrase of an RTSP status code.
func StatusText(code int) string {
	switch code {
	case 200:
		return "OK"
	case 301:
		return "Moved Permanently"
	case 302:
		return "Moved Temporarily"
	case 303:
		return "See Other"
	case 305:
		return "Use Proxy"
	case 307:
		return "Temporary Redirect"
	case 400:
		return "Bad Request"
	case 401:
		return "Unauthorized"
	case 403:
		return "Forbidden"
	case 404:
		return "Not Found"
	case 405:
		return "Method Not Allowed"
	case 454:
		return "Session Not Found"
	case 455:
		return "Method Not Valid in This State"
	case 451:
		return "Parameter Not Understood"
	case 457:
		return "Invalid Range"
	case 459:
		return "Aggregate Operation Not Allowed"
	case 461:
		return "Unsupported Transport"
	case 500:
		return "Internal Server Error"
	case 501:
		return "Not Implemented"
	case 503:
		return "Service Unavailable"
	}
	return "Status " + strconv.Itoa(code)
}

// malformed is the error about a malformed message (code EINVALID).
func malformed(ko, en string, args ...any) error {
	return custodian.Errorf(custodian.EINVALID, "잘못된 RTSP 메시지: "+ko, "malformed RTSP message: "+en, args...)
}

// readLine reads one line of at most MaxLine bytes, without its CRLF or LF.
func readLine(br *bufio.Reader) (string, error) {
	var line []byte
	for {
		part, err := br.ReadSlice('\n')
		line = append(line, part...)
		if len(line) > MaxLine {
			return "", malformed("줄이 %d바이트보다 깁니다", "a line is longer than %d bytes", MaxLine)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			if err == io.EOF && len(line) > 0 {
				return "", io.ErrUnexpectedEOF
			}
			return "", err
		}
		line = bytes.TrimSuffix(line[:len(line)-1], []byte("\r"))
		if bytes.IndexByte(line, '\r') >= 0 || bytes.IndexByte(line, 0) >= 0 {
			return "", malformed("줄 %q에 CR이나 NUL이 있습니다", "the line %q holds a CR or NUL", clip(string(line)))
		}
		return string(line), nil
	}
}

// readHeaderBody reads header lines up to the empty line, then the body. A line that
// begins with a space or tab continues the previous one (RFC 2326 §4.2, after RFC 2616);
// whitespace before the colon is tolerated (some cameras write "CSeq :").
func (h *Header) read(br *bufio.Reader) error {
	for {
		line, err := readLine(br)
		if err != nil {
			return err
		}
		if line == "" {
			return nil
		}
		if line[0] == ' ' || line[0] == '\t' {
			if len(*h) == 0 {
				return malformed("첫 헤더 줄이 공백으로 시작합니다", "the first header line begins with whitespace")
			}
			last := &(*h)[len(*h)-1]
			if len(last.Value)+len(line) > MaxLine {
				return malformed("헤더 %q가 %d바이트보다 깁니다", "the header %q is longer than %d bytes", clip(last.Name), MaxLine)
			}
			last.Value = strings.TrimSpace(last.Value + " " + strings.TrimSpace(line))
			continue
		}
		if len(*h) >= MaxHeaders {
			return malformed("헤더가 %d줄보다 많습니다", "more than %d header lines", MaxHeaders)
		}
		name, value, ok := strings.Cut(line, ":")
		name = strings.TrimRight(name, " \t")
		if !ok || !validToken(name) {
			return malformed("헤더 줄 %q를 읽을 수 없습니다", "cannot read the header line %q", clip(line))
		}
		*h = append(*h, Field{name, strings.TrimSpace(value)})
	}
}

// validToken reports whether s is a non-empty run of visible ASCII other than ':'.
func validToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f || c == ':' {
			return false
		}
	}
	return true
}

// validMethod reports whether s is a method name: upper-case letters and '_' (RFC 2326
// allows any token; every method in use is of this form).
func validMethod(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < 'A' || c > 'Z') && c != '_' {
			return false
		}
	}
	return true
}

func readHeaderBody(br *bufio.Reader) (Header, []byte, error) {
	var h Header
	if err := h.read(br); err != nil {
		return nil, nil, err
	}
	var body []byte
	if cl := h.Get("Content-Length"); cl != "" {
		n, err := strconv.Atoi(cl)
		if err != nil || n < 0 || cl[0] == '+' {
			return nil, nil, malformed("Content-Length %q가 잘못되었습니다", "bad Content-Length %q", clip(cl))
		}
		if n > MaxBody {
			return nil, nil, malformed("본문 %d바이트가 한도 %d바이트를 넘습니다", "a body of %d bytes is over the limit of %d", n, MaxBody)
		}
		body = make([]byte, n)
		if _, err := io.ReadFull(br, body); err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, nil, err
		}
	}
	return h, body, nil
}

func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}

// ReadResponse reads a response.
func ReadResponse(br *bufio.Reader) (*Response, error) {
	line, err := readLine(br)
	if err != nil {
		return nil, err
	}
	proto, rest, ok := strings.Cut(line, " ")
	if !ok || proto != "RTSP/1.0" {
		return nil, malformed("응답의 첫 줄 %q가 RTSP/1.0이 아닙니다", "the status line %q is not RTSP/1.0", clip(line))
	}
	codeStr, reason, _ := strings.Cut(rest, " ")
	code, err := strconv.Atoi(codeStr)
	if err != nil || len(codeStr) != 3 || code < 100 {
		return nil, malformed("상태 코드 %q가 잘못되었습니다", "bad status code %q", clip(codeStr))
	}
	h, body, err := readHeaderBody(br)
	if err != nil {
		return nil, err
	}
	return &Response{StatusCode: code, Reason: strings.TrimSpace(reason), Header: h, Body: body}, nil
}

// ReadRequest reads a request.
func ReadRequest(br *bufio.Reader) (*Request, error) {
	line, err := readLine(br)
	if err != nil {
		return nil, err
	}
	parts := strings.Split(line, " ")
	if len(parts) != 3 {
		return nil, malformed("요청의 첫 줄 %q가 'METHOD URL RTSP/1.0'이 아닙니다", "the request line %q is not 'METHOD URL RTSP/1.0'", clip(line))
	}
	if parts[2] != "RTSP/1.0" {
		return nil, malformed("요청의 버전 %q가 RTSP/1.0이 아닙니다", "the request's version %q is not RTSP/1.0", clip(parts[2]))
	}
	if !validMethod(parts[0]) {
		return nil, malformed("메서드 %q가 잘못되었습니다", "bad method %q", clip(parts[0]))
	}
	// The Request-URI is "*" or absolute (RFC 2326 §6.1).
	u, err := url.Parse(parts[1])
	if err != nil || parts[1] != "*" && u.Scheme == "" {
		return nil, malformed("URL %q를 읽을 수 없습니다", "cannot parse the URL %q", clip(parts[1]))
	}
	h, body, err := readHeaderBody(br)
	if err != nil {
		return nil, err
	}
	return &Request{Method: parts[0], URL: u, Header: h, Body: body}, nil
}

// WriteInterleaved writes data as an interleaved frame on channel ('$', channel, length).
func WriteInterleaved(w io.Writer, channel uint8, data []byte) error {
	if len(data) > MaxFrame {
		return custodian.Errorf(custodian.EINVALID, "프레임 %d바이트가 너무 큽니다", "a frame of %d bytes is too large", len(data))
	}
	hdr := [4]byte{'$', channel, byte(len(data) >> 8), byte(len(data))}
	if _, err := w.Write(hdr[:]); err != nil {
		return err
	}
	_, err := w.Write(data)
	return err
}

// ReadInterleaved reads an interleaved frame into buf (grown as needed) and returns its
// channel and data (a slice of buf). The first byte must be '$'.
func ReadInterleaved(br *bufio.Reader, buf []byte) (uint8, []byte, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(br, hdr[:]); err != nil {
		return 0, nil, err
	}
	if hdr[0] != '$' {
		return 0, nil, malformed("인터리브 프레임이 '$'로 시작하지 않습니다", "an interleaved frame does not start with '$'")
	}
	n := int(hdr[2])<<8 | int(hdr[3])
	if cap(buf) < n {
		buf = make([]byte, n, MaxFrame)
	}
	buf = buf[:n]
	if _, err := io.ReadFull(br, buf); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return 0, nil, err
	}
	return hdr[1], buf, nil
}

// Redact returns u's string without user information.
func Redact(u *url.URL) string {
	if u == nil {
		return ""
	}
	if u.User == nil {
		return u.String()
	}
	c := *u
	c.User = nil
	return c.String()
}
