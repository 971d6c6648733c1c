package auditlog

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"custodian"
)

// Many goroutines append at once: every Append gets its own seq, the seqs have no gaps,
// the chain verifies and Scan returns the records in order, chained.
func TestAppendManyGoroutines(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "audit")
	l := openLog(t, dir, Options{CheckpointEvery: 100})
	const goroutines, each = 16, 100
	seqs := make(chan uint64, goroutines*each)
	var wg sync.WaitGroup
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				e, err := l.Append(bgctx, Event{Actor: fmt.Sprintf("user-%d", g), Action: ActionLive, Camera: "gate", Purpose: "시설 안전"})
				if err != nil {
					t.Error(err)
					return
				}
				if e.Seq == 0 || e.Hash == ([32]byte{}) || e.Time.IsZero() || e.Result != ResultOK {
					t.Errorf("Append returned %+v", e)
				}
				seqs <- e.Seq
			}
		}()
	}
	wg.Wait()
	close(seqs)
	var got []uint64
	for s := range seqs {
		got = append(got, s)
	}
	sort.Slice(got, func(i, j int) bool { return got[i] < got[j] })
	for i, s := range got {
		if s != uint64(i+1) {
			t.Fatalf("seqs are not 1..%d: position %d has %d", len(got), i, s)
		}
	}
	st := l.Stats()
	if st.Records != goroutines*each || st.Batches == 0 || st.Batches > st.Records {
		t.Fatalf("stats %+v", st)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Append(bgctx, Event{Actor: "x", Action: ActionLive}); err == nil {
		t.Fatal("Append after Close worked")
	}
	rep := mustClean(t, dir)
	if rep.Records != goroutines*each || rep.LastSeq != goroutines*each || rep.Unsigned != 0 {
		t.Fatalf("report %+v", rep)
	}
	// A checkpoint ends the batch in which 100 records since the last one are reached.
	cps, _ := ParseCheckpoints(readFile(t, filepath.Join(dir, CheckpointsFile)))
	var last uint64
	for _, c := range cps {
		if c.Seq-last >= 100+goroutines {
			t.Fatalf("checkpoints at %d and %d: more than a batch past every 100 records", last, c.Seq)
		}
		last = c.Seq
	}
	if len(cps) != rep.Checkpoints || last != goroutines*each {
		t.Fatalf("%d checkpoints, the last at %d", len(cps), last)
	}
	if rep.Last.Seq != goroutines*each {
		t.Fatalf("the last checkpoint is at %d, want the final one", rep.Last.Seq)
	}
	evs := scanAll(t, dir, Filter{})
	var prev [32]byte
	for i, e := range evs {
		if e.Seq != uint64(i+1) || e.Prev != prev {
			t.Fatalf("record %d: seq %d, prev chained: %v", i, e.Seq, e.Prev == prev)
		}
		h := sha256.Sum256(append(prev[:], EncodeRecord(e)...))
		if h != e.Hash {
			t.Fatalf("record %d: hash is not SHA-256(prev ‖ canonical bytes)", e.Seq)
		}
		prev = e.Hash
	}
}

