package auditlog

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/binary"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"custodian"
)

var (
	testKey   = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, 32))
	testPub   = testKey.Public().(ed25519.PublicKey)
	otherKey  = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{9}, 32))
	bgctx     = context.Background()
	novemberT = time.Date(2026, 11, 10, 10, 0, 0, 0, custodian.KST)
)

// testClock is an injected clock that moves forward by step at every reading.
type testClock struct {
	mu   sync.Mutex
	t    time.Time
	step time.Duration
}

func newTestClock(t time.Time, step time.Duration) *testClock { return &testClock{t: t, step: step} }

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.t
	c.t = c.t.Add(c.step)
	return t
}

func (c *testClock) Set(t time.Time) {
	c.mu.Lock()
	c.t = t
	c.mu.Unlock()
}

func openLog(t testing.TB, dir string, opt Options) *Log {
	t.Helper()
	l, err := Open(dir, testKey, opt)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func appendN(t testing.TB, l *Log, n int, actor string) []Event {
	t.Helper()
	var out []Event
	for i := 0; i < n; i++ {
		e, err := l.Append(bgctx, Event{Actor: actor, Source: "10.0.0.7:5555", Action: ActionPlayback, Camera: "lobby-1f",
			From: novemberT.Add(-time.Hour), To: novemberT, Purpose: "민원 처리 확인", Detail: "n=" + itoa(i)})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
	return out
}

func itoa(i int) string { return strconv.Itoa(i) + strings.Repeat("x", i%7) }

func verify(t testing.TB, dir string, against ...Checkpoint) *Report {
	t.Helper()
	rep, err := Verify(bgctx, dir, testPub, VerifyOptions{Against: against})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func mustClean(t testing.TB, dir string, against ...Checkpoint) *Report {
	t.Helper()
	rep := verify(t, dir, against...)
	if !rep.OK() {
		for _, p := range rep.Problems {
			t.Errorf("problem: %s", p)
		}
		t.FailNow()
	}
	return rep
}

// frame is where a record lies in a month file.
type frame struct {
	off, n int64
	seq    uint64
}

func frames(t testing.TB, path string) []frame {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, _ := f.Stat()
	r := newFileReader(f, headerSize, fi.Size(), nil)
	var out []frame
	var it item
	for r.next(&it) {
		if it.kind == kindFrame {
			out = append(out, frame{off: it.off, n: it.n, seq: binary.BigEndian.Uint64(it.body[1:])})
		}
	}
	return out
}

func copyDir(t testing.TB, src string) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "audit")
	if err := os.MkdirAll(dst, 0o700); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(src)
	for _, e := range entries {
		in, _ := os.Open(filepath.Join(src, e.Name()))
		out, _ := os.Create(filepath.Join(dst, e.Name()))
		io.Copy(out, in)
		in.Close()
		out.Close()
	}
	return dst
}

// reseal recomputes the CRC of the frame at b[0:].
func reseal(b []byte) {
	n := int(binary.BigEndian.Uint32(b) & 0xFFFFFF)
	total := frameOverhead + n
	binary.BigEndian.PutUint32(b[total-4:], crc32.Checksum(b[:total-4], crcTable))
}

func readFile(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func writeFile(t testing.TB, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func scanAll(t testing.TB, dir string, f Filter) []Event {
	t.Helper()
	var out []Event
	if err := Scan(bgctx, dir, f, func(e Event) error { out = append(out, e); return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}
