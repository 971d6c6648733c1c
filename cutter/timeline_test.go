package cutter

import (
	"testing"
	"time"
)

func TestTimelineWrapAndJumps(t *testing.T) {
	tl := NewTimeline(90000)
	start := uint32(0xffffffff - 9000*5)
	var prev int64
	for i := 0; i < 20; i++ {
		ext := tl.Extend(start + uint32(i*9000))
		if i > 0 && ext-prev != 9000 {
			t.Fatalf("step %d: %d after the wrap, want 9000", i, ext-prev)
		}
		prev = ext
	}
	t0 := time.Now()
	tl.Anchor(prev, t0)
	if r := tl.JumpReason(prev, prev+9000, t0.Add(100*time.Millisecond)); r != "" {
		t.Errorf("a normal frame is a jump: %s", r)
	}
	if r := tl.JumpReason(prev, prev-9000*3, t0); r != "" {
		t.Errorf("a B-frame step back is a jump: %s", r)
	}
	if r := tl.JumpReason(prev, prev+90000*20, t0.Add(20*time.Second)); r == "" {
		t.Error("a 20 s step is not a jump")
	}
	if r := tl.JumpReason(prev, prev-90000*5, t0); r == "" {
		t.Error("a 5 s step back is not a jump")
	}
	if r := tl.JumpReason(prev, prev+90000*5, t0.Add(time.Second)); r == "" {
		t.Error("timestamps 4 s ahead of arrival are not a jump")
	}
	// A stall: arrivals late, media on time: not a jump.
	if r := tl.JumpReason(prev, prev+9000, t0.Add(5*time.Second)); r != "" {
		t.Errorf("a late frame is a jump: %s", r)
	}
}

// TestTimelineLongRun: a run of footage longer than 28 hours at 90 kHz (ticks × 10⁹
// overflows int64 there) is still placed in wall time correctly.
func TestTimelineLongRun(t *testing.T) {
	tl := NewTimeline(90000)
	t0 := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	tl.Anchor(0, t0)
	for _, d := range []time.Duration{time.Second, 27 * time.Hour, 30 * time.Hour, 10 * 24 * time.Hour} {
		if got := tl.Wall(tl.Ticks(d)); !got.Equal(t0.Add(d)) {
			t.Errorf("%v into the run: %v, want %v", d, got, t0.Add(d))
		}
	}
	if got := tl.Dur(90000*100*3600 + 45000); got != 100*time.Hour+500*time.Millisecond {
		t.Errorf("Dur of 100 h 0.5 s: %v", got)
	}
}
