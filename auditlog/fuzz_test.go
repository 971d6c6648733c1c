package auditlog

import (
	"bytes"
	"io"
	"math/rand"
	"path/filepath"
	"testing"
	"time"
	"unicode/utf8"
)

func sampleEvent() Event {
	return Event{Seq: 17, Time: novemberT, Actor: "kim.minsu", Source: "10.0.0.17:51234", Action: ActionExport, Camera: "lobby-1f",
		From: novemberT.Add(-time.Hour), To: novemberT.Add(-30 * time.Minute), Object: "clip-20261110.mp4",
		Purpose: "경찰 수사 협조 (공문 제2026-11호)", Result: ResultOK, Detail: "sha256=9f86d081884c7d65 size=1048576"}
}

// FuzzDecode feeds arbitrary bytes to the record decoder (what it accepts must be exactly
// the canonical encoding of what it returns), to the frame reader (which must account for
// every byte, in order), to the header parser and to the checkpoint parser. None may panic.
// The seed corpus is in testdata/fuzz/FuzzDecode.
func FuzzDecode(f *testing.F) {
	body := EncodeRecord(sampleEvent())
	f.Add(body)
	fr, _ := appendFrame(nil, &Event{Seq: 1, Time: novemberT, Actor: "a", Action: ActionLive, Result: ResultOK}, &[32]byte{}, newChainHasher())
	f.Add(append(append([]byte{}, fr...), fr[:9]...))
	f.Add(header{Month: monthFrom(2026, 11), FirstSeq: 1}.encode())
	f.Add([]byte(signCheckpoint(testKey, 3, [32]byte{1}, novemberT).String()))
	buf := make([]byte, windowSize)
	f.Fuzz(func(t *testing.T, b []byte) {
		if e, err := DecodeRecord(b); err == nil {
			if again := EncodeRecord(e); !bytes.Equal(again, b) {
				t.Fatalf("decoded, but the encoding differs:\n%x\n%x", b, again)
			}
			for i := 0; i < numFields; i++ {
				if !utf8.ValidString(e.field(i)) {
					t.Fatalf("decoded a %s that is not UTF-8: %q", fieldNames[i], e.field(i))
				}
			}
		}
		r := newFileReader(bytes.NewReader(b), 0, int64(len(b)), buf)
		var it item
		var next int64
		for r.next(&it) {
			if it.off != next || it.n <= 0 {
				t.Fatalf("item at %d (%d bytes), expected one at %d", it.off, it.n, next)
			}
			if (it.kind == kindFrame || it.kind == kindBadCRC) && int64(len(it.body)+frameOverhead) != it.n {
				t.Fatalf("frame of %d bytes with a body of %d", it.n, len(it.body))
			}
			next += it.n
		}
		if next != int64(len(b)) {
			t.Fatalf("the reader covered %d of %d bytes", next, len(b))
		}
		parseHeader(b)
		var c Checkpoint
		if c.UnmarshalText(b) == nil {
			c.Valid(testPub)
		}
		ParseCheckpoints(b)
	})
}

// Damaged files of every kind are reported, never a panic, and Open still works or says
// why not.
func TestBadFilesDoNotPanic(t *testing.T) {
	base, _ := tamperBase(t)
	good := readFile(t, filepath.Join(base, "2026-11.log"))
	rng := rand.New(rand.NewSource(1))
	for i := 0; i < 60; i++ {
		dir := copyDir(t, base)
		b := append([]byte{}, good...)
		switch i % 5 {
		case 0: // random bytes flipped
			for k := 0; k < 1+rng.Intn(20); k++ {
				b[rng.Intn(len(b))] ^= byte(1 + rng.Intn(255))
			}
		case 1: // cut anywhere
			b = b[:rng.Intn(len(b))]
		case 2: // random garbage after the header
			b = b[:headerSize]
			g := make([]byte, rng.Intn(5000))
			rng.Read(g)
			b = append(b, g...)
		case 3: // a slice of the file moved elsewhere
			x, y := rng.Intn(len(b)), rng.Intn(len(b))
			if x > y {
				x, y = y, x
			}
			b = append(append([]byte{}, b[:x]...), b[y:]...)
			b = append(b, good[x:y]...)
		case 4: // the checkpoints file damaged
			cp := readFile(t, filepath.Join(dir, CheckpointsFile))
			cp[rng.Intn(len(cp))] ^= byte(1 + rng.Intn(255))
			writeFile(t, filepath.Join(dir, CheckpointsFile), cp[:rng.Intn(len(cp))])
		}
		writeFile(t, filepath.Join(dir, "2026-11.log"), b)
		rep, err := Verify(bgctx, dir, testPub, VerifyOptions{})
		if err != nil {
			t.Fatalf("case %d: Verify: %v", i, err)
		}
		if bytes.Equal(b, good) && i%5 != 4 {
			continue
		}
		if rep.OK() && i%5 != 1 && i%5 != 4 {
			t.Fatalf("case %d: damage not reported", i)
		}
		Scan(bgctx, dir, Filter{}, func(Event) error { return nil })
		Export(bgctx, dir, io.Discard)
		Review(bgctx, dir, "2026-11", ReviewOptions{})
		if l, err := Open(dir, testKey, Options{}); err == nil {
			if _, err := l.Append(bgctx, Event{Actor: "kim", Action: ActionLive}); err != nil {
				t.Fatalf("case %d: Append after Open on a damaged log: %v", i, err)
			}
			l.Close()
		}
	}
}

func TestNotALog(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "notes.txt"), []byte("hello"))
	for _, err := range []error{
		func() error { _, err := Open(dir, testKey, Options{}); return err }(),
		func() error { _, err := Verify(bgctx, dir, testPub, VerifyOptions{}); return err }(),
		Scan(bgctx, dir, Filter{}, func(Event) error { return nil }),
		Export(bgctx, dir, io.Discard),
	} {
		if err == nil || !bytes.Contains([]byte(err.Error()), []byte("not an access log directory")) {
			t.Fatalf("a directory of other files: %v", err)
		}
	}
	if _, err := Open(filepath.Join(dir, "notes.txt"), testKey, Options{}); err == nil {
		t.Fatal("Open on a file worked")
	}
	if _, err := Verify(bgctx, filepath.Join(dir, "missing"), testPub, VerifyOptions{}); err == nil || !bytes.Contains([]byte(err.Error()), []byte("no access log")) {
		t.Fatalf("a missing directory: %v", err)
	}
	// A month-named file that is not a log.
	dir2 := t.TempDir()
	writeFile(t, filepath.Join(dir2, "2026-11.log"), bytes.Repeat([]byte("not a log "), 20))
	if _, err := Open(dir2, testKey, Options{}); err == nil || !bytes.Contains([]byte(err.Error()), []byte("not an access log")) {
		t.Fatalf("a month file that is not a log: %v", err)
	}
	rep := verify(t, dir2)
	if rep.OK() || rep.Problems[0].Offset != 0 {
		t.Fatalf("%v", rep.Problems)
	}
	if _, err := Open(t.TempDir(), testKey[:10], Options{}); err == nil {
		t.Fatal("a short key was accepted")
	}
	// An empty directory is a new log.
	empty := t.TempDir()
	l := openLog(t, empty, Options{})
	l.Close()
	if rep := mustClean(t, empty); rep.Records != 0 {
		t.Fatal(rep)
	}
}
