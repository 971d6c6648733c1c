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

// Write writes the request. The URL is written without user information.
func (r *Request) Write(w io.Writer) error {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s RTSP/1.0\r\n", r.Method, Redact(r.URL))
	writeHeader(&b, r.Header, r.Body)
	_, err := w.Write(b.Bytes())
	return err
}

// Write writes the response.
func (r *Response) Write(w io.Writer) error {
	var b bytes.Buffer
	reason := r.Reason
	if reason == "" {
		reason = StatusText(r.StatusCode)
	}
	fmt.Fprintf(&b, "RTSP/1.0 %d %s\r\n", r.StatusCode, reason)
	writeHeader(&b, r.Header, r.Body)
	_, err := w.Write(b.Bytes())
	return err
}

func writeHeader(b *bytes.Buffer, h Header, body []byte) {
	for _, f := range h {
		if strings.EqualFold(f.Name, "Content-Length") {
			continue
		}
		fmt.Fprintf(b, "%s: %s\r\n", f.Name, strings.NewReplacer("\r", " ", "\n", " ").Replace(f.Value))
	}
	if len(body) > 0 {
		fmt.Fprintf(b, "Content-Length: %d\r\n", len(body))
	}
	b.WriteString("\r\n")
	b.Write(body)
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
		return strings.TrimRight(string(line), "\r\n"), nil
	}
}

// readHeaderBody reads header lines up to the empty line, then the body.
func readHeaderBody(br *bufio.Reader) (Header, []byte, error) {
	var h Header
	for {
		line, err := readLine(br)
		if err != nil {
			return nil, nil, err
		}
		if line == "" {
			break
		}
		if len(h) >= MaxHeaders {
			return nil, nil, malformed("헤더가 %d줄보다 많습니다", "more than %d header lines", MaxHeaders)
		}
		name, value, ok := strings.Cut(line, ":")
		if !ok || strings.TrimSpace(name) == "" || strings.ContainsAny(name, " \t") {
			return nil, nil, malformed("헤더 줄 %q를 읽을 수 없습니다", "cannot read the header line %q", clip(line))
		}
		h = append(h, Field{name, strings.TrimSpace(value)})
	}
	var body []byte
	if cl := h.Get("Content-Length"); cl != "" {
		n, err := strconv.Atoi(strings.TrimSpace(cl))
		if err != nil || n < 0 {
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
	if err != nil || code < 100 || code > 999 {
		return nil, malformed("상태 코드 %q가 잘못되었습니다", "bad status code %q", clip(codeStr))
	}
	h, body, err := readHeaderBody(br)
	if err != nil {
		return nil, err
	}
	return &Response{StatusCode: code, Reason: reason, Header: h, Body: body}, nil
}

// ReadRequest reads a request.
func ReadRequest(br *bufio.Reader) (*Request, error) {
	line, err := readLine(br)
	if err != nil {
		return nil, err
	}
	parts := strings.Split(line, " ")
	if len(parts) != 3 || parts[2] != "RTSP/1.0" {
		return nil, malformed("요청의 첫 줄 %q가 'METHOD URL RTSP/1.0'이 아닙니다", "the request line %q is not 'METHOD URL RTSP/1.0'", clip(line))
	}
	if parts[0] == "" || strings.IndexFunc(parts[0], func(r rune) bool { return r < 'A' || r > 'Z' }) >= 0 && parts[0] != "GET_PARAMETER" && parts[0] != "SET_PARAMETER" {
		return nil, malformed("메서드 %q가 잘못되었습니다", "bad method %q", clip(parts[0]))
	}
	u, err := url.Parse(parts[1])
	if err != nil {
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
