//go:build unix

package auditlog

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// cpuTime is the CPU time (user and system) the process has used: on a shared machine,
// records per CPU-second say more about the work than records per second.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// Benchmarks (docs/BENCHMARKS.md): go test -run '^$' -bench . -count 3 ./auditlog

func TestMain(m *testing.M) {
	code := m.Run()
	if fixture.dir != "" {
		os.RemoveAll(fixture.dir)
	}
	os.Exit(code)
}

const appendGoroutines = 64

// batchSizes are the batch sizes BenchmarkAppend saw, for BenchmarkAppendBaseline.
var batchSizes []int

// BenchmarkAppend: 64 goroutines append realistic events; every Append is durable when
// it returns (group commit: one write and one fdatasync per batch).
func BenchmarkAppend(b *testing.B) {
	l := openLog(b, filepath.Join(b.TempDir(), "audit"), Options{})
	var sizes []int
	l.batchHook = func(n int) { sizes = append(sizes, n) }
	e := sampleEvent()
	e.Time = time.Time{}
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	for g := 0; g < appendGoroutines; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(b.N) {
				if _, err := l.Append(bgctx, e); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
	st := l.Stats()
	b.ReportMetric(float64(st.Records)/float64(max(st.Batches, 1)), "records/batch")
	if err := l.Close(); err != nil {
		b.Fatal(err)
	}
	if len(sizes) > 0 {
		batchSizes = sizes
	}
}

// BenchmarkAppendBaseline: the same encoded frames written raw in the same batch sizes,
// one write and one fdatasync per batch: no queue, hashing, checksums or signatures.
func BenchmarkAppendBaseline(b *testing.B) {
	sizes := batchSizes
	if len(sizes) == 0 {
		sizes = calibrateBatches(b)
	}
	// A pool of encoded frames, chained as the log would write them.
	const pool = 4096
	var frames [][]byte
	var prev [32]byte
	ch := newChainHasher()
	for i := 0; i < pool; i++ {
		e := sampleEvent()
		e.Seq = uint64(i + 1)
		var fr []byte
		fr, prev = appendFrame(nil, &e, &prev, ch)
		frames = append(frames, fr)
	}
	f, err := os.OpenFile(filepath.Join(b.TempDir(), "raw.log"), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 0, 1<<20)
	b.ResetTimer()
	written, batches := 0, 0
	for written < b.N {
		n := min(sizes[batches%len(sizes)], b.N-written)
		buf = buf[:0]
		for k := 0; k < n; k++ {
			buf = append(buf, frames[(written+k)%pool]...)
		}
		if _, err := f.Write(buf); err != nil {
			b.Fatal(err)
		}
		if err := datasync(f); err != nil {
			b.Fatal(err)
		}
		written += n
		batches++
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(float64(b.N)/float64(batches), "records/batch")
}

func calibrateBatches(b *testing.B) []int {
	l := openLog(b, filepath.Join(b.TempDir(), "audit"), Options{})
	var sizes []int
	l.batchHook = func(n int) { sizes = append(sizes, n) }
	var wg sync.WaitGroup
	var next atomic.Int64
	for g := 0; g < appendGoroutines; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= 20000 {
				l.Append(bgctx, sampleEvent())
			}
		}()
	}
	wg.Wait()
	l.Close()
	return sizes
}

// The verification fixture: three months of 100,000 records each, a checkpoint every
// 1,000 records, written directly with the log's encoder.
var fixture struct {
	once    sync.Once
	dir     string
	records uint64
	bytes   int64
}

func verifyFixture(b *testing.B) (string, uint64, int64) {
	fixture.once.Do(func() {
		dir, err := os.MkdirTemp("", "auditlog-bench")
		if err != nil {
			b.Fatal(err)
		}
		fixture.dir = dir
		fixture.records, fixture.bytes = writeFixture(b, dir, 3, 100000)
	})
	return fixture.dir, fixture.records, fixture.bytes
}

