package auditlog

import (
	"bytes"
	"crypto/sha256"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"custodian"
)

// tamperBase writes 60 records with a checkpoint at every 10th and returns the directory
// and the newest checkpoint (as an operator would have exported it).
func tamperBase(t *testing.T) (string, Checkpoint) {
	dir := filepath.Join(t.TempDir(), "audit")
	clk := newTestClock(novemberT, time.Second)
	l := openLog(t, dir, Options{Now: clk.Now, CheckpointEvery: 10})
	appendN(t, l, 60, "kim")
	l.Close()
	rep := mustClean(t, dir)
	if rep.Checkpoints != 6 || rep.Last.Seq != 60 {
		t.Fatalf("base: %+v", rep)
	}
	return dir, rep.Last
}

// rechain re-encodes the records of a file from index i on (after edit changes them),
// chaining each from the one before, with valid checksums: a rewrite by someone who knows
// the format but not the signing key.
func rechain(t *testing.T, path string, i int, edit func(*Event)) {
	b := readFile(t, path)
	fr := frames(t, path)
	var evs []Event
	for _, f := range fr[i:] {
		e, err := DecodeRecord(b[f.off+frameHead : f.off+f.n-frameTrail])
		if err != nil {
			t.Fatal(err)
		}
		evs = append(evs, e)
	}
	var prev [32]byte
	copy(prev[:], b[fr[i-1].off+fr[i-1].n-frameTrail:])
	out := append([]byte{}, b[:fr[i].off]...)
	ch := newChainHasher()
	for k := range evs {
		if k == 0 {
			edit(&evs[k])
		}
		out, prev = appendFrame(out, &evs[k], &prev, ch)
	}
	writeFile(t, path, out)
}

