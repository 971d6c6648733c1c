package track

import (
	"math/rand/v2"
	"testing"
)

// crowd is n synthetic people walking and bouncing off the edges of a
// 768×576 frame, with the detector's jitter, for frames frames.
func crowd(n, frames int) [][]Detection {
	rng := rand.New(rand.NewPCG(21, 22))
	type walkerState struct {
		b      Box
		vx, vy float64
	}
	ws := make([]walkerState, n)
	for i := range ws {
		w, h := 20+rng.Float64()*30, 60+rng.Float64()*80
		ws[i] = walkerState{Box{rng.Float64() * (768 - w), rng.Float64() * (576 - h), w, h},
			rng.Float64()*6 - 3, rng.Float64()*2 - 1}
	}
	out := make([][]Detection, frames)
	for f := range out {
		dets := make([]Detection, 0, n)
		for i := range ws {
			w := &ws[i]
			w.b.X += w.vx
			w.b.Y += w.vy
			if w.b.X < 0 || w.b.X+w.b.W > 768 {
				w.vx = -w.vx
			}
			if w.b.Y < 0 || w.b.Y+w.b.H > 576 {
				w.vy = -w.vy
			}
			d := w.b
			d.X += rng.NormFloat64()
			d.Y += rng.NormFloat64()
			dets = append(dets, Detection{Box: d, Score: 0.5 + rng.Float64()/2, Kind: Person})
		}
		out[f] = dets
	}
	return out
}

// BenchmarkTracker20x10000: one op is a whole video of 10,000 frames with 20
// detections on each, tracked and masked frame by frame.
func BenchmarkTracker20x10000(b *testing.B) {
	const frames = 10000
	dets := crowd(20, frames)
	b.ReportAllocs()
	b.ResetTimer()
	masks, tracks := 0, 0
	for range b.N {
		tr, err := New(DefaultParams(), 768, 576)
		if err != nil {
			b.Fatal(err)
		}
		for f := 0; f < frames; f++ {
			if err := tr.Update(f, dets[f]); err != nil {
				b.Fatal(err)
			}
			if g := f - tr.Params().Lag(); g >= 0 {
				masks += len(tr.MaskBoxes(g))
			}
		}
		tracks += len(tr.Tracks())
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*frames), "ns/frame")
	b.ReportMetric(float64(masks)/float64(b.N*frames), "masks/frame")
	b.ReportMetric(float64(tracks)/float64(b.N), "tracks")
}
