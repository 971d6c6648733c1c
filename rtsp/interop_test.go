package rtsp_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"net/url"
	"os/exec"
	"strings"
	"testing"
	"time"

	"custodian/internal/testmedia"
	"custodian/rtsp"
)

// splitAnnexB returns the NAL units of an H.264 Annex B stream.
func splitAnnexB(b []byte) [][]byte {
	var out [][]byte
	start := -1
	for i := 0; i+3 <= len(b); {
		if b[i] == 0 && b[i+1] == 0 && b[i+2] == 1 {
			if start >= 0 {
				out = append(out, bytes.TrimRight(b[start:i], "\x00"))
			}
			i += 3
			start = i
			continue
		}
		i++
	}
	if start >= 0 && start < len(b) {
		out = append(out, b[start:])
	}
	return out
}

// packetizeH264 makes RTP packets of one access unit (RFC 6184): single NAL unit packets,
// FU-A for NAL units over mtu bytes; the marker on the access unit's last packet.
func packetizeH264(nalus [][]byte, ts uint32, seq *uint16, mtu int) [][]byte {
	var out [][]byte
	packet := func(payload []byte) {
		p := make([]byte, 12, 12+len(payload))
		p[0], p[1] = 0x80, 96
		binary.BigEndian.PutUint16(p[2:], *seq)
		binary.BigEndian.PutUint32(p[4:], ts)
		binary.BigEndian.PutUint32(p[8:], 0x12345678)
		*seq++
		out = append(out, append(p, payload...))
	}
	for _, n := range nalus {
		if len(n) <= mtu {
			packet(n)
			continue
		}
		hdr := n[0]
		for rest, first := n[1:], true; len(rest) > 0; first = false {
			k := min(len(rest), mtu-2)
			fu := []byte{hdr&0xe0 | 28, hdr & 0x1f}
			if first {
				fu[1] |= 0x80
			}
			if k == len(rest) {
				fu[1] |= 0x40
			}
			packet(append(fu, rest[:k]...))
			rest = rest[k:]
		}
	}
	out[len(out)-1][1] |= 0x80
	return out
}

// TestFFprobeReadsServer: ffmpeg as the client of the server, reading real H.264, with and
// without Digest authentication.
func TestFFprobeReadsServer(t *testing.T) {
	testmedia.Need(t, "ffmpeg", "ffprobe")
	annexb, err := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-i", testmedia.Path(t, testmedia.VtestH264), "-t", "4", "-c", "copy",
		"-bsf:v", "h264_mp4toannexb", "-f", "h264", "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	var sps, pps []byte
	var pkts, au [][]byte
	var seq uint16
	ts := uint32(0)
	for _, n := range splitAnnexB(annexb) {
		if len(n) == 0 {
			continue
		}
		switch n[0] & 0x1f {
		case 7:
			sps = n
		case 8:
			pps = n
		case 9:
			continue // access unit delimiters are not sent
		}
		au = append(au, n)
		if typ := n[0] & 0x1f; typ >= 1 && typ <= 5 { // x264: one slice per picture
			pkts = append(pkts, packetizeH264(au, ts, &seq, 1400)...)
			au = au[:0]
			ts += 9000 // 10 fps
		}
	}
	if sps == nil || pps == nil || len(pkts) < 40 {
		t.Fatalf("SPS %d bytes, PPS %d bytes, %d packets", len(sps), len(pps), len(pkts))
	}
	sdp := "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=vtest\r\nt=0 0\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n" +
		"a=fmtp:96 packetization-mode=1;profile-level-id=" + strings.ToUpper(fmtHex(sps[1:4])) + ";sprop-parameter-sets=" +
		base64.StdEncoding.EncodeToString(sps) + "," + base64.StdEncoding.EncodeToString(pps) + "\r\na=control:trackID=0\r\n"
	h := &handler{sdp: []byte(sdp), pkts: pkts, interval: 200 * time.Microsecond}
	for _, user := range []string{"", "admin"} {
		t.Run("user="+user, func(t *testing.T) {
			u, tl := serve(t, &rtsp.Server{Handler: h, User: user, Password: "pw 1"})
			if user != "" {
				p, _ := url.Parse(u)
				p.User = url.UserPassword(user, "pw 1")
				u = p.String()
			}
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			out, err := exec.CommandContext(ctx, "ffprobe", "-v", "error", "-rtsp_transport", "tcp", "-show_entries", "stream=codec_name,width,height", "-of", "csv=p=0", u).CombinedOutput()
			if err != nil || strings.TrimSpace(string(out)) != "h264,768,576" {
				t.Fatalf("ffprobe: %v %q", err, out)
			}
			// ffmpeg answers the last Digest challenge, which is MD5 (it has no SHA-256).
			if user != "" && !strings.Contains(tl.text(), "Authorization: Digest ") {
				t.Errorf("ffprobe did not use Digest:\n%s", tl.text())
			}
		})
	}
	// And the client reads the same packets back intact.
	u, _ := serve(t, &rtsp.Server{Handler: h})
	c, ch, d := session(t, u, rtsp.ClientConfig{Timeout: 2 * time.Second})
	if d.Medias[0].FMTP["sprop-parameter-sets"] == "" {
		t.Errorf("fmtp %v", d.Medias[0].FMTP)
	}
	for i := range 200 {
		got, data, err := c.ReadPacket()
		if err != nil || got != ch || !bytes.Equal(data, pkts[i]) {
			t.Fatalf("packet %d: %v", i, err)
		}
	}
}

func fmtHex(b []byte) string {
	const digits = "0123456789abcdef"
	var s []byte
	for _, c := range b {
		s = append(s, digits[c>>4], digits[c&15])
	}
	return string(s)
}
