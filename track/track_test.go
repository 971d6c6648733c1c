package track

import (
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"custodian"
)

// walker is a synthetic person: a box moving at constant velocity.
type walker struct {
	start  Box
	vx, vy float64
}

func (w walker) at(frame int) Box {
	b := w.start
	b.X += w.vx * float64(frame)
	b.Y += w.vy * float64(frame)
	return b
}

// scene runs a tracker over frames [0, n): det(frame) gives the detector's
// output on the frames where Params.Detects says it runs.
func scene(t testing.TB, p Params, n int, det func(frame int) []Detection) *Tracker {
	t.Helper()
	tr, err := New(p, 768, 576)
	if err != nil {
		t.Fatal(err)
	}
	for f := 0; f < n; f++ {
		if p.Detects(f) {
			err = tr.Update(f, det(f))
		} else {
			err = tr.Predict(f)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return tr
}

func person(b Box) Detection { return Detection{Box: b, Score: 0.9, Kind: Person} }

// bestCover is the largest share of b that one mask of the track covers.
func bestCover(masks []Mask, track int, b Box) float64 {
	best := 0.0
	for _, m := range masks {
		if m.Track == track {
			best = math.Max(best, b.Covered(m.Box))
		}
	}
	return best
}

func TestStraightWalkWithMisses(t *testing.T) {
	w := walker{Box{50, 200, 40, 100}, 5, 0.5}
	for _, tc := range []struct {
		name   string
		every  int
		missed map[int]bool
	}{
		{"every frame, 3 missed", 1, map[int]bool{30: true, 31: true, 32: true}},
		{"every 2nd frame, 2 detection frames missed", 2, map[int]bool{30: true, 32: true}},
		{"every 3rd frame, 1 detection frame missed", 3, map[int]bool{30: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := DefaultParams()
			p.DetectEvery = tc.every
			n := 100
			rng := rand.New(rand.NewPCG(1, 2))
			tr := scene(t, p, n, func(f int) []Detection {
				if tc.missed[f] {
					return nil
				}
				b := w.at(f)
				b.X += rng.NormFloat64()
				b.Y += rng.NormFloat64()
				return []Detection{person(b)}
			})
			tracks := tr.Tracks()
			if len(tracks) != 1 {
				t.Fatalf("%d tracks, want 1", len(tracks))
			}
			if tracks[0].First != 0 || tracks[0].Last != n-1 {
				t.Errorf("track spans frames %d-%d, want 0-%d", tracks[0].First, tracks[0].Last, n-1)
			}
			predicted := 0
			for f := 0; f < n; f++ {
				masks := tr.MaskBoxes(f)
				if c := bestCover(masks, 1, w.at(f)); c < 0.99 {
					t.Errorf("frame %d: the person is %.1f%% covered (masks %v)", f, 100*c, masks)
				}
				for _, m := range masks {
					if m.Predicted {
						predicted++
					}
				}
			}
			if want := n - (n+tc.every-1)/tc.every + len(tc.missed); predicted != want {
				t.Errorf("%d frames covered by prediction only, want %d", predicted, want)
			}
		})
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestCrossingKeepsIdentities(t *testing.T) {
	a := walker{Box{100, 200, 40, 100}, 6, 0}  // left to right
	b := walker{Box{600, 215, 40, 100}, -6, 0} // right to left, a little lower
	for _, tc := range []struct {
		name   string
		every  int
		jitter float64
		hidden bool // the one behind is not detected while they overlap
	}{
		{"every frame", 1, 0, false},
		{"every frame, jitter", 1, 1.5, false},
		{"every 2nd frame, jitter", 2, 1.5, false},
		{"every frame, jitter, hidden while crossing", 1, 1.5, true},
		{"every 2nd frame, hidden while crossing", 2, 0, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := DefaultParams()
			p.DetectEvery = tc.every
			n := 90 // they meet around frame 42
			rng := rand.New(rand.NewPCG(3, 4))
			jit := func(x Box) Box {
				x.X += tc.jitter * rng.NormFloat64()
				x.Y += tc.jitter * rng.NormFloat64()
				return x
			}
			tr := scene(t, p, n, func(f int) []Detection {
				if tc.hidden && a.at(f).IoU(b.at(f)) > 0 {
					return []Detection{person(jit(a.at(f)))}
				}
				return []Detection{person(jit(a.at(f))), person(jit(b.at(f)))}
			})
			tracks := tr.Tracks()
			if len(tracks) != 2 {
				t.Fatalf("%d tracks, want 2", len(tracks))
			}
			for _, tk := range tracks {
				// The track that starts on a person must end on that person.
				first, _ := tk.At(0)
				own, other := a, b
				if first.Box.IoU(b.at(0)) > first.Box.IoU(a.at(0)) {
					own, other = b, a
				}
				for f := 0; f < n; f++ {
					fb, ok := tk.At(f)
					if !ok {
						t.Fatalf("track %d has no box on frame %d", tk.ID, f)
					}
					cx, _ := fb.Box.Center()
					ox, _ := own.at(f).Center()
					px, _ := other.at(f).Center()
					if math.Abs(cx-ox) > math.Abs(cx-px) {
						t.Fatalf("track %d switched people on frame %d", tk.ID, f)
					}
				}
			}
		})
	}
}

func TestFalseDetectionBearsNoTrack(t *testing.T) {
	ghost := Box{300, 300, 30, 80}
	for _, tc := range []struct {
		name    string
		minHits int
		seen    int // consecutive frames the ghost is detected
		born    bool
	}{
		{"N=2, seen once", 2, 1, false},
		{"N=3, seen once", 3, 1, false},
		{"N=3, seen twice", 3, 2, false},
		{"N=3, seen 3 times", 3, 3, true}, // the test can tell a track from none
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := DefaultParams()
			p.MinHits = tc.minHits
			tr := scene(t, p, 30, func(f int) []Detection {
				if f >= 10 && f < 10+tc.seen {
					return []Detection{person(ghost)}
				}
				return nil
			})
			masked := 0
			for f := 0; f < 30; f++ {
				masked += len(tr.MaskBoxes(f))
			}
			if born := len(tr.Tracks()) > 0; born != tc.born {
				t.Errorf("track born: %v, want %v", born, tc.born)
			}
			if (masked > 0) != tc.born {
				t.Errorf("%d masks, want some: %v", masked, tc.born)
			}
		})
	}
}

func TestKeptTrackStaysClear(t *testing.T) {
	me := walker{Box{100, 200, 40, 100}, 4, 0}
	other := walker{Box{500, 210, 40, 100}, -4, 0} // crosses in front of me
	myFace := func(f int) Box { b := me.at(f); return Box{b.X + 12, b.Y + 5, 16, 18} }
	theirFace := func(f int) Box { b := other.at(f); return Box{b.X + 12, b.Y + 5, 16, 18} }
	p := DefaultParams()
	n := 100
	tr := scene(t, p, n, func(f int) []Detection {
		return []Detection{
			person(me.at(f)), person(other.at(f)),
			{Box: myFace(f), Score: 0.8, Kind: Face},
			{Box: theirFace(f), Score: 0.8, Kind: Face},
		}
	})
	var mine, theirs, myFaceTrack int
	for _, tk := range tr.Tracks() {
		fb, _ := tk.At(0)
		switch {
		case tk.Kind == Person && fb.Box.IoU(me.at(0)) > 0.5:
			mine = tk.ID
		case tk.Kind == Person && fb.Box.IoU(other.at(0)) > 0.5:
			theirs = tk.ID
		case tk.Kind == Face && fb.Box.IoU(myFace(0)) > 0.5:
			myFaceTrack = tk.ID
		}
	}
	if mine == 0 || theirs == 0 || myFaceTrack == 0 || len(tr.Tracks()) != 4 {
		t.Fatalf("tracks %+v: want my person and face, theirs", tr.Tracks())
	}
	// Before keeping, both are masked.
	if bestCover(tr.MaskBoxes(0), mine, me.at(0)) < 0.99 {
		t.Fatal("my track is not masked before it is kept")
	}
	if err := tr.Keep(mine); err != nil {
		t.Fatal(err)
	}
	overlapped := 0
	for f := 0; f < n; f++ {
		masks := tr.MaskBoxes(f)
		for _, m := range masks {
			if m.Track == mine {
				t.Fatalf("frame %d: kept track masked: %+v", f, m)
			}
			// My face is masked only where it lies inside the other person.
			if cx, cy := myFace(f).Center(); m.Track == myFaceTrack && !other.at(f).Contains(cx, cy) {
				t.Fatalf("frame %d: my face masked: %+v", f, m)
			}
		}
		if c := bestCover(masks, theirs, other.at(f)); c < 0.99 {
			t.Errorf("frame %d: the other person is %.1f%% covered", f, 100*c)
		}
		if me.at(f).IoU(other.at(f)) > 0 {
			overlapped++ // still masked while overlapping me: checked above
		}
		// Their face is masked (tracked or by detection) on every frame.
		covered := false
		for _, m := range masks {
			if m.Kind == Face && theirFace(f).Covered(m.Box) >= 0.99 {
				covered = true
			}
		}
		if !covered {
			t.Errorf("frame %d: the other person's face is not masked", f)
		}
		// My face is left clear where no one else stands over it.
		if theirFace(f).IoU(myFace(f)) == 0 && other.at(f).Grow(0.5).IoU(myFace(f)) == 0 {
			for _, m := range masks {
				if myFace(f).Intersect(m.Box).Area() > 0 {
					t.Errorf("frame %d: my face is under mask %+v", f, m)
				}
			}
		}
	}
	if overlapped == 0 {
		t.Fatal("the scene never has the two people overlap")
	}
	if got := tr.Kept(); len(got) != 1 || got[0] != mine {
		t.Errorf("Kept() = %v, want [%d]", got, mine)
	}
}

func TestFaceInsideUntrackedPersonIsMasked(t *testing.T) {
	// A face seen once (no face track is born) inside a masked person is masked.
	w := walker{Box{200, 100, 60, 150}, 2, 0}
	face := Box{400, 200, 10, 10} // a face detection far from anyone: not masked
	tr := scene(t, DefaultParams(), 20, func(f int) []Detection {
		d := []Detection{person(w.at(f))}
		if f == 10 {
			b := w.at(f)
			d = append(d, Detection{Box: Box{b.X - 5, b.Y + 2, 30, 30}, Score: 0.9, Kind: Face},
				Detection{Box: face, Score: 0.9, Kind: Face})
		}
		return d
	})
	var faces []Mask
	for _, m := range tr.MaskBoxes(10) {
		if m.Kind == Face {
			faces = append(faces, m)
		}
	}
	if len(faces) != 1 || faces[0].Track != 0 || faces[0].Box.Covered(w.at(10).Grow(0.5)) < 1 {
		t.Errorf("face masks on frame 10: %+v, want the one inside the person", faces)
	}
}

func TestMarginCoversJitter(t *testing.T) {
	w := walker{Box{80, 150, 50, 120}, 3, 1}
	for _, tc := range []struct {
		name   string
		margin float64
		every  int
		want   float64 // least coverage of the true box on every frame
	}{
		{"default margin", 0.15, 1, 0.99},
		{"default margin, detector every 3rd frame", 0.15, 3, 0.99},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := DefaultParams()
			p.Margin, p.DetectEvery = tc.margin, tc.every
			worst := coverUnderJitter(t, p, w)
			if worst < tc.want {
				t.Errorf("worst coverage of the true box %.3f, want at least %.3f", worst, tc.want)
			}
			// Without a margin the same jitter leaves the person partly
			// visible: the check above can fail.
			p.Margin, p.GrowPerFrame = 0, 0
			if bare := coverUnderJitter(t, p, w); bare >= tc.want {
				t.Errorf("without margin the worst coverage is %.3f: the scene does not test the margin", bare)
			}
		})
	}
}

