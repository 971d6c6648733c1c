package rtsp_test

import (
	"bufio"
	"bytes"
	"net/url"
	"testing"

	"custodian/rtsp"
)

// The fuzzers read untrusted network input: a camera's responses and session
// descriptions, a client's requests, authentication challenges. None may panic, and what
// is read is bounded. Seed corpora are in testdata/fuzz/<Name>/.

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
			if len(req.Body) > rtsp.MaxBody {
				t.Fatal("body over the limit")
			}
			var b bytes.Buffer
			req.Write(&b)
		}
	})
}

func FuzzParseDescription(f *testing.F) {
	f.Add([]byte("v=0\r\no=- 0 0 IN IP4 0.0.0.0\r\ns=x\r\nt=0 0\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=control:trackID=0\r\n"))
	base, _ := url.Parse("rtsp://10.0.0.1/cam")
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := rtsp.ParseDescription(data, base)
		if err != nil {
			return
		}
		if len(d.Medias) == 0 || len(d.Medias) > rtsp.MaxMedias {
			t.Fatalf("%d medias", len(d.Medias))
		}
		for _, m := range d.Medias {
			if m.Control == nil || m.Control.User != nil {
				t.Fatalf("control %v", m.Control)
			}
		}
	})
}

func FuzzDigestChallenge(f *testing.F) {
	f.Add(`Digest realm="r", nonce="n", qop="auth", opaque="o", algorithm=MD5`)
	f.Fuzz(func(t *testing.T, v string) {
		c, err := rtsp.ParseChallenge(v)
		if err != nil {
			return
		}
		if c.Scheme == "" || len(c.Params) > 16 {
			t.Fatalf("%+v", c)
		}
	})
}

func FuzzInterleaved(f *testing.F) {
	f.Add([]byte("$\x00\x00\x04abcd$\x01\x00\x01x"))
	f.Fuzz(func(t *testing.T, data []byte) {
		br := bufio.NewReader(bytes.NewReader(data))
		buf := make([]byte, 0, 16)
		for i := 0; i < 8; i++ {
			_, d, err := rtsp.ReadInterleaved(br, buf)
			if err != nil {
				return
			}
			if len(d) > rtsp.MaxFrame {
				t.Fatal("frame over the limit")
			}
			buf = d[:0]
		}
	})
}