func TestTamperDetected(t *testing.T) {
	base, exported := tamperBase(t)
	const month = "2026-11.log"
	fr := frames(t, filepath.Join(base, month))
	if len(fr) != 60 {
		t.Fatalf("%d frames", len(fr))
	}
	body := func(i int) int64 { return fr[i].off + frameHead } // where record i+1's body starts
	type want struct {
		file   string
		off    int64
		seq    uint64
		msg    string
		count  int // the number of problems, when it matters
		second *want
	}
	cases := []struct {
		name    string
		tamper  func(t *testing.T, dir string)
		against []Checkpoint
		want    *want // nil: not detected
	}{
		{"edited byte, checksum left", func(t *testing.T, dir string) {
			p := filepath.Join(dir, month)
			b := readFile(t, p)
			b[body(19)+34] ^= 1 // "kim" → "jim"
			writeFile(t, p, b)
		}, nil, &want{file: month, off: fr[19].off, seq: 20, msg: "damaged or altered", count: 1}},

		{"edited byte, checksum recomputed", func(t *testing.T, dir string) {
			p := filepath.Join(dir, month)
			b := readFile(t, p)
			b[body(19)+34] ^= 1
			reseal(b[fr[19].off:])
			writeFile(t, p, b)
		}, nil, &want{file: month, off: fr[19].off, seq: 20, msg: "its bytes do not match its stored hash", count: 1}},

		{"stored hash edited", func(t *testing.T, dir string) {
			p := filepath.Join(dir, month)
			b := readFile(t, p)
			b[fr[19].off+fr[19].n-frameTrail+5] ^= 0x40
			reseal(b[fr[19].off:])
			writeFile(t, p, b)
		}, nil, &want{file: month, off: fr[19].off, seq: 20, msg: "altered", count: 2}}, // the record, and checkpoint 20

		{"rewritten with the chain recomputed", func(t *testing.T, dir string) {
			rechain(t, filepath.Join(dir, month), 24, func(e *Event) { e.Actor = "lee" })
		}, nil, &want{file: month, off: fr[29].off, seq: 30, msg: "were rewritten", count: 4}},

		{"record deleted", func(t *testing.T, dir string) {
			p := filepath.Join(dir, month)
			b := readFile(t, p)
			writeFile(t, p, append(b[:fr[19].off:fr[19].off], b[fr[19].off+fr[19].n:]...))
		}, nil, &want{file: month, off: fr[19].off, seq: 21, msg: "expected seq 20, found 21"}},

		{"two records swapped", func(t *testing.T, dir string) {
			p := filepath.Join(dir, month)
			b := readFile(t, p)
			r20, r21 := b[fr[19].off:fr[19].off+fr[19].n], b[fr[20].off:fr[20].off+fr[20].n]
			out := append(append(append(append([]byte{}, b[:fr[19].off]...), r21...), r20...), b[fr[20].off+fr[20].n:]...)
			writeFile(t, p, out)
		}, nil, &want{file: month, off: fr[19].off, seq: 21, msg: "expected seq 20, found 21",
			second: &want{file: month, off: fr[19].off + fr[20].n, seq: 20, msg: "out of order"}}},

		{"unreadable bytes", func(t *testing.T, dir string) {
			p := filepath.Join(dir, month)
			b := readFile(t, p)
			copy(b[fr[19].off:], []byte{0, 0, 0, 0})
			writeFile(t, p, b)
		}, nil, &want{file: month, off: fr[19].off, seq: 20, msg: "unreadable"}},

		{"truncated, checkpoints kept", func(t *testing.T, dir string) {
			p := filepath.Join(dir, month)
			writeFile(t, p, readFile(t, p)[:fr[34].off+fr[34].n])
		}, nil, &want{file: month, off: fr[34].off + fr[34].n, seq: 40, msg: "removed from the end", count: 3}},

		{"truncated, checkpoints trimmed too: not detected alone", func(t *testing.T, dir string) {
			truncateWithCheckpoints(t, dir, fr[34].off+fr[34].n, 30)
		}, nil, nil},

		{"truncated, checkpoints trimmed too: detected against an exported checkpoint", func(t *testing.T, dir string) {
			truncateWithCheckpoints(t, dir, fr[34].off+fr[34].n, 30)
		}, []Checkpoint{exported}, &want{file: month, off: fr[34].off + fr[34].n, seq: 60, msg: "removed from the end", count: 1}},

		{"whole log rewritten with checkpoints removed: detected against an exported checkpoint", func(t *testing.T, dir string) {
			rechain(t, filepath.Join(dir, month), 24, func(e *Event) { e.Purpose = "다른 목적" })
			os.Remove(filepath.Join(dir, CheckpointsFile))
		}, []Checkpoint{exported}, &want{file: month, seq: 60, msg: "were rewritten", count: 1}}, // the offset moved

		{"forged record appended after the last checkpoint: not detected", func(t *testing.T, dir string) {
			p := filepath.Join(dir, month)
			b := readFile(t, p)
			var prev [32]byte
			copy(prev[:], b[len(b)-frameTrail:])
			e := Event{Seq: 61, Time: novemberT.Add(time.Hour), Actor: "forger", Action: ActionPlayback, Result: ResultOK}
			b, _ = appendFrame(b, &e, &prev, newChainHasher())
			writeFile(t, p, b)
		}, []Checkpoint{exported}, nil},

		{"forged checkpoint signature", func(t *testing.T, dir string) {
			editCheckpoints(t, dir, func(c *Checkpoint) {
				if c.Seq == 30 {
					c.Hash = sha256.Sum256([]byte("another"))
				}
			})
		}, nil, &want{file: CheckpointsFile, seq: 30, msg: "signature", count: 1}},

		{"checkpoint signed with another key", func(t *testing.T, dir string) {
			p := filepath.Join(dir, CheckpointsFile)
			c := signCheckpoint(otherKey, 70, sha256.Sum256([]byte("x")), novemberT.Add(2*time.Hour))
			writeFile(t, p, append(readFile(t, p), c.String()+"\n"...))
		}, nil, &want{file: CheckpointsFile, seq: 70, msg: "signature", count: 1}},

		{"forged exported checkpoint", func(t *testing.T, dir string) {}, []Checkpoint{{Seq: 70, Time: novemberT, Signature: exported.Signature}},
			&want{file: "(exported)", seq: 70, msg: "signature", count: 1}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := copyDir(t, base)
			tc.tamper(t, dir)
			rep := verify(t, dir, tc.against...)
			if tc.want == nil {
				if !rep.OK() {
					t.Fatalf("unexpected problems: %v", rep.Problems)
				}
				return
			}
			if len(rep.Problems) == 0 {
				t.Fatal("not detected")
			}
			check := func(p Problem, w *want) {
				t.Helper()
				if p.File != w.file || (w.off != 0 && p.Offset != w.off) || p.Seq != w.seq || !strings.Contains(p.En, w.msg) || p.Ko == "" {
					t.Fatalf("problem %s\nwant %s @%d (seq %d): …%s…\nall: %v", p, w.file, w.off, w.seq, w.msg, rep.Problems)
				}
			}
			check(rep.Problems[0], tc.want)
			if tc.want.second != nil {
				check(rep.Problems[1], tc.want.second)
			}
			if tc.want.count != 0 && len(rep.Problems) != tc.want.count {
				t.Fatalf("%d problems, want %d: %v", len(rep.Problems), tc.want.count, rep.Problems)
			}
		})
	}
}

func truncateWithCheckpoints(t *testing.T, dir string, size int64, upTo uint64) {
	p := filepath.Join(dir, "2026-11.log")
	writeFile(t, p, readFile(t, p)[:size])
	var keep []string
	cps, _ := ParseCheckpoints(readFile(t, filepath.Join(dir, CheckpointsFile)))
	for _, c := range cps {
		if c.Seq <= upTo {
			keep = append(keep, c.String())
		}
	}
	writeFile(t, filepath.Join(dir, CheckpointsFile), []byte(strings.Join(keep, "\n")+"\n"))
}