func coverUnderJitter(t *testing.T, p Params, w walker) float64 {
	rng := rand.New(rand.NewPCG(5, 6))
	n := 200
	tr := scene(t, p, n, func(f int) []Detection {
		b := w.at(f)
		// The detector's box is off by up to 5% of the size on each edge.
		dx0, dx1 := b.W*0.05*(2*rng.Float64()-1), b.W*0.05*(2*rng.Float64()-1)
		dy0, dy1 := b.H*0.05*(2*rng.Float64()-1), b.H*0.05*(2*rng.Float64()-1)
		return []Detection{person(Box{b.X + dx0, b.Y + dy0, b.W - dx0 + dx1, b.H - dy0 + dy1})}
	})
	if len(tr.Tracks()) != 1 {
		t.Fatalf("%d tracks, want 1", len(tr.Tracks()))
	}
	worst := 1.0
	for f := 0; f < n-p.Lag(); f++ {
		worst = math.Min(worst, bestCover(tr.MaskBoxes(f), 1, w.at(f)))
	}
	return worst
}

func TestTrackLostAfterMaxAge(t *testing.T) {
	w := walker{Box{100, 100, 40, 100}, 2, 0}
	p := DefaultParams()
	p.MaxAge = 5
	tr := scene(t, p, 40, func(f int) []Detection {
		if f < 20 {
			return []Detection{person(w.at(f))}
		}
		return nil // the person left
	})
	tracks := tr.Tracks()
	if len(tracks) != 1 || tracks[0].Last != 19+p.MaxAge {
		t.Fatalf("tracks %+v: want one, last frame %d", tracks, 19+p.MaxAge)
	}
	if m := tr.MaskBoxes(19 + p.MaxAge); len(m) != 1 || !m[0].Predicted {
		t.Errorf("last kept frame masks %+v", m)
	}
	if m := tr.MaskBoxes(20 + p.MaxAge); len(m) != 0 {
		t.Errorf("masks after the track was deleted: %+v", m)
	}
	// Growth with frames since the last detection, up to MaxGrow.
	m0, m5 := tr.MaskBoxes(19)[0].Box, tr.MaskBoxes(24)[0].Box
	if want := 40 * (1 + 2*(p.Margin+5*p.GrowPerFrame)); math.Abs(m5.W-want) > 0.5 || m5.W <= m0.W {
		t.Errorf("mask width 5 frames after the last detection %.1f, want %.1f (and more than %.1f)", m5.W, want, m0.W)
	}
}