// TestChildAppender is run by TestTwoProcesses in child processes.
func TestChildAppender(t *testing.T) {
	dir := os.Getenv("AUDITLOG_CHILD_DIR")
	if dir == "" {
		t.Skip("a helper of TestTwoProcesses")
	}
	name := os.Getenv("AUDITLOG_CHILD_NAME")
	n, _ := strconv.Atoi(os.Getenv("AUDITLOG_CHILD_N"))
	l := openLog(t, dir, Options{CheckpointEvery: 50})
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < n/4; i++ {
				if _, err := l.Append(bgctx, Event{Actor: name, Source: "cli", Action: ActionPlayback, Purpose: "test"}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
}

// Two other processes and this one append to one directory at once; the chain must not
// fork: the seqs are contiguous, every record is there and the log verifies.
func TestTwoProcesses(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "audit")
	l := openLog(t, dir, Options{CheckpointEvery: 50})
	const perChild = 400
	var cmds []*exec.Cmd
	var outs []*bytes.Buffer
	for _, name := range []string{"child-a", "child-b"} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestChildAppender$", "-test.count=1", "-test.v")
		cmd.Env = append(os.Environ(), "AUDITLOG_CHILD_DIR="+dir, "AUDITLOG_CHILD_NAME="+name, "AUDITLOG_CHILD_N="+strconv.Itoa(perChild))
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds, outs = append(cmds, cmd), append(outs, &out)
	}
	done := make(chan error, len(cmds))
	for _, c := range cmds {
		go func() { done <- c.Wait() }()
	}
	parent := 0
	finished := 0
	for finished < len(cmds) || parent < 100 {
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("child: %v\n%s%s", err, outs[0], outs[1])
			}
			finished++
		default:
		}
		if _, err := l.Append(bgctx, Event{Actor: "parent", Action: ActionLive}); err != nil {
			t.Fatal(err)
		}
		parent++
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	for _, o := range outs {
		if !strings.Contains(o.String(), "PASS") || strings.Contains(o.String(), "SKIP") {
			t.Fatalf("child did not run:\n%s", o)
		}
	}
	rep := mustClean(t, dir)
	want := uint64(2*perChild + parent)
	if rep.Records != want || rep.LastSeq != want || rep.Unsigned != 0 {
		t.Fatalf("records %d, last %d, unsigned %d; want %d", rep.Records, rep.LastSeq, rep.Unsigned, want)
	}
	count := map[string]int{}
	for _, e := range scanAll(t, dir, Filter{}) {
		count[e.Actor]++
	}
	if count["child-a"] != perChild || count["child-b"] != perChild || count["parent"] != parent {
		t.Fatalf("records per process: %v", count)
	}
}

// A crash mid-write leaves an incomplete record (and maybe an incomplete checkpoint line):
// Verify reports it, Open cuts it and records the repair, and the log verifies again.
func TestTornTailRepairedAtOpen(t *testing.T) {
	for _, tc := range []struct {
		name string
		keep bool // the whole frame is there and stays
		tail func(frame []byte) []byte
	}{
		{"half a record", false, func(f []byte) []byte { return f[:len(f)/2] }},
		{"a record and a half", true, func(f []byte) []byte { return append(append([]byte{}, f...), f[:7]...) }},
		{"zeros", false, func(f []byte) []byte { return make([]byte, 4096) }},
		{"whole record, bad checksum", false, func(f []byte) []byte { g := append([]byte{}, f...); g[len(g)-1] ^= 1; return g }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "audit")
			clk := newTestClock(novemberT, time.Second)
			l := openLog(t, dir, Options{Now: clk.Now})
			appendN(t, l, 10, "kim")
			l.Close()
			path := filepath.Join(dir, "2026-11.log")
			good := readFile(t, path)
			evs := scanAll(t, dir, Filter{})
			last := evs[len(evs)-1]
			// The frame the crashed batch was writing: seq 11, chained from seq 10.
			e := Event{Seq: 11, Time: clk.Now(), Actor: "kim", Action: ActionExport, Result: ResultOK}
			fr, _ := appendFrame(nil, &e, &last.Hash, newChainHasher())
			torn := tc.tail(fr)
			writeFile(t, path, append(append([]byte{}, good...), torn...))
			if tc.keep {
				good, torn = append(good, fr...), torn[len(fr):]
			}
			cpPath := filepath.Join(dir, CheckpointsFile)
			cps := readFile(t, cpPath)
			writeFile(t, cpPath, append(append([]byte{}, cps...), "custodian-audit-checkpoint-v1 11 ab"...))

			rep := verify(t, dir)
			if len(rep.Problems) != 2 || rep.Problems[0].Offset != int64(len(good)) || rep.Problems[0].File != "2026-11.log" ||
				rep.Problems[1].File != CheckpointsFile || !strings.Contains(rep.Problems[1].En, "incomplete") {
				t.Fatalf("before Open: %v", rep.Problems)
			}
			l = openLog(t, dir, Options{Now: clk.Now})
			if err := l.Close(); err != nil {
				t.Fatal(err)
			}
			after := readFile(t, path)
			if !bytes.HasPrefix(after, good) {
				t.Fatal("Open changed the records before the torn tail")
			}
			rep = mustClean(t, dir)
			evs = scanAll(t, dir, Filter{Action: ActionLogRepair})
			first := uint64(11)
			if tc.keep {
				first = 12
			}
			if len(evs) != 2 || evs[0].Seq != first || evs[0].Object != "2026-11.log" ||
				!strings.Contains(evs[0].Detail, fmt.Sprintf("%d bytes at offset %d", len(torn), len(good))) ||
				evs[1].Object != CheckpointsFile || evs[0].Actor != SystemActor {
				t.Fatalf("repair records: %+v", evs)
			}
			if rep.LastSeq != first+1 {
				t.Fatalf("last seq %d", rep.LastSeq)
			}
		})
	}
}

