package ffmpeg_test

import (
	"context"
	"io"
	"testing"
	"time"

	"custodian/ffmpeg"
	"custodian/internal/testmedia"
)

// TestLiveReadsNoLocalFile: a live source may use network protocols only, so a local file
// (or a playlist naming one) is never read (issue 11, item 8).
func TestLiveReadsNoLocalFile(t *testing.T) {
	testmedia.Need(t, "ffmpeg")
	path := testmedia.Path(t, testmedia.VtestH264)
	for _, input := range []string{path, "file:" + path} {
		out, err := ffmpeg.Live(context.Background(), input, "", 2*time.Second, false, false)
		if err == nil {
			var n int64
			n, err = io.Copy(io.Discard, out)
			out.Close()
			if n > 0 {
				t.Errorf("%s: ffmpeg read %d bytes of a local file", input, n)
			}
		}
		if err == nil {
			t.Errorf("%s: no error", input)
		}
	}
}