func TestMasksClippedToFrame(t *testing.T) {
	tr := scene(t, DefaultParams(), 5, func(int) []Detection {
		return []Detection{person(Box{740, 500, 40, 100})} // partly outside 768×576
	})
	for _, m := range tr.MaskBoxes(4) {
		if m.Box.X < 0 || m.Box.Y < 0 || m.Box.X+m.Box.W > 768 || m.Box.Y+m.Box.H > 576 {
			t.Errorf("mask %+v leaves the frame", m.Box)
		}
	}
	if len(tr.MaskBoxes(4)) != 1 {
		t.Errorf("masks %+v, want one", tr.MaskBoxes(4))
	}
}

func TestBadInputChangesNothing(t *testing.T) {
	p := DefaultParams()
	tr, err := New(p, 768, 576)
	if err != nil {
		t.Fatal(err)
	}
	if err := tr.Update(0, []Detection{person(Box{10, 10, 20, 40})}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		call func() error
		code string
	}{
		{"frame skipped", func() error { return tr.Update(2, nil) }, custodian.EINVALID},
		{"frame repeated", func() error { return tr.Predict(0) }, custodian.EINVALID},
		{"empty box", func() error { return tr.Update(1, []Detection{person(Box{10, 10, 0, 40})}) }, custodian.EINVALID},
		{"NaN box", func() error { return tr.Update(1, []Detection{person(Box{math.NaN(), 10, 5, 40})}) }, custodian.EINVALID},
		{"unknown kind", func() error {
			return tr.Update(1, []Detection{person(Box{10, 10, 20, 40}), {Box: Box{1, 1, 2, 2}, Kind: "car"}})
		}, custodian.EINVALID},
		{"keep unknown track", func() error { return tr.Keep(7) }, custodian.ENOTFOUND},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			var e *custodian.Error
			if !errors.As(err, &e) || e.Code != tc.code {
				t.Fatalf("error %v, want code %s", err, tc.code)
			}
		})
	}
	// Nothing changed: frame 1 is still the next, and the tentative track
	// from frame 0 still matches.
	for f := 1; f < 3; f++ {
		if err := tr.Update(f, []Detection{person(Box{10, 10, 20, 40})}); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(tr.Tracks()); n != 1 {
		t.Errorf("%d tracks after the refused calls, want 1", n)
	}
}