// Records cross month boundaries (KST) with an injected testClock: one file per month, each
// header continuing the last month, a checkpoint at every boundary; Scan reads only the
// months it is asked for.
func TestMonthRollover(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "audit")
	clk := newTestClock(time.Date(2026, 10, 31, 23, 59, 58, 0, custodian.KST), 0)
	l := openLog(t, dir, Options{Now: clk.Now})
	for _, at := range []time.Time{
		time.Date(2026, 10, 31, 23, 59, 58, 0, custodian.KST), time.Date(2026, 10, 31, 23, 59, 59, 999999999, custodian.KST), // October
		time.Date(2026, 11, 1, 0, 0, 0, 0, custodian.KST), time.Date(2026, 11, 1, 0, 0, 1, 0, custodian.KST), // November
		time.Date(2027, 1, 15, 9, 0, 0, 0, custodian.KST), time.Date(2027, 1, 15, 9, 0, 1, 0, custodian.KST), // January; no December file
	} {
		clk.Set(at)
		if e, err := l.Append(bgctx, Event{Actor: "kim", Action: ActionPlayback}); err != nil || !e.Time.Equal(at) {
			t.Fatalf("append at %s: %v %v", at, e.Time, err)
		}
	}
	// The clock steps back across the boundary: the record stays in January.
	clk.Set(time.Date(2026, 12, 31, 23, 59, 59, 0, custodian.KST))
	e, err := l.Append(bgctx, Event{Actor: "park", Action: ActionLive})
	if err != nil {
		t.Fatal(err)
	}
	if !e.Time.Equal(time.Date(2027, 1, 1, 0, 0, 0, 0, custodian.KST)) {
		t.Fatalf("a record after the testClock stepped back has the time %s", e.Time)
	}
	// A caller's time in a month already closed, or in the future, is refused.
	clk.Set(time.Date(2027, 1, 20, 9, 0, 0, 0, custodian.KST))
	if _, err := l.Append(bgctx, Event{Actor: "park", Action: ActionLive, Time: time.Date(2026, 11, 3, 0, 0, 0, 0, custodian.KST)}); custodian.ErrorCode(err) != custodian.EINVALID {
		t.Fatalf("a time in a closed month: %v", err)
	}
	if _, err := l.Append(bgctx, Event{Actor: "park", Action: ActionLive, Time: time.Date(2027, 1, 20, 10, 0, 0, 0, custodian.KST)}); custodian.ErrorCode(err) != custodian.EINVALID {
		t.Fatalf("a time in the future: %v", err)
	}
	given := time.Date(2027, 1, 2, 3, 4, 5, 6, custodian.KST)
	if e, err := l.Append(bgctx, Event{Actor: "park", Action: ActionLive, Time: given}); err != nil || !e.Time.Equal(given) {
		t.Fatalf("a given time in the current month: %v %v", e.Time, err)
	}
	l.Close()

	months, _ := listMonths(dir)
	var names []string
	for _, m := range months {
		names = append(names, m.fileName())
	}
	if strings.Join(names, " ") != "2026-10.log 2026-11.log 2027-01.log" {
		t.Fatalf("files: %v", names)
	}
	for name, want := range map[string]uint64{"2026-10.log": 1, "2026-11.log": 3, "2027-01.log": 5} {
		b := readFile(t, filepath.Join(dir, name))
		h, err := parseHeader(b)
		if err != nil || h.FirstSeq != want {
			t.Fatalf("%s: header %+v %v", name, h, err)
		}
	}
	cps, _ := ParseCheckpoints(readFile(t, filepath.Join(dir, CheckpointsFile)))
	seqs := map[uint64]bool{}
	for _, c := range cps {
		seqs[c.Seq] = true
	}
	if !seqs[2] || !seqs[4] {
		t.Fatalf("no checkpoint at a month boundary: %v", seqs)
	}
	rep := mustClean(t, dir)
	if rep.Records != 8 || rep.Files != 3 {
		t.Fatalf("report %+v", rep)
	}

	var opened []string
	openFile = func(name string) (*os.File, error) {
		opened = append(opened, filepath.Base(name))
		return os.Open(name)
	}
	defer func() { openFile = os.Open }()
	nov := scanAll(t, dir, Filter{From: time.Date(2026, 11, 1, 0, 0, 0, 0, custodian.KST), To: time.Date(2026, 12, 1, 0, 0, 0, 0, custodian.KST)})
	if len(nov) != 2 || nov[0].Seq != 3 || nov[1].Seq != 4 {
		t.Fatalf("November: %+v", nov)
	}
	if strings.Join(opened, " ") != "2026-11.log" {
		t.Fatalf("Scan of November opened %v", opened)
	}
	opened = nil
	if got := scanAll(t, dir, Filter{From: time.Date(2026, 10, 31, 23, 59, 59, 0, custodian.KST), To: time.Date(2026, 11, 1, 0, 0, 1, 0, custodian.KST)}); len(got) != 2 || got[0].Seq != 2 {
		t.Fatalf("across the boundary: %+v", got)
	}
	if got := scanAll(t, dir, Filter{Actor: "park", ActionPrefix: "footage."}); len(got) != 2 {
		t.Fatalf("actor and action prefix: %d", len(got))
	}
}

