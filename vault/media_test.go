package vault_test

import (
	"bytes"
	"testing"
	"time"

	"custodian"
	"custodian/fmp4"
	"custodian/vault"
)

// gop is a group of pictures of a test stream: 10 fps from at (seconds), n frames.
type gop struct {
	at  float64
	n   int
	key bool
}

// stream returns a fragmented MP4 with a fragment per group of pictures.
func stream(t *testing.T, gops ...gop) []byte {
	t.Helper()
	tr := fmp4.Track{Codec: "avc1", Config: []byte{1, 0x64, 0, 0x1f, 0xff, 0xe0, 0}, Width: 768, Height: 576, Timescale: 90000}
	init, err := fmp4.MuxInit(tr)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	b.Write(init)
	for i, g := range gops {
		var fb fmp4.FragmentBuilder
		at := int64(g.at * 90000)
		for k := 0; k < g.n; k++ {
			fb.Add([][]byte{{0x65, byte(k)}}, at+int64(k)*9000, g.key && k == 0)
		}
		if _, err := fb.WriteTo(&b, uint32(i+1), 0, at+int64(g.n)*9000); err != nil {
			t.Fatal(err)
		}
	}
	return b.Bytes()
}

// TestImportGapIsAGap: a gap of more than 10 s inside an imported file's times (a DVR
// export of motion-triggered recording) ends a segment, so that the timeline shows it;
// before the one cutter, a segment spanned it and claimed footage that is not there.
func TestImportGapIsAGap(t *testing.T) {
	e := newEnv(t)
	// 0–10 s, then 25–35 s: within one minute's target.
	data := stream(t, gop{0, 20, true}, gop{2, 20, true}, gop{4, 20, true}, gop{6, 20, true}, gop{8, 20, true},
		gop{25, 20, true}, gop{27, 20, true}, gop{29, 20, true}, gop{31, 20, true}, gop{33, 20, true})
	info, err := vault.CheckStream(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if info.Gaps != 1 || info.Segments != 2 || info.Duration != 35*time.Second || info.Fragments != 10 {
		t.Errorf("CheckStream: %+v; want 1 gap, 2 segments, 35 s, 10 fragments", info)
	}
	segs, err := e.v.ImportStream(e.ctx, bytes.NewReader(data), vault.ImportOptions{Camera: "cam", Start: day0, Class: "standard", Retention: thirtyDays})
	if err != nil {
		t.Fatal(err)
	}
	want := [][2]time.Duration{{0, 10 * time.Second}, {25 * time.Second, 35 * time.Second}}
	if len(segs) != len(want) {
		t.Fatalf("%d segments, want %d: %+v", len(segs), len(want), segs)
	}
	for i, s := range segs {
		if s.Start.Sub(day0) != want[i][0] || s.End.Sub(day0) != want[i][1] {
			t.Errorf("segment %d: +%v – +%v, want +%v – +%v", i, s.Start.Sub(day0), s.End.Sub(day0), want[i][0], want[i][1])
		}
	}
}

// TestImportRefusesWhatCannotBeStored: ImportStream applies the same rules as CheckStream
// (the one cutter): a stream that does not start with a keyframe, or whose fragment is
// longer than a segment may be, stores nothing. Before, ImportStream stored the first and
// failed at the vault's commit on the second (CheckStream had passed it).
func TestImportRefusesWhatCannotBeStored(t *testing.T) {
	for _, tc := range []struct {
		name string
		gops []gop
	}{
		{"no keyframe first", []gop{{0, 20, false}, {2, 20, true}}},
		{"a 16-minute fragment", []gop{{0, 9600, true}}},
	} {
		e := newEnv(t)
		data := stream(t, tc.gops...)
		if _, err := vault.CheckStream(bytes.NewReader(data)); err == nil {
			t.Errorf("%s: CheckStream passed it", tc.name)
		}
		segs, err := e.v.ImportStream(e.ctx, bytes.NewReader(data), vault.ImportOptions{Camera: "cam", Start: day0, Class: "standard", Retention: thirtyDays})
		if err == nil || custodian.ErrorCode(err) != custodian.EINVALID {
			t.Errorf("%s: ImportStream: %d segments, %v", tc.name, len(segs), err)
		} else {
			t.Logf("%s: %v", tc.name, err)
		}
		if found, err := e.v.Find(e.ctx, "cam", day0.Add(-time.Hour), day0.Add(time.Hour)); err != nil || len(found) != 0 {
			t.Errorf("%s: %d segments stored (%v)", tc.name, len(found), err)
		}
	}
}