func TestParamsValidate(t *testing.T) {
	if err := DefaultParams().Validate(); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		set  func(*Params)
	}{
		{"min_hits", func(p *Params) { p.MinHits = 0 }},
		{"max_age", func(p *Params) { p.DetectEvery, p.MaxAge = 5, 4 }},
		{"min_iou", func(p *Params) { p.MinIoU = math.NaN() }},
		{"margin", func(p *Params) { p.Margin = -0.1 }},
		{"detect_every", func(p *Params) { p.DetectEvery = 0 }},
		{"max_grow", func(p *Params) { p.MaxGrow = 9 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := DefaultParams()
			tc.set(&p)
			err := p.Validate()
			var e *custodian.Error
			if !errors.As(err, &e) || e.Code != custodian.EINVALID {
				t.Fatalf("error %v, want invalid", err)
			}
			if _, err := New(p, 768, 576); err == nil {
				t.Error("New accepted the parameters")
			}
		})
	}
	if _, err := New(DefaultParams(), 0, 576); err == nil {
		t.Error("New accepted a frame of width 0")
	}
}

func TestParamsJSON(t *testing.T) {
	p := DefaultParams()
	p.DetectEvery = 2
	data, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"min_hits", "max_age", "min_iou", "min_score", "detect_every", "margin", "grow_per_frame", "max_grow"} {
		if _, ok := m[k]; !ok {
			t.Errorf("recipe JSON %s lacks %q", data, k)
		}
	}
	var back Params
	if err := json.Unmarshal(data, &back); err != nil || back != p {
		t.Errorf("round trip: %+v, %v; want %+v", back, err, p)
	}
}