// Prune removes whole months older than the retention; Verify still passes, and a month
// removed by anyone else is still detected.
func TestPrune(t *testing.T) {
	if _, err := Open(t.TempDir(), testKey, Options{Retention: 729 * 24 * time.Hour}); custodian.ErrorCode(err) != custodian.EINVALID {
		t.Fatalf("a retention under two years: %v", err)
	}
	dir := filepath.Join(t.TempDir(), "audit")
	clk := newTestClock(time.Date(2024, 1, 15, 10, 0, 0, 0, custodian.KST), time.Second)
	l := openLog(t, dir, Options{Now: clk.Now, CheckpointEvery: 3})
	for m := time.Date(2024, 1, 15, 10, 0, 0, 0, custodian.KST); m.Before(time.Date(2026, 4, 1, 0, 0, 0, 0, custodian.KST)); m = m.AddDate(0, 1, 0) {
		clk.Set(m)
		appendN(t, l, 2, "kim")
	}
	clk.Set(time.Date(2026, 3, 20, 12, 0, 0, 0, custodian.KST))
	removed, err := l.Prune(bgctx)
	if err != nil {
		t.Fatal(err)
	}
	// 2026-03-20 minus 730 days is 2024-03-21: January and February 2024 are older.
	if strings.Join(removed, " ") != "2024-01.log 2024-02.log" {
		t.Fatalf("removed %v", removed)
	}
	if again, err := l.Prune(bgctx); err != nil || len(again) != 0 {
		t.Fatalf("second prune: %v %v", again, err)
	}
	l.Close()
	rep := mustClean(t, dir)
	if rep.FirstSeq != 5 {
		t.Fatalf("first kept seq %d", rep.FirstSeq)
	}
	cps, _ := ParseCheckpoints(readFile(t, filepath.Join(dir, CheckpointsFile)))
	pinned := false
	for _, c := range cps {
		if c.Seq < 4 {
			t.Fatalf("a checkpoint before the boundary is left: %d", c.Seq)
		}
		pinned = pinned || c.Seq == 4
	}
	if !pinned {
		t.Fatal("no checkpoint at the boundary")
	}
	prunes := scanAll(t, dir, Filter{Action: ActionLogPrune})
	if len(prunes) != 1 || prunes[0].Actor != "system:retention" || !strings.Contains(prunes[0].Detail, "first_seq=5") {
		t.Fatalf("prune records %+v", prunes)
	}

	// Someone removes the next month as well: the beginning is missing.
	tampered := copyDir(t, dir)
	os.Remove(filepath.Join(tampered, "2024-03.log"))
	rep = verify(t, tampered)
	if len(rep.Problems) == 0 || rep.Problems[0].File != "2024-04.log" || rep.Problems[0].Offset != 0 || !strings.Contains(rep.Problems[0].En, "beginning of the log is missing") {
		t.Fatalf("a month removed at the beginning: %v", rep.Problems)
	}

	// A longer retention keeps more.
	dir2 := copyDir(t, dir)
	l = openLog(t, dir2, Options{Now: clk.Now, Retention: 800 * 24 * time.Hour})
	clk.Set(time.Date(2026, 3, 20, 12, 0, 0, 0, custodian.KST))
	if removed, err := l.Prune(bgctx); err != nil || len(removed) != 0 {
		t.Fatalf("800 days: %v %v", removed, err)
	}
	clk.Set(time.Date(2026, 7, 15, 12, 0, 0, 0, custodian.KST)) // minus 800 days: 2024-05-06
	if removed, err := l.Prune(bgctx); err != nil || strings.Join(removed, " ") != "2024-03.log 2024-04.log" {
		t.Fatalf("800 days later: %v %v", removed, err)
	}
	l.Close()
	mustClean(t, dir2)
}

