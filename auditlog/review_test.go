package auditlog

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"custodian"
)

func kst(mo time.Month, d, h, m int) time.Time {
	return time.Date(2026, mo, d, h, m, 0, 0, custodian.KST)
}

// A synthetic November 2026 (1 Nov is a Sunday): exports listed, off-hours access flagged
// (night, weekend, holiday), one actor with unusual volume, denied attempts, counts.
func TestReview(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "audit")
	clk := newTestClock(kst(10, 30, 10, 0), 0)
	l := openLog(t, dir, Options{Now: clk.Now})
	add := func(at time.Time, e Event) {
		t.Helper()
		clk.Set(at)
		if _, err := l.Append(bgctx, e); err != nil {
			t.Fatal(err)
		}
	}
	// October: not in the review.
	add(kst(10, 30, 10, 0), Event{Actor: "kim", Action: ActionExport, Camera: "gate", Purpose: "old"})
	// Exports and downloads.
	from, to := kst(11, 9, 8, 0), kst(11, 9, 8, 30)
	add(kst(11, 10, 10, 0), Event{Actor: "kim", Source: "10.0.0.1", Action: ActionExport, Camera: "gate", From: from, To: to, Purpose: "경찰 수사 협조", Object: "clip-1.mp4"})
	add(kst(11, 14, 11, 0), Event{Actor: "lee", Action: ActionDownload, Camera: "lobby", From: from, To: to, Purpose: "정보주체 열람 청구"}) // Saturday
	// Playback at the edges of working hours (Wednesday 11 November).
	add(kst(11, 11, 8, 59), Event{Actor: "park", Action: ActionPlayback, Camera: "lobby", Purpose: "분실물"})
	add(kst(11, 11, 9, 0), Event{Actor: "park", Action: ActionPlayback, Camera: "lobby", Purpose: "분실물"})
	add(kst(11, 11, 17, 59), Event{Actor: "park", Action: ActionPlayback, Camera: "lobby", Purpose: "분실물"})
	add(kst(11, 11, 18, 0), Event{Actor: "park", Action: ActionLive, Camera: "lobby", Purpose: "분실물"})
	add(kst(11, 12, 10, 0), Event{Actor: "park", Action: ActionLive, Camera: "lobby"}) // a holiday (option), no purpose
	// Volume: a, b, c, d with 5, 6, 7, 8 footage actions; heavy with 25. With the others (kim 1, lee 1,
	// guest 2, park 5) the median is 5 and the threshold max(20, 3 × 5) = 20.
	at := kst(11, 16, 10, 0) // Monday
	for actor, n := range map[string]int{"a": 5, "b": 6, "c": 7, "d": 8, "heavy": 25} {
		for i := 0; i < n; i++ {
			at = at.Add(time.Minute)
			add(at, Event{Actor: actor, Action: ActionPlayback, Camera: "gate", Purpose: "시설 안전"})
		}
	}
	// Denied attempts, an error, and records that are not footage access.
	add(kst(11, 17, 10, 0), Event{Actor: "guest", Action: ActionPlayback, Camera: "gate", Purpose: "궁금해서", Result: ResultDenied})
	add(kst(11, 17, 23, 0), Event{Actor: "guest", Action: ActionExport, Camera: "gate", Result: ResultDenied})
	add(kst(11, 18, 10, 0), Event{Actor: "system:retention", Action: ActionRetentionDestroy, Camera: "gate", Result: ResultError})
	add(kst(11, 21, 3, 0), Event{Actor: "system:recorder", Action: ActionSegmentCreate, Camera: "gate"}) // Saturday night, not access
	clk.Set(kst(11, 30, 12, 0))
	l.Close()

	rep, err := Review(bgctx, dir, "2026-11", ReviewOptions{Holidays: []custodian.Date{{Year: 2026, Month: 11, Day: 12}}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Month != "2026-11" || rep.Records != 7+51+4 || rep.WorkHours != "09:00-18:00 Mon-Fri" {
		t.Fatalf("month %s, %d records, %s", rep.Month, rep.Records, rep.WorkHours)
	}
	// Every export and download with actor, time, camera, period, purpose (the denied
	// export too: it was an attempt).
	if len(rep.Exports) != 3 || rep.Exports[0].Actor != "kim" || rep.Exports[0].Camera != "gate" || !rep.Exports[0].From.Equal(from) ||
		!rep.Exports[0].To.Equal(to) || rep.Exports[0].Purpose != "경찰 수사 협조" || rep.Exports[1].Action != ActionDownload || rep.Exports[2].Result != ResultDenied {
		t.Fatalf("exports: %+v", rep.Exports)
	}
	var off []string
	for _, e := range rep.OffHours {
		off = append(off, e.Actor+" "+e.Time.Format("01-02 15:04")+" "+e.Reason)
	}
	wantOff := "lee 11-14 11:00 weekend|park 11-11 08:59 night|park 11-11 18:00 night|park 11-12 10:00 holiday|guest 11-17 23:00 night"
	if strings.Join(off, "|") != wantOff {
		t.Fatalf("off hours:\n%s\nwant\n%s", strings.Join(off, "|"), wantOff)
	}
	if rep.VolumeMedian != 5 || rep.VolumeThreshold != 20 || len(rep.Unusual) != 1 || rep.Unusual[0].Actor != "heavy" || rep.Unusual[0].Count != 25 {
		t.Fatalf("volume: median %v threshold %v unusual %+v (all %+v)", rep.VolumeMedian, rep.VolumeThreshold, rep.Unusual, rep.Volume)
	}
	if rep.Volume[0].Actor != "heavy" || !rep.Volume[0].Unusual || rep.Volume[1].Unusual {
		t.Fatalf("volume order: %+v", rep.Volume)
	}
	if len(rep.Denied) != 2 || rep.Denied[0].Purpose != "궁금해서" {
		t.Fatalf("denied: %+v", rep.Denied)
	}
	if len(rep.NoPurpose) != 2 || rep.NoPurpose[0].Time.Day() != 12 {
		t.Fatalf("no purpose: %+v", rep.NoPurpose)
	}
	counts := map[string]ActionCount{}
	for _, a := range rep.Actions {
		counts[a.Action] = a
	}
	if counts[ActionPlayback].Count != 3+51+1 || counts[ActionPlayback].Denied != 1 || counts[ActionExport].Count != 2 ||
		counts[ActionRetentionDestroy].Errors != 1 || counts[ActionLive].Count != 2 || len(counts) != 6 {
		t.Fatalf("counts: %+v", rep.Actions)
	}
	js, _ := json.Marshal(rep)
	for _, key := range []string{`"exports":`, `"off_hours":`, `"unusual":`, `"denied":`, `"actions":`, `"volume_threshold":20`, `"reason":"weekend"`} {
		if !strings.Contains(string(js), key) {
			t.Fatalf("JSON lacks %s: %s", key, js)
		}
	}

	// The median rule: everyone at 30 except one at 91 → threshold 90.
	dir2 := filepath.Join(t.TempDir(), "audit")
	clk.Set(kst(11, 2, 10, 0))
	l = openLog(t, dir2, Options{Now: clk.Now})
	for actor, n := range map[string]int{"a": 30, "b": 30, "c": 30, "d": 91} {
		for i := 0; i < n; i++ {
			l.Append(bgctx, Event{Actor: actor, Action: ActionLive, Purpose: "x"})
		}
	}
	l.Close()
	rep, err = Review(bgctx, dir2, "2026-11", ReviewOptions{DayStart: 8 * time.Hour, DayEnd: 20 * time.Hour})
	if err != nil || rep.VolumeThreshold != 90 || len(rep.Unusual) != 1 || rep.Unusual[0].Actor != "d" || len(rep.OffHours) != 0 {
		t.Fatalf("%v %+v", err, rep)
	}
	if _, err := Review(bgctx, dir2, "2026-13", ReviewOptions{}); custodian.ErrorCode(err) != custodian.EINVALID {
		t.Fatalf("bad month: %v", err)
	}
	if _, err := Review(bgctx, dir2, "2026-11", ReviewOptions{DayStart: 20 * time.Hour, DayEnd: 8 * time.Hour}); custodian.ErrorCode(err) != custodian.EINVALID {
		t.Fatalf("bad hours: %v", err)
	}
}

// A record has one JSON shape: the review's entries are the event's JSON (every field,
// from/to null when unset, prev and hash) plus "reason"; Export's lines are the same
// plus "type".
func TestOneJSONShape(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "audit")
	clk := newTestClock(kst(11, 14, 23, 0), 0) // a Saturday night
	l := openLog(t, dir, Options{Now: clk.Now})
	e, err := l.Append(bgctx, Event{Actor: "kim", Source: "10.0.0.1", Action: ActionExport, Camera: "gate",
		From: kst(11, 14, 8, 0), To: kst(11, 14, 8, 30), Purpose: "경찰 수사 협조", Object: "clip-1.mp4", Detail: "sha256=ab"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := l.Append(bgctx, Event{Actor: "lee", Action: ActionLive, Camera: "gate"}); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	keys := func(b []byte) map[string]any {
		t.Helper()
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	ev, _ := json.Marshal(e)
	want := keys(ev)
	for _, k := range []string{"seq", "time", "actor", "source", "action", "camera", "from", "to", "object", "purpose", "result", "detail", "prev", "hash"} {
		if _, ok := want[k]; !ok {
			t.Errorf("the event's JSON lacks %q: %s", k, ev)
		}
	}
	rep, err := Review(bgctx, dir, "2026-11", ReviewOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Exports) != 1 || len(rep.OffHours) != 2 {
		t.Fatalf("exports %d, off hours %d", len(rep.Exports), len(rep.OffHours))
	}
	rb, _ := json.Marshal(rep.OffHours[0])
	got := keys(rb)
	if got["reason"] != ReasonWeekend {
		t.Errorf("reason: %s", rb)
	}
	delete(got, "reason")
	if gb, _ := json.Marshal(got); string(gb) != string(mustJSON(t, want)) {
		t.Errorf("a review entry's JSON is not the event's:\n%s\n%s", gb, ev)
	}
	var back ReviewEntry
	if err := json.Unmarshal(rb, &back); err != nil || back.Reason != ReasonWeekend || back.Hash != e.Hash || !back.From.Equal(e.From) {
		t.Errorf("round trip: %+v, %v", back, err)
	}
	var buf strings.Builder
	if err := Export(bgctx, dir, &buf); err != nil {
		t.Fatal(err)
	}
	first := keys([]byte(strings.SplitN(buf.String(), "\n", 2)[0]))
	if first["type"] != "record" {
		t.Fatalf("export's first line: %v", first)
	}
	delete(first, "type")
	if string(mustJSON(t, first)) != string(mustJSON(t, want)) {
		t.Errorf("an export line is not the event's JSON:\n%v\n%s", first, ev)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
