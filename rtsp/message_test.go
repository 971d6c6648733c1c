package rtsp_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/url"
	"strings"
	"testing"

	"custodian/rtsp"
)

func readResponse(s string) (*rtsp.Response, error) {
	return rtsp.ReadResponse(bufio.NewReader(strings.NewReader(s)))
}

func TestReadResponseRefuses(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"HTTP/1.1 200 OK\r\n\r\n", "not RTSP/1.0"},
		{"RTSP/2.0 200 OK\r\n\r\n", "not RTSP/1.0"},
		{"RTSP/1.0 abc OK\r\n\r\n", "bad status code"},
		{"RTSP/1.0 20 OK\r\n\r\n", "bad status code"},
		{"RTSP/1.0 200 OK\r\nContent-Length: 65537\r\n\r\n", "over the limit"},
		{"RTSP/1.0 200 OK\r\nContent-Length: -1\r\n\r\n", "bad Content-Length"},
		{"RTSP/1.0 200 OK\r\nContent-Length: +1\r\n\r\nx", "bad Content-Length"},
		{"RTSP/1.0 200 OK\r\nbad header\r\n\r\n", "cannot read the header line"},
		{"RTSP/1.0 200 OK\r\n: empty name\r\n\r\n", "cannot read the header line"},
		{"RTSP/1.0 200 OK\r\n continued\r\n\r\n", "begins with whitespace"},
		{"RTSP/1.0 200 OK\r\nX-A: b\rc\r\n\r\n", "CR or NUL"},
		{"RTSP/1.0 200 OK\r\n" + strings.Repeat("X-A: b\r\n", 65) + "\r\n", "more than 64 header lines"},
		{"RTSP/1.0 200 " + strings.Repeat("x", 5000) + "\r\n\r\n", "longer than 4096 bytes"},
		{"RTSP/1.0 200 OK\r\nX-A: " + strings.Repeat("x", 4000) + "\r\n " + strings.Repeat("y", 200) + "\r\n\r\n", "longer than 4096 bytes"},
	} {
		if _, err := readResponse(tc.in); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.in[:min(len(tc.in), 50)], err, tc.want)
		}
	}
	for _, in := range []string{"", "RTSP/1.0 200 OK\r\n", "RTSP/1.0 200 OK\r\nContent-Length: 10\r\n\r\nshort", "RTSP/1.0 200 OK\r\nCSeq: 1"} {
		if _, err := readResponse(in); err != io.EOF && err != io.ErrUnexpectedEOF {
			t.Errorf("%q: %v, want EOF", in, err)
		}
	}
}

func TestReadResponse(t *testing.T) {
	// The limits themselves are allowed.
	res, err := readResponse("RTSP/1.0 200 OK\r\n" + strings.Repeat("X-A: b\r\n", 64) + fmt.Sprintf("Content-Length: %d\r\n\r\n", 0))
	if err == nil {
		t.Errorf("65 header lines accepted")
	}
	res, err = readResponse("RTSP/1.0 200 OK\r\n" + strings.Repeat("X-A: b\r\n", 63) + fmt.Sprintf("Content-Length: %d\r\n\r\n", 65536) + strings.Repeat("z", 65536))
	if err != nil || len(res.Header) != 64 || len(res.Body) != 65536 {
		t.Fatalf("at the limits: %v", err)
	}
	// LF line ends, a folded header, "Name :", any case, no reason phrase.
	res, err = readResponse("RTSP/1.0 401\nCSeq : 2\nWWW-Authenticate: Digest realm=\"r\",\n\tnonce=\"n\"\ncontent-length: 4\n\nbodyRTSP/1.0")
	if err != nil || res.StatusCode != 401 || res.Reason != "" || res.Header.Get("cseq") != "2" || string(res.Body) != "body" ||
		res.Header.Get("WWW-AUTHENTICATE") != `Digest realm="r", nonce="n"` {
		t.Fatalf("%+v %v", res, err)
	}
	// Written back: order kept, names as given, Content-Length from the body, values on
	// one line.
	res = &rtsp.Response{StatusCode: 200, Header: rtsp.Header{{Name: "CSeq", Value: "7"}, {Name: "Content-Length", Value: "999"},
		{Name: "Session", Value: "abc\r\nX-Injected: 1"}, {Name: "Public", Value: "OPTIONS"}}, Body: []byte("xyz")}
	var b bytes.Buffer
	if err := res.Write(&b); err != nil {
		t.Fatal(err)
	}
	want := "RTSP/1.0 200 OK\r\nCSeq: 7\r\nSession: abc  X-Injected: 1\r\nPublic: OPTIONS\r\nContent-Length: 3\r\n\r\nxyz"
	if b.String() != want {
		t.Errorf("wrote %q\nwant  %q", b.String(), want)
	}
	for _, bad := range []*rtsp.Response{{StatusCode: 0}, {StatusCode: 200, Header: rtsp.Header{{Name: "Bad Name", Value: "x"}}}} {
		if err := bad.Write(io.Discard); err == nil {
			t.Errorf("wrote %+v", bad)
		}
	}
	var h rtsp.Header
	h.Add("A", "1")
	h.Add("b", "2")
	h.Add("a", "3")
	h.Set("B", "4")
	h.Del("nothing")
	if h.Get("a") != "1" || strings.Join(h.Values("A"), ",") != "1,3" || len(h) != 3 || h[2].Name != "B" || h.Get("b") != "4" {
		t.Errorf("header %v", h)
	}
}

