package rtsp_test

import (
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"custodian/rtsp"
)

type wantMedia struct {
	typ, codec string
	pt         uint8
	clock      uint32
	control    string
	fmtp       []string // keys that must be there
}

// TestSDPSamples reads the camera-like descriptions in testdata/sdp.
func TestSDPSamples(t *testing.T) {
	for _, tc := range []struct {
		file, base, control string
		medias              []wantMedia
	}{
		{"hikvision.sdp", "rtsp://192.168.1.64:554/Streaming/Channels/101", "rtsp://192.168.1.64:554/Streaming/Channels/101/?transportmode=unicast", []wantMedia{
			{"video", "H264", 96, 90000, "rtsp://192.168.1.64:554/Streaming/Channels/101/trackID=1?transportmode=unicast", []string{"profile-level-id", "packetization-mode", "sprop-parameter-sets"}},
		}},
		{"dahua.sdp", "rtsp://192.168.1.108:554/cam/realmonitor?channel=1&subtype=0/", "rtsp://192.168.1.108:554/cam/realmonitor?channel=1&subtype=0/", []wantMedia{
			{"video", "H265", 98, 90000, "rtsp://192.168.1.108:554/cam/realmonitor?channel=1&subtype=0/trackID=0", []string{"sprop-vps", "sprop-sps", "sprop-pps", "profile-id"}},
			{"audio", "PCMA", 8, 8000, "rtsp://192.168.1.108:554/cam/realmonitor?channel=1&subtype=0/trackID=1", nil},
		}},
		{"axis.sdp", "rtsp://192.168.0.90/axis-media/media.amp/", "rtsp://192.168.0.90/axis-media/media.amp?videocodec=h264&resolution=1280x720", []wantMedia{
			{"video", "H264", 96, 90000, "rtsp://192.168.0.90/axis-media/media.amp/stream=0?videocodec=h264&resolution=1280x720", []string{"sprop-parameter-sets"}},
			{"application", "VND.ONVIF.METADATA", 98, 90000, "rtsp://192.168.0.90/axis-media/media.amp/stream=1?videocodec=h264&resolution=1280x720", nil},
		}},
		{"gstreamer-h265.sdp", "rtsp://127.0.0.1:8554/test/", "rtsp://127.0.0.1:8554/test/", []wantMedia{
			{"video", "H265", 96, 90000, "rtsp://127.0.0.1:8554/test/stream=0", []string{"sprop-vps", "sprop-sps", "sprop-pps"}},
		}},
		{"audio-video.sdp", "rtsp://192.168.1.10/live/ch00_0", "rtsp://192.168.1.10/live/ch00_0", []wantMedia{
			{"video", "H265", 97, 90000, "rtsp://192.168.1.10/live/ch00_0/track1", []string{"sprop-vps", "sprop-sps", "sprop-pps"}},
			{"audio", "MPEG4-GENERIC", 97, 16000, "rtsp://192.168.1.10/live/ch00_0/track2", []string{"sizelength", "indexlength", "config", "mode"}},
		}},
		{"controls.sdp", "rtsp://admin:pw@camera.example/base/", "rtsp://camera.example/base/agg", []wantMedia{
			{"video", "H264", 96, 90000, "rtsp://camera.example/base/trackID=1", nil},
			{"audio", "PCMU", 0, 8000, "rtsp://camera.example/other/audio", nil},
			{"application", "VND.ONVIF.METADATA", 107, 90000, "rtsp://camera.example/base/agg", nil},
		}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			body, err := os.ReadFile(filepath.Join("testdata", "sdp", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			base, _ := url.Parse(tc.base)
			d, err := rtsp.ParseDescription(body, base)
			if err != nil {
				t.Fatal(err)
			}
			if d.Control.String() != tc.control || d.Base.User != nil || string(d.Raw) != string(body) {
				t.Errorf("aggregate control %s, want %s (base %s)", d.Control, tc.control, d.Base)
			}
			if len(d.Medias) != len(tc.medias) {
				t.Fatalf("%d medias: %+v", len(d.Medias), d.Medias)
			}
			for i, w := range tc.medias {
				m := d.Medias[i]
				if m.Type != w.typ || m.Codec != w.codec || m.PayloadType != w.pt || m.ClockRate != w.clock || m.Control.String() != w.control {
					t.Errorf("media %d: %s %s %d %d %s\n want     %s %s %d %d %s", i, m.Type, m.Codec, m.PayloadType, m.ClockRate, m.Control, w.typ, w.codec, w.pt, w.clock, w.control)
				}
				for _, k := range w.fmtp {
					if m.FMTP[k] == "" {
						t.Errorf("media %d: fmtp %s missing: %v", i, k, m.FMTP)
					}
				}
				for k, v := range m.FMTP {
					if k != strings.ToLower(k) || v != strings.TrimSpace(v) {
						t.Errorf("media %d: fmtp %q=%q", i, k, v)
					}
				}
			}
		})
	}
	// The sprop values come through whole (base64 with its '=' padding).
	body, _ := os.ReadFile("testdata/sdp/hikvision.sdp")
	base, _ := url.Parse("rtsp://h/")
	d, _ := rtsp.ParseDescription(body, base)
	if got := d.Medias[0].FMTP["sprop-parameter-sets"]; got != "Z00AKpY1QPAET8s3AQEBQAABwgAAV+QB,aO48gA==" {
		t.Errorf("sprop-parameter-sets %q", got)
	}
}

func TestSDPRefused(t *testing.T) {
	base, _ := url.Parse("rtsp://10.0.0.5/x")
	for _, tc := range []struct{ in, want string }{
		{"", "no media"},
		{"garbage", "no media"},
		{"v=0\r\nm=video 0 RTP/AVP\r\n", "no format"},
		{"v=0\r\nm=video 0 RTP/AVP abc\r\n", "bad payload type"},
		{"v=0\r\nm=video 0 RTP/AVP 200\r\n", "bad payload type"},
		{"v=0\r\n" + strings.Repeat("m=video 0 RTP/AVP 96\r\n", 17), "too many media"},
		{"v=0\r\nm=video 0 RTP/AVP 96\r\na=control:rtsp://u:secret@h:bad/x\r\n", "control URL"},
	} {
		_, err := rtsp.ParseDescription([]byte(tc.in), base)
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "secret") {
			t.Errorf("%q: %v, want %q", tc.in, err, tc.want)
		}
	}
	if _, err := rtsp.ParseDescription([]byte("v=0\r\nm=video 0 RTP/AVP 96\r\n"), nil); err == nil {
		t.Error("no base accepted")
	}
	// A media that cannot be used is left out; the others stay.
	d, err := rtsp.ParseDescription([]byte("v=0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 h264/90000\r\n"), base)
	if err != nil || len(d.Medias) != 1 || d.Medias[0].Codec != "H264" || !slices.Equal([]string{d.Medias[0].Control.String()}, []string{"rtsp://10.0.0.5/x"}) {
		t.Errorf("%+v %v", d, err)
	}
}