func TestKalmanLearnsVelocity(t *testing.T) {
	k := newKalman(Box{0, 0, 20, 40})
	for f := 1; f <= 30; f++ {
		k.predict()
		k.update(Box{3 * float64(f), -2 * float64(f), 20, 40})
	}
	if math.Abs(k.x[4]-3) > 0.05 || math.Abs(k.x[5]+2) > 0.05 {
		t.Errorf("velocity (%.3f, %.3f), want (3, -2)", k.x[4], k.x[5])
	}
	k.predict()
	if b := k.box(); b.IoU(Box{93, -62, 20, 40}) < 0.95 {
		t.Errorf("prediction %+v, want near {93 -62 20 40}", b)
	}
}

func TestInverse4(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for n := 0; n < 100; n++ {
		var m [4][4]float64
		for i := range m {
			for j := range m[i] {
				m[i][j] = rng.Float64()*2 - 1
			}
			m[i][i] += 3
		}
		inv, ok := inverse4(m)
		if !ok {
			t.Fatal("not inverted")
		}
		for i := 0; i < 4; i++ {
			for j := 0; j < 4; j++ {
				var s float64
				for l := 0; l < 4; l++ {
					s += m[i][l] * inv[l][j]
				}
				if want := float64(boolInt(i == j)); math.Abs(s-want) > 1e-9 {
					t.Fatalf("(M·M⁻¹)[%d][%d] = %g", i, j, s)
				}
			}
		}
	}
	if _, ok := inverse4([4][4]float64{}); ok {
		t.Error("the zero matrix was inverted")
	}
}