func TestRequest(t *testing.T) {
	var b bytes.Buffer
	u, _ := url.Parse("rtsp://user:secret@h:8554/x?y=1")
	req := &rtsp.Request{Method: "GET_PARAMETER", URL: u, Header: rtsp.Header{{Name: "CSeq", Value: "1"}}, Body: []byte("p")}
	if err := req.Write(&b); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "secret") || !strings.HasPrefix(b.String(), "GET_PARAMETER rtsp://h:8554/x?y=1 RTSP/1.0\r\n") {
		t.Errorf("wrote %q", b.String())
	}
	got, err := rtsp.ReadRequest(bufio.NewReader(&b))
	if err != nil || got.Method != "GET_PARAMETER" || got.URL.String() != "rtsp://h:8554/x?y=1" || got.Header.Get("CSeq") != "1" || string(got.Body) != "p" {
		t.Fatalf("%+v %v", got, err)
	}
	for _, tc := range []struct{ in, want string }{
		{"DESCRIBE rtsp://h/x HTTP/1.1\r\n\r\n", "not RTSP/1.0"},
		{"DESCRIBE rtsp://h/x\r\n\r\n", "not 'METHOD URL RTSP/1.0'"},
		{"DESCRIBE  rtsp://h/x RTSP/1.0\r\n\r\n", "not 'METHOD URL RTSP/1.0'"},
		{"describe rtsp://h/x RTSP/1.0\r\n\r\n", "bad method"},
		{"DESCRIBE %zz RTSP/1.0\r\n\r\n", "cannot parse the URL"},
		{"DESCRIBE /relative RTSP/1.0\r\n\r\n", "cannot parse the URL"},
	} {
		if _, err := rtsp.ReadRequest(bufio.NewReader(strings.NewReader(tc.in))); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.in, err, tc.want)
		}
	}
	if err := (&rtsp.Request{Method: "PLAY"}).Write(io.Discard); err == nil {
		t.Error("wrote a request without a URL")
	}
}

func TestInterleaved(t *testing.T) {
	var b bytes.Buffer
	big := bytes.Repeat([]byte{7}, rtsp.MaxFrame)
	for i, d := range [][]byte{[]byte("abc"), {}, big} {
		if err := rtsp.WriteInterleaved(&b, uint8(i), d); err != nil {
			t.Fatal(err)
		}
	}
	if err := rtsp.WriteInterleaved(&b, 0, make([]byte, rtsp.MaxFrame+1)); err == nil {
		t.Error("a frame over 65535 bytes written")
	}
	br := bufio.NewReader(&b)
	buf := make([]byte, 0, rtsp.MaxFrame)
	for i, want := range [][]byte{[]byte("abc"), {}, big} {
		ch, d, err := rtsp.ReadInterleaved(br, buf)
		if err != nil || int(ch) != i || !bytes.Equal(d, want) {
			t.Fatalf("frame %d: %d %d bytes %v", i, ch, len(d), err)
		}
		if &d[:1][0] != &buf[:1][0] {
			t.Errorf("frame %d not read into the buffer given", i)
		}
	}
	if _, _, err := rtsp.ReadInterleaved(bufio.NewReader(strings.NewReader("RTSP/1.0")), nil); err == nil || !strings.Contains(err.Error(), "'$'") {
		t.Errorf("not a frame: %v", err)
	}
	if _, _, err := rtsp.ReadInterleaved(bufio.NewReader(strings.NewReader("$\x00\x00\x05abc")), nil); err != io.ErrUnexpectedEOF {
		t.Errorf("a cut frame: %v", err)
	}
}