func writeFixture(b *testing.B, dir string, months, perMonth int) (uint64, int64) {
	ch := newChainHasher()
	var prev [32]byte
	var seq uint64
	var cps bytes.Buffer
	var size int64
	actions := []string{ActionPlayback, ActionLive, ActionExport, ActionSegmentCreate}
	purposes := []string{"시설 안전 및 화재 예방", "민원 처리 확인", "정보주체 열람 청구 (제2026-118호)"}
	for mi := 0; mi < months; mi++ {
		m := monthFrom(2026, 9+mi)
		buf := header{Month: m, FirstSeq: seq + 1, Prev: prev}.encode()
		t0 := m.start().Add(time.Hour)
		for i := 0; i < perMonth; i++ {
			seq++
			at := t0.Add(time.Duration(i) * 10 * time.Second)
			e := Event{Seq: seq, Time: at, Actor: fmt.Sprintf("user-%03d", i%150), Source: fmt.Sprintf("10.0.%d.%d:%d", i%7, i%250, 40000+i%20000),
				Action: actions[i%4], Camera: fmt.Sprintf("cam-%02d", i%40), From: at.Add(-2 * time.Hour), To: at.Add(-time.Hour),
				Purpose: purposes[i%3], Result: ResultOK}
			buf, prev = appendFrame(buf, &e, &prev, ch)
			if seq%1000 == 0 || i == perMonth-1 {
				cps.WriteString(signCheckpoint(testKey, seq, prev, at).String() + "\n")
			}
		}
		if err := os.WriteFile(filepath.Join(dir, m.fileName()), buf, 0o600); err != nil {
			b.Fatal(err)
		}
		size += int64(len(buf))
	}
	if err := os.WriteFile(filepath.Join(dir, CheckpointsFile), cps.Bytes(), 0o600); err != nil {
		b.Fatal(err)
	}
	return seq, size
}

// BenchmarkVerify: the whole chain of 300,000 records in three month files and 300
// checkpoint signatures.
func BenchmarkVerify(b *testing.B) {
	dir, n, size := verifyFixture(b)
	b.SetBytes(size)
	b.ResetTimer()
	cpu := cpuTime()
	for i := 0; i < b.N; i++ {
		rep, err := Verify(bgctx, dir, testPub, VerifyOptions{})
		if err != nil || !rep.OK() || rep.Records != n || rep.Checkpoints != 300 {
			b.Fatalf("%v %+v", err, rep)
		}
	}
	b.StopTimer()
	cpu = cpuTime() - cpu
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(float64(n)*float64(b.N)/cpu.Seconds(), "records/cpu-s")
}

// BenchmarkVerifyBaseline: read the same files in the same 4 MiB windows and SHA-256
// them as one stream per file, with the same number of goroutines as Verify: the least
// work that reads and hashes every byte.
func BenchmarkVerifyBaseline(b *testing.B) {
	dir, n, size := verifyFixture(b)
	months, _ := listMonths(dir)
	b.SetBytes(size)
	b.ResetTimer()
	cpu := cpuTime()
	for i := 0; i < b.N; i++ {
		jobs := make(chan month)
		var wg sync.WaitGroup
		for w := 0; w < min(runtime.GOMAXPROCS(0), len(months)); w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				buf := make([]byte, windowSize)
				for m := range jobs {
					f, err := os.Open(filepath.Join(dir, m.fileName()))
					if err != nil {
						b.Error(err)
						return
					}
					h := sha256.New()
					for off := int64(0); ; {
						k, _ := f.ReadAt(buf, off)
						if k == 0 {
							break
						}
						h.Write(buf[:k])
						off += int64(k)
					}
					h.Sum(nil)
					f.Close()
				}
			}()
		}
		for _, m := range months {
			jobs <- m
		}
		close(jobs)
		wg.Wait()
	}
	b.StopTimer()
	cpu = cpuTime() - cpu
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
	b.ReportMetric(float64(n)*float64(b.N)/cpu.Seconds(), "records/cpu-s")
}
