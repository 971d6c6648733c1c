package custodian_test

import (
	"strings"
	"testing"

	"custodian"
)

func TestSourceOrigin(t *testing.T) {
	for in, want := range map[string]string{
		"rtsp://10.0.0.1/s":              "rtsp://10.0.0.1:554",
		"rtsp://Cam.Example:8554/x?y=1":  "rtsp://cam.example:8554",
		"RTSPS://cam/x":                  "rtsps://cam:322",
		"http://[fe80::1]/x":             "http://[fe80::1]:80",
		"https://cam/mjpeg":              "https://cam:443",
		"rtsp://u:p@10.0.0.1:554/s":      "rtsp://10.0.0.1:554",
		"/var/video.avi":                 "",
		"":                               "",
		"rtmp://live.example/app/stream": "rtmp://live.example",
	} {
		if got := custodian.SourceOrigin(in); got != want {
			t.Errorf("SourceOrigin(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestCheckSourceURLFFmpeg: an ffmpeg source is a network URL of an allowed scheme, never a
// local file, another ffmpeg protocol or a link-local (metadata) address.
func TestCheckSourceURLFFmpeg(t *testing.T) {
	for _, bad := range []struct{ url, want string }{
		{"/etc/passwd", "network address"},
		{"file:///etc/passwd", "network address"},
		{"pipe:0", "network address"},
		{"concat:/a.ts|/b.ts", "network address"},
		{"subfile,,start,0,end,0,,:/etc/shadow", "cannot be parsed"},
		{"subfile:/etc/shadow", "network address"},
		{"C:\\video.avi", "network address"},
		{"http://169.254.169.254/latest/meta-data/", "link-local"},
		{"http://[fe80::1%25eth0]:8080/x", "link-local"},
		{"rtsp://[::ffff:169.254.1.1]/x", "link-local"},
		{"http://metadata.google.internal/computeMetadata/v1/", "metadata"},
		{"http://0.0.0.0:8080/x", "unspecified"},
		{"http:///x", "no host"},
		{"http://cam/" + strings.Repeat("a", 3000), "too long"},
		{"http://user:pw@cam/x", "user or password"},
	} {
		err, ok := custodian.CheckSourceURL(custodian.SourceFFmpeg, bad.url)
		if ok || err == nil || !strings.Contains(err.En, bad.want) {
			t.Errorf("%q: %v, want an error naming %q", bad.url, err, bad.want)
		}
	}
	for _, good := range []string{"rtsp://10.0.0.1/s", "rtsps://cam.example/s", "http://127.0.0.1:8080/mjpeg", "HTTPS://cam/x.m3u8", "http://192.168.1.20/video.cgi"} {
		if err, ok := custodian.CheckSourceURL(custodian.SourceFFmpeg, good); !ok {
			t.Errorf("%q: %v", good, err)
		}
	}
	// An rtsp source on a link-local address (a camera without DHCP) is allowed: only the
	// in-process RTSP client talks to it.
	if err, ok := custodian.CheckSourceURL(custodian.SourceRTSP, "rtsp://169.254.3.4/s"); !ok {
		t.Errorf("rtsp on link-local: %v", err)
	}
}

func reg(cams ...custodian.Camera) *custodian.Registry {
	return &custodian.Registry{Sites: []custodian.Site{{ID: "s", CameraGroups: []custodian.CameraGroup{{ID: "g", Count: 9, Cameras: cams}}}}}
}

func TestSourceChanges(t *testing.T) {
	src := func(url string) *custodian.Source { return &custodian.Source{URL: url, User: "viewer"} }
	cur := reg(custodian.Camera{ID: "a", Enabled: true, Source: src("rtsp://10.0.0.1/a")},
		custodian.Camera{ID: "b", Enabled: true, Source: src("rtsp://10.0.0.2/b")},
		custodian.Camera{ID: "c", Location: "door"},
		custodian.Camera{ID: "d", Enabled: true, Source: src("rtsp://10.0.0.4/d")})
	if cs := custodian.SourceChanges(cur, cur); len(cs) != 0 {
		t.Fatalf("no change: %v", cs)
	}
	// What the registry editor may do: move a camera's location, add a camera without a
	// source, spell the default kind and transport out.
	same := reg(custodian.Camera{ID: "a", Enabled: true, Location: "lobby", Source: &custodian.Source{URL: "rtsp://10.0.0.1/a", User: "viewer", Kind: "rtsp", Transport: "tcp"}},
		custodian.Camera{ID: "b", Enabled: true, Source: src("rtsp://10.0.0.2/b")},
		custodian.Camera{ID: "c", Location: "gate"},
		custodian.Camera{ID: "d", Enabled: true, Source: src("rtsp://10.0.0.4/d")},
		custodian.Camera{ID: "e"})
	if cs := custodian.SourceChanges(cur, same); len(cs) != 0 {
		t.Fatalf("no source change: %v", cs)
	}
	next := reg(custodian.Camera{ID: "a", Enabled: true, Source: src("rtsp://evil.example/a")},
		custodian.Camera{ID: "b", Enabled: false, Source: &custodian.Source{URL: "rtsp://10.0.0.2/b", User: "viewer", Kind: "ffmpeg", AllowBasicAuth: true, PasswordFile: "pw"}},
		custodian.Camera{ID: "c", Enabled: true, Source: src("rtsp://10.0.0.3/c")},
		custodian.Camera{ID: "new", Source: src("rtsp://10.0.0.9/n")})
	var got []string
	for _, c := range custodian.SourceChanges(cur, next) {
		got = append(got, c.Camera+" "+c.Field+" "+c.Path)
	}
	want := []string{
		"a source.url sites[0].camera_groups[0].cameras[0].source.url",
		"b enabled sites[0].camera_groups[0].cameras[1].enabled",
		"b source.kind sites[0].camera_groups[0].cameras[1].source.kind",
		"b source.password_file sites[0].camera_groups[0].cameras[1].source.password_file",
		"b source.allow_basic_auth sites[0].camera_groups[0].cameras[1].source.allow_basic_auth",
		"c enabled sites[0].camera_groups[0].cameras[2].enabled",
		"c source sites[0].camera_groups[0].cameras[2].source",
		"new source sites[0].camera_groups[0].cameras[3].source",
		"d (removed) enabled sites[0].camera_groups[0].cameras[3].enabled",
		"d (removed) source sites[0].camera_groups[0].cameras[3].source",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("changes:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// A first import counts every source as a change.
	if cs := custodian.SourceChanges(nil, cur); len(cs) != 6 {
		t.Errorf("first import: %d changes: %v", len(cs), cs)
	}
	text := custodian.SourceChangesText(custodian.SourceChanges(cur, next))
	if !strings.Contains(text, `a: source.url "rtsp://10.0.0.1/a" → "rtsp://evil.example/a"`) {
		t.Errorf("text:\n%s", text)
	}
	var many []custodian.Camera
	for i := range 30 {
		many = append(many, custodian.Camera{ID: "x" + strings.Repeat("y", i), Enabled: true, Source: src("rtsp://h/x")})
	}
	if text := custodian.SourceChangesText(custodian.SourceChanges(nil, reg(many...))); strings.Count(text, "\n  - ") != custodian.MaxListed || !strings.Contains(text, "and 40 more") {
		t.Errorf("a long list is not capped:\n%s", text)
	}
}

// TestValidateFFmpegBasic: an ffmpeg source with a user on a plain URL must allow Basic in
// so many words (ffmpeg answers whatever the camera asks).
func TestValidateFFmpegBasic(t *testing.T) {
	r := reg(custodian.Camera{ID: "m", Enabled: true, Source: &custodian.Source{Kind: "ffmpeg", URL: "http://10.0.0.5/video.mjpg", User: "viewer", Transcode: true}})
	err := r.Validate()
	if err == nil || !strings.Contains(err.Error(), "sites[0].camera_groups[0].cameras[0].source.allow_basic_auth") {
		t.Fatalf("err = %v", err)
	}
	r.Sites[0].CameraGroups[0].Cameras[0].Source.AllowBasicAuth = true
	if err := r.Validate(); err != nil && strings.Contains(err.Error(), "allow_basic_auth") {
		t.Errorf("allowed: %v", err)
	}
	r.Sites[0].CameraGroups[0].Cameras[0].Source = &custodian.Source{Kind: "ffmpeg", URL: "https://10.0.0.5/video.mjpg", User: "viewer"}
	if err := r.Validate(); err != nil && strings.Contains(err.Error(), "allow_basic_auth") {
		t.Errorf("https: %v", err)
	}
}
