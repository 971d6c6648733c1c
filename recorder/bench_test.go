package recorder

import (
	"context"
	"testing"
	"time"

	"custodian"
	"custodian/cutter"
)

// discardStore keeps nothing.
type discardStore struct{}

type discardSeg struct{}

func (discardStore) Create(ctx context.Context, camera string, start time.Time, class string, ret custodian.Retention) (SegmentWriter, error) {
	return discardSeg{}, nil
}
func (discardSeg) Write(p []byte) (int, error) { return len(p), nil }
func (discardSeg) Commit(ctx context.Context, end time.Time) (*custodian.Segment, error) {
	return &custodian.Segment{End: end}, nil
}
func (discardSeg) Abort(ctx context.Context) error { return nil }

// BenchmarkSegmenter feeds 2 Mbit/s, 10 fps frames (25 KB) with a keyframe every 20 frames
// through the segmenter into a store that discards: the recorder's per-frame cost beside
// the network and the vault.
func BenchmarkSegmenter(b *testing.B) {
	tl := cutter.NewTimeline(90000)
	s := newSegmenter(discardStore{}, "cam", "c", custodian.Retention{Days: 30}, time.Minute, tl, newCounters("cam", "g", "", "rtsp", time.Now), false)
	init := testInit(b)
	nalu := make([]byte, 25000)
	t0 := time.Now()
	tl.Anchor(0, t0)
	b.SetBytes(int64(len(nalu)))
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		f := frame{nalus: [][]byte{nalu}, pts: int64(i) * 9000, key: i%20 == 0, arrival: t0}
		if _, err := s.add(context.Background(), f, init); err != nil {
			b.Fatal(err)
		}
	}
}
