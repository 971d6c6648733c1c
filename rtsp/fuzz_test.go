package rtsp_test

import (
	"bufio"
	"bytes"
	"net/url"
	"slices"
	"strings"
	"testing"

	"custodian/rtsp"
)

// The fuzzers read untrusted network input: a camera's responses and session
// descriptions, a client's requests, authentication challenges, interleaved frames. None
// may panic, what is read is bounded, and what is read can be written and read back the
// same. Seed corpora are in testdata/fuzz/<Name>/.

// withoutLength is h less Content-Length (which Write computes from the body).
func withoutLength(h rtsp.Header) rtsp.Header {
	return slices.DeleteFunc(slices.Clone(h), func(f rtsp.Field) bool { return strings.EqualFold(f.Name, "Content-Length") })
}

func FuzzReadResponse(f *testing.F) {
	f.Add([]byte("RTSP/1.0 200 OK\r\nCSeq: 1\r\nContent-Length: 4\r\n\r\nbody"))
	f.Fuzz(func(t *testing.T, data []byte) {
		br := bufio.NewReader(bytes.NewReader(data))
		for i := 0; i < 4; i++ {
			res, err := rtsp.ReadResponse(br)
			if err != nil {
				return
			}
			if len(res.Body) > rtsp.MaxBody || len(res.Header) > rtsp.MaxHeaders {
				t.Fatalf("over the limits: %d bytes, %d headers", len(res.Body), len(res.Header))
			}
			var b bytes.Buffer
			if err := res.Write(&b); err != nil {
				t.Fatal(err)
			}
			again, err := rtsp.ReadResponse(bufio.NewReader(&b))
			if err != nil {
				t.Fatalf("cannot read back %q: %v", b.String(), err)
			}
			if again.StatusCode != res.StatusCode || (res.Reason != "" && again.Reason != res.Reason) ||
				!slices.Equal(withoutLength(again.Header), withoutLength(res.Header)) || !bytes.Equal(again.Body, res.Body) {
				t.Fatalf("read back differently:\n%+v\n%+v", res, again)
			}
		}
	})
}

func FuzzReadRequest(f *testing.F) {
	f.Add([]byte("DESCRIBE rtsp://h/x RTSP/1.0\r\nCSeq: 2\r\n\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		br := bufio.NewReader(bytes.NewReader(data))
		for i := 0; i < 4; i++ {
			req, err := rtsp.ReadRequest(br)
			if err != nil {
				return
			}
			if len(req.Body) > rtsp.MaxBody || len(req.Header) > rtsp.MaxHeaders {
				t.Fatal("over the limits")
			}
			var b bytes.Buffer
			if err := req.Write(&b); err != nil {
				t.Fatal(err)
			}
			again, err := rtsp.ReadRequest(bufio.NewReader(&b))
			if err != nil {
				t.Fatalf("cannot read back %q: %v", b.String(), err)
			}
			if again.Method != req.Method || again.URL.User != nil ||
				!slices.Equal(withoutLength(again.Header), withoutLength(req.Header)) || !bytes.Equal(again.Body, req.Body) {
				t.Fatalf("read back differently:\n%+v\n%+v", req, again)
			}
		}
	})
}

func FuzzParseDescription(f *testing.F) {
	f.Add([]byte("v=0\r\no=- 0 0 IN IP4 0.0.0.0\r\ns=x\r\nt=0 0\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=control:trackID=0\r\n"))
	base, _ := url.Parse("rtsp://user:pw@10.0.0.1/cam?x=1")
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := rtsp.ParseDescription(data, base)
		if err != nil {
			return
		}
		if len(d.Medias) == 0 || len(d.Medias) > rtsp.MaxMedias || d.Control == nil || d.Control.User != nil || d.Base.User != nil {
			t.Fatalf("%d medias, control %v", len(d.Medias), d.Control)
		}
		for _, m := range d.Medias {
			if m.Control == nil || m.Control.User != nil || m.Control.Host == "" || m.PayloadType > 127 || m.FMTP == nil {
				t.Fatalf("%+v", m)
			}
			for k := range m.FMTP {
				if k != strings.ToLower(k) {
					t.Fatalf("fmtp key %q", k)
				}
			}
		}
	})
}

// FuzzDigestChallenge fuzzes the WWW-Authenticate parser; every Digest or Basic challenge
// it reads is answered, and the answer reads back and is accepted by the server's check.
func FuzzDigestChallenge(f *testing.F) {
	f.Add(`Digest realm="r", nonce="n", qop="auth", opaque="o", algorithm=MD5`)
	f.Fuzz(func(t *testing.T, v string) {
		cs, err := rtsp.ParseChallenges(v)
		if err != nil {
			return
		}
		if len(cs) == 0 || len(cs) > 8 {
			t.Fatalf("%d challenges", len(cs))
		}
		for _, c := range cs {
			if c.Scheme == "" || len(c.Params) > 16 {
				t.Fatalf("%+v", c)
			}
			answer, accepted, ok := rtsp.DigestRoundTrip(c, `us"er\`, "pa:ss", "DESCRIBE", "rtsp://h/x")
			if !ok {
				continue
			}
			if !accepted {
				t.Fatalf("the answer %q to %+v is refused", answer, c)
			}
			if strings.EqualFold(c.Scheme, "digest") {
				back, err := rtsp.ParseChallenge(answer)
				if err != nil || back.Params["realm"] != c.Params["realm"] || back.Params["nonce"] != c.Params["nonce"] || back.Params["username"] != `us"er\` {
					t.Fatalf("the answer %q reads back as %+v (%v)", answer, back, err)
				}
				if o, has := c.Params["opaque"]; has && back.Params["opaque"] != o {
					t.Fatalf("opaque %q became %q", o, back.Params["opaque"])
				}
			}
		}
	})
}

func FuzzInterleaved(f *testing.F) {
	f.Add([]byte("$\x00\x00\x04abcd$\x01\x00\x01x"))
	f.Fuzz(func(t *testing.T, data []byte) {
		br := bufio.NewReader(bytes.NewReader(data))
		buf := make([]byte, 0, 16)
		for i := 0; i < 8; i++ {
			ch, d, err := rtsp.ReadInterleaved(br, buf)
			if err != nil {
				return
			}
			if len(d) > rtsp.MaxFrame {
				t.Fatal("frame over the limit")
			}
			var b bytes.Buffer
			if err := rtsp.WriteInterleaved(&b, ch, d); err != nil {
				t.Fatal(err)
			}
			ch2, d2, err := rtsp.ReadInterleaved(bufio.NewReader(&b), nil)
			if err != nil || ch2 != ch || !bytes.Equal(d, d2) {
				t.Fatalf("read back differently: %v", err)
			}
			buf = d[:0]
		}
	})
}