func TestBoxGeometry(t *testing.T) {
	a, b := Box{0, 0, 10, 10}, Box{5, 0, 10, 10}
	if got := a.IoU(b); math.Abs(got-50.0/150) > 1e-12 {
		t.Errorf("IoU %g", got)
	}
	if got := a.IoU(Box{20, 20, 5, 5}); got != 0 {
		t.Errorf("IoU of disjoint boxes %g", got)
	}
	if got := a.Grow(0.15); got != (Box{-1.5, -1.5, 13, 13}) {
		t.Errorf("Grow %+v", got)
	}
	if got := (Box{-5, -5, 20, 20}).Clip(10, 8); got != (Box{0, 0, 10, 8}) {
		t.Errorf("Clip %+v", got)
	}
	if got := a.Covered(b); got != 0.5 {
		t.Errorf("Covered %g", got)
	}
}

// TestMasksFinalAfterLag: a renderer that asks for a frame's masks Lag frames
// after it gets what it would get at the end of the video.
func TestMasksFinalAfterLag(t *testing.T) {
	a := walker{Box{100, 200, 40, 100}, 6, 0}
	b := walker{Box{600, 215, 40, 100}, -6, 0}
	for _, every := range []int{1, 2, 3} {
		p := DefaultParams()
		p.DetectEvery = every
		tr, err := New(p, 768, 576)
		if err != nil {
			t.Fatal(err)
		}
		n := 120
		early := map[int][]Mask{}
		for f := 0; f < n; f++ {
			var dets []Detection
			if f%17 != 5 && f%17 != 6 { // the detector misses now and then
				dets = append(dets, person(a.at(f)))
				if a.at(f).IoU(b.at(f)) == 0 {
					dets = append(dets, person(b.at(f)))
				}
			}
			if p.Detects(f) {
				err = tr.Update(f, dets)
			} else {
				err = tr.Predict(f)
			}
			if err != nil {
				t.Fatal(err)
			}
			if g := f - p.Lag(); g >= 0 {
				early[g] = tr.MaskBoxes(g)
			}
		}
		for g, m := range early {
			if final := tr.MaskBoxes(g); !slices.Equal(m, final) {
				t.Errorf("every %d: frame %d masks changed after the lag:\n%v\n%v", every, g, m, final)
			}
			if len(m) != 2 {
				t.Errorf("every %d: frame %d has %d masks, want 2", every, g, len(m))
			}
		}
		// The lag matters: asked at once, early frames differ.
		tr2 := scene(t, p, 1, func(int) []Detection { return []Detection{person(a.at(0))} })
		if len(tr2.MaskBoxes(0)) != 0 {
			t.Errorf("a frame's masks before its track is born: %v", tr2.MaskBoxes(0))
		}
	}
}

// TestLagCoversLateBirth: a person seen only every MaxAge+1 frames is born at
// the third sighting; the first frame's masks are complete Lag frames later.
func TestLagCoversLateBirth(t *testing.T) {
	p := DefaultParams()
	w := walker{Box{100, 200, 40, 100}, 1, 0}
	gap := p.MaxAge + 1
	tr, err := New(p, 768, 576)
	if err != nil {
		t.Fatal(err)
	}
	var atLag []Mask
	for f := 0; f <= p.Lag(); f++ {
		var dets []Detection
		if f%gap == 0 {
			dets = []Detection{person(w.at(f))}
		}
		if err := tr.Update(f, dets); err != nil {
			t.Fatal(err)
		}
		if f == p.Lag()-1 && len(tr.MaskBoxes(0)) != 0 {
			t.Fatalf("frame 0 masked before the track's third sighting: the scene does not test the lag")
		}
	}
	atLag = tr.MaskBoxes(0)
	if len(atLag) != 1 || bestCover(atLag, 1, w.at(0)) < 0.99 {
		t.Errorf("frame 0 masks at Lag %d: %+v, want the person covered", p.Lag(), atLag)
	}
	for f := 0; f <= p.Lag(); f++ {
		if bestCover(tr.MaskBoxes(f), 1, w.at(f)) < 0.99 {
			t.Errorf("frame %d: the person is not covered", f)
		}
	}
}