func TestCheckpointText(t *testing.T) {
	c := signCheckpoint(testKey, 42, sha256.Sum256([]byte("x")), novemberT.Add(123456789))
	text, _ := c.MarshalText()
	var d Checkpoint
	if err := d.UnmarshalText(text); err != nil {
		t.Fatal(err)
	}
	if d.Seq != 42 || d.Hash != c.Hash || !d.Time.Equal(c.Time) || !bytes.Equal(d.Signature, c.Signature) || !d.Valid(testPub) {
		t.Fatalf("round trip: %v", d)
	}
	if strings.Count(string(text), " ") != 4 || strings.Contains(string(text), "\n") {
		t.Fatalf("not one line of five fields: %q", text)
	}
	if d.Valid(otherKey.Public().(ed25519.PublicKey)) {
		t.Fatal("valid under another key")
	}
	d.Seq++
	if d.Valid(testPub) {
		t.Fatal("valid with another seq")
	}
	for _, bad := range []string{"", "custodian-audit-checkpoint-v1 1 2 3 4", strings.Replace(string(text), " 42 ", " 042 ", 1),
		strings.Replace(string(text), checkpointTag, "x", 1), string(text) + " extra"} {
		if err := d.UnmarshalText([]byte(bad)); err == nil {
			t.Errorf("accepted %q", bad)
		}
	}
	js, _ := json.Marshal(struct{ C Checkpoint }{c})
	if !strings.Contains(string(js), string(text)) {
		t.Fatalf("JSON: %s", js)
	}
}

// Export writes every record and then the checkpoints; from the JSON alone, the chain can
// be recomputed, and the last line is the newest checkpoint.
func TestExport(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "audit")
	clk := newTestClock(novemberT, time.Second)
	l := openLog(t, dir, Options{Now: clk.Now, CheckpointEvery: 4})
	appendN(t, l, 10, "kim")
	if _, err := l.Append(bgctx, Event{Actor: "lee", Action: ActionExport, Camera: "gate", From: novemberT.Add(-time.Hour), To: novemberT,
		Purpose: "경찰 수사 협조 \"공문\" <2026-11>", Object: "clip.mp4", Detail: "sha256=ab size=12"}); err != nil {
		t.Fatal(err)
	}
	l.Close()
	var out bytes.Buffer
	if err := Export(bgctx, dir, &out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	var prev [32]byte
	records := 0
	var lastCP map[string]any
	for _, line := range lines {
		var typ struct{ Type string }
		json.Unmarshal([]byte(line), &typ)
		switch typ.Type {
		case "record":
			var e Event
			if err := json.Unmarshal([]byte(line), &e); err != nil {
				t.Fatal(err)
			}
			if e.Prev != prev || sha256.Sum256(append(prev[:], EncodeRecord(e)...)) != e.Hash {
				t.Fatalf("the exported record %d does not recompute", e.Seq)
			}
			prev = e.Hash
			records++
		case "checkpoint":
			json.Unmarshal([]byte(line), &lastCP)
		default:
			t.Fatalf("line %q", line)
		}
	}
	if records != 11 || lastCP == nil {
		t.Fatalf("%d records", records)
	}
	if !strings.Contains(lines[len(lines)-1], `"type":"checkpoint"`) || lastCP["seq"] != float64(11) {
		t.Fatalf("the last line is not the newest checkpoint: %s", lines[len(lines)-1])
	}
	if !strings.Contains(out.String(), `"purpose":"경찰 수사 협조 \"공문\" <2026-11>"`) || !strings.Contains(out.String(), `"from":"2026-11-10T09:00:00+09:00"`) {
		t.Fatalf("fields: %s", out.String())
	}
	cps, err := ParseCheckpoints(out.Bytes())
	if err != nil || len(cps) != 3 || cps[2].Seq != 11 {
		t.Fatalf("checkpoints from the export: %v %v", cps, err)
	}
	if rep := mustClean(t, dir, cps...); rep.Against != 3 {
		t.Fatalf("against: %d", rep.Against)
	}
}