func editCheckpoints(t *testing.T, dir string, edit func(*Checkpoint)) {
	p := filepath.Join(dir, CheckpointsFile)
	cps, err := ParseCheckpoints(readFile(t, p))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	for _, c := range cps {
		edit(&c)
		b.WriteString(c.String() + "\n")
	}
	writeFile(t, p, b.Bytes())
}

// Tampering with month files: one removed from the middle or the beginning, one renamed.
func TestTamperMonths(t *testing.T) {
	base := filepath.Join(t.TempDir(), "audit")
	clk := newTestClock(time.Date(2026, 9, 10, 10, 0, 0, 0, custodian.KST), time.Second)
	l := openLog(t, base, Options{Now: clk.Now})
	for _, m := range []time.Month{9, 10, 11} {
		clk.Set(time.Date(2026, m, 10, 10, 0, 0, 0, custodian.KST))
		appendN(t, l, 5, "kim")
	}
	l.Close()
	mustClean(t, base)
	for _, tc := range []struct {
		name   string
		tamper func(dir string)
		file   string
		seq    uint64
		msg    string
	}{
		{"a month removed from the middle", func(dir string) { os.Remove(filepath.Join(dir, "2026-10.log")) },
			"2026-11.log", 11, "(seq 6–10) are missing"},
		{"the oldest month removed", func(dir string) { os.Remove(filepath.Join(dir, "2026-09.log")) },
			"2026-10.log", 6, "beginning of the log is missing"},
		{"a month file renamed", func(dir string) {
			os.Rename(filepath.Join(dir, "2026-10.log"), filepath.Join(dir, "2026-08.log"))
		}, "2026-08.log", 6, "renamed"},
		{"a month file replaced by another log's", func(dir string) {
			other := filepath.Join(t.TempDir(), "other")
			l := openLog(t, other, Options{Now: newTestClock(time.Date(2026, 10, 3, 0, 0, 0, 0, custodian.KST), time.Second).Now})
			appendN(t, l, 5, "kim")
			l.Close()
			writeFile(t, filepath.Join(dir, "2026-10.log"), readFile(t, filepath.Join(other, "2026-10.log")))
		}, "2026-10.log", 1, "overlap"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := copyDir(t, base)
			tc.tamper(dir)
			rep := verify(t, dir)
			if len(rep.Problems) == 0 {
				t.Fatal("not detected")
			}
			if p := rep.Problems[0]; p.File != tc.file || p.Offset != 0 || p.Seq != tc.seq || !strings.Contains(p.En, tc.msg) {
				t.Fatalf("first problem %s, want %s seq %d …%s…\nall: %v", p, tc.file, tc.seq, tc.msg, rep.Problems)
			}
		})
	}
}

// Open keeps working (and new records are logged) when the log is damaged in the middle;
// Verify keeps reporting the damage.
func TestOpenWithDamageKeepsLogging(t *testing.T) {
	dir, _ := tamperBase(t)
	p := filepath.Join(dir, "2026-11.log")
	fr := frames(t, p)
	b := readFile(t, p)
	b[fr[10].off+frameHead+34] ^= 1
	writeFile(t, p, b)
	l := openLog(t, dir, Options{})
	e, err := l.Append(bgctx, Event{Actor: "kim", Action: ActionLive})
	if err != nil || e.Seq != 61 {
		t.Fatalf("append after damage: %d %v", e.Seq, err)
	}
	l.Close()
	rep := verify(t, dir)
	if len(rep.Problems) != 1 || rep.Problems[0].Seq != 11 || rep.LastSeq != 61 {
		t.Fatalf("%+v", rep)
	}
}

// The month file being written is removed while the log is open: the log stops (no new
// file is started at seq 1 as if nothing had been), and Verify reports the loss.
func TestFileRemovedWhileOpen(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "audit")
	clk := newTestClock(novemberT, time.Second)
	l := openLog(t, dir, Options{Now: clk.Now, CheckpointEvery: 5})
	appendN(t, l, 12, "kim")
	if err := os.Remove(filepath.Join(dir, "2026-11.log")); err != nil {
		t.Fatal(err)
	}
	_, err := l.Append(bgctx, Event{Actor: "kim", Action: ActionLive})
	if custodian.ErrorCode(err) != custodian.ECONFLICT || !strings.Contains(err.Error(), "seq 12") {
		t.Fatalf("append after the month file was removed: %v", err)
	}
	l.Close()
	if _, err := os.Stat(filepath.Join(dir, "2026-11.log")); err == nil {
		t.Fatal("a new month file was started after the removal")
	}
	// The checkpoints at 5 and 10 name records that are gone.
	rep := verify(t, dir)
	if len(rep.Problems) != 2 || rep.Problems[0].Seq != 5 || !strings.Contains(rep.Problems[0].En, "removed from the end") {
		t.Fatalf("the removal of the month file: %v", rep.Problems)
	}
}
