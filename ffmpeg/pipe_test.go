package ffmpeg

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"custodian"
)

// The pipe's contract, with sh standing in for ffmpeg.

func TestPipeFailure(t *testing.T) {
	p, err := start(context.Background(), "sh", "-c", "printf 'some output'; echo 'Invalid data found when processing input' >&2; exit 3")
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(p)
	var ce *custodian.Error
	if string(out) != "some output" || !errors.As(err, &ce) || ce.Code != custodian.EINVALID ||
		!strings.Contains(ce.En, "ffmpeg failed: Invalid data found") || !strings.Contains(ce.En, "exit status 3") {
		t.Fatalf("ReadAll = %q, %v", out, err)
	}
	if _, err := p.Read(make([]byte, 10)); err != ce {
		t.Errorf("Read after the end = %v", err)
	}
	if err := p.Close(); err != ce {
		t.Errorf("Close = %v, want the failure", err)
	}
}

func TestPipeSuccess(t *testing.T) {
	p, err := start(context.Background(), "sh", "-c", "printf 'all of it'")
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(p)
	if string(out) != "all of it" || err != nil {
		t.Fatalf("ReadAll = %q, %v", out, err)
	}
	if err := p.Close(); err != nil {
		t.Errorf("Close = %v", err)
	}
}

func TestPipeCloseEarly(t *testing.T) {
	p, err := start(context.Background(), "sh", "-c", "yes")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(p, make([]byte, 100)); err != nil {
		t.Fatal(err)
	}
	if err := p.Close(); err != nil {
		t.Errorf("Close before the end = %v", err)
	}
}

func TestTailBuffer(t *testing.T) {
	b := &tailBuffer{max: 10}
	b.Write([]byte("0123456789"))
	b.Write([]byte("abcdef"))
	if got := b.text(errors.New("x")); got != "6789abcdef (x)" {
		t.Errorf("text = %q", got)
	}
	if got := (&tailBuffer{max: 10}).text(errors.New("exit status 1")); got != "exit status 1" {
		t.Errorf("empty text = %q", got)
	}
}

func TestParseProbe(t *testing.T) {
	info, err := parseProbe([]byte(`{"streams":[
		{"index":0,"codec_type":"video","codec_name":"mjpeg","disposition":{"attached_pic":1}},
		{"index":1,"codec_type":"audio","codec_name":"aac"},
		{"index":2,"codec_type":"video","codec_name":"h264","profile":"Main","width":1920,"height":1080,"avg_frame_rate":"0/0","r_frame_rate":"30000/1001"}],
		"format":{"format_name":"mov,mp4,m4a,3gp,3g2,mj2","duration":"N/A"}}`), "x")
	if err != nil {
		t.Fatal(err)
	}
	v := info.Video
	if v == nil || v.Index != 2 || v.Codec != "h264" || v.FrameRate < 29.97 || v.FrameRate > 29.98 ||
		!info.HasAudio || info.Streams != 3 || info.Duration != 0 {
		t.Errorf("parseProbe = %+v, video %+v", info, v)
	}
	if _, err := parseProbe([]byte(`{}`), "x"); custodian.ErrorCode(err) != custodian.EINVALID {
		t.Errorf("parseProbe({}) = %v", err)
	}
}