func TestAppendRefusesBadEvents(t *testing.T) {
	l := openLog(t, filepath.Join(t.TempDir(), "audit"), Options{})
	defer l.Close()
	for _, e := range []Event{
		{Action: ActionLive},
		{Actor: "a"},
		{Actor: "a", Action: "Footage Live"},
		{Actor: "a", Action: ActionLive, Result: "maybe"},
		{Actor: "a", Action: ActionLive, Purpose: strings.Repeat("가", MaxField)},
		{Actor: "a", Action: ActionLive, Detail: strings.Repeat("x", MaxDetail+1)},
		{Actor: "a", Action: ActionLive, From: novemberT, To: novemberT.Add(-time.Second)},
		{Actor: "a", Action: ActionLive, From: time.Date(1000, 1, 1, 0, 0, 0, 0, time.UTC)},
	} {
		if _, err := l.Append(bgctx, e); custodian.ErrorCode(err) != custodian.EINVALID {
			t.Errorf("%+v: %v", e, err)
		}
	}
	e, err := l.Append(bgctx, Event{Actor: "a\xff", Action: ActionLive, Detail: strings.Repeat("x", MaxDetail)})
	if err != nil || e.Actor != "a\uFFFD" {
		t.Fatalf("invalid UTF-8 is replaced: %q %v", e.Actor, err)
	}
	ctx, cancel := context.WithCancel(bgctx)
	cancel()
	if _, err := l.Append(ctx, Event{Actor: "a", Action: ActionLive}); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled: %v", err)
	}
}

// Options.CheckpointInterval: a checkpoint once the interval has passed, as records arrive.
func TestCheckpointInterval(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "audit")
	clk := newTestClock(novemberT, 0)
	l := openLog(t, dir, Options{Now: clk.Now, CheckpointInterval: time.Minute})
	appendN(t, l, 3, "kim")
	if n := l.Stats().Checkpoints; n != 0 {
		t.Fatalf("%d checkpoints before the interval", n)
	}
	clk.Set(novemberT.Add(time.Minute))
	appendN(t, l, 1, "kim")
	if n := l.Stats().Checkpoints; n != 1 {
		t.Fatalf("%d checkpoints after the interval", n)
	}
	cp, err := l.Checkpoint(bgctx)
	if err != nil || cp.Seq != 4 || !cp.Valid(testPub) {
		t.Fatalf("Checkpoint: %v %v", cp, err)
	}
	l.Close()
	if rep := mustClean(t, dir); rep.Checkpoints != 2 || rep.Last.Seq != 4 {
		t.Fatalf("report %+v", rep)
	}
}

func TestVerifyProgress(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "audit")
	clk := newTestClock(time.Date(2026, 9, 10, 10, 0, 0, 0, custodian.KST), time.Second)
	l := openLog(t, dir, Options{Now: clk.Now})
	for _, m := range []time.Month{9, 10, 11} {
		clk.Set(time.Date(2026, m, 10, 10, 0, 0, 0, custodian.KST))
		appendN(t, l, 20, "kim")
	}
	l.Close()
	var mu sync.Mutex
	var calls int
	var last, total int64
	rep, err := Verify(bgctx, dir, testPub, VerifyOptions{Progress: func(done, all int64) {
		mu.Lock()
		defer mu.Unlock()
		if done < last || done > all {
			t.Errorf("progress %d of %d after %d", done, all, last)
		}
		calls++
		last, total = done, all
	}})
	if err != nil || !rep.OK() || rep.Files != 3 {
		t.Fatalf("%v %+v", err, rep)
	}
	var size int64
	for _, m := range []string{"2026-09.log", "2026-10.log", "2026-11.log"} {
		fi, _ := os.Stat(filepath.Join(dir, m))
		size += fi.Size()
	}
	if calls < 2 || last != size || total != size {
		t.Fatalf("%d calls, last %d of %d, size %d", calls, last, total, size)
	}
}
