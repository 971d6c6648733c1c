package bench

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"custodian"
	"custodian/datadir"
	"custodian/sqlite"
	"custodian/vault"
)

// The vault's benchmarks (docs/BENCHMARKS.md, "The vault"). Everything big is built inside
// the Benchmark functions, once per process, so the ordinary `go test` run does not pay
// for it; -short scales the catalogs down for the smoke run of scripts/test.sh.

func TestMain(m *testing.M) {
	code := m.Run()
	removeProcessDirs()
	os.Exit(code)
}

// benchAuditor stands in for the access log (benchmarked on its own): the vault's contract
// is that Record returns once the event is durable; here that is the append to a slice.
type benchAuditor struct {
	mu     sync.Mutex
	events []vault.Event
}

func (a *benchAuditor) Record(ctx context.Context, e vault.Event) error {
	a.mu.Lock()
	a.events = append(a.events, e)
	a.mu.Unlock()
	return nil
}

// vaultEnv is an open vault over a data directory.
type vaultEnv struct {
	data  *datadir.Dir
	db    *sqlite.DB
	cat   custodian.VaultCatalog
	v     *vault.Vault
	audit *benchAuditor
}

// openVault opens the vault of the data directory at dir, initialising it if init is set.
// wrap, if not nil, wraps the catalog the vault uses.
func openVault(dir string, init bool, now time.Time, wrap func(custodian.VaultCatalog) custodian.VaultCatalog) (*vaultEnv, error) {
	var d *datadir.Dir
	var err error
	if init {
		d, err = datadir.Init(dir)
	} else {
		d, err = datadir.Open(dir)
	}
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	db, err := sqlite.Open(ctx, d.DBPath())
	if err != nil {
		return nil, err
	}
	e := &vaultEnv{data: d, db: db, cat: db, audit: &benchAuditor{}}
	if wrap != nil {
		e.cat = wrap(db)
	}
	e.v, err = vault.Open(ctx, vault.Options{Data: d, Catalog: e.cat, Audit: e.audit, Actor: "bench", Now: func() time.Time { return now }})
	if err != nil {
		db.Close()
		return nil, err
	}
	return e, nil
}

func (e *vaultEnv) close() {
	e.v.Close()
	e.db.Close()
}

func newVaultEnv(b *testing.B, now time.Time) *vaultEnv {
	b.Helper()
	e, err := openVault(filepath.Join(b.TempDir(), "data"), true, now, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(e.close)
	return e
}

// benchDay is the day the write and read benchmarks film, 10:00 KST; benchNow is the
// clock of those vaults.
var (
	benchDay = time.Date(2026, 10, 1, 10, 0, 0, 0, custodian.KST)
	benchNow = benchDay.Add(time.Hour)
)

const (
	segmentSize = 16 << 20 // one segment of footage
	writeSize   = 64 << 10 // the size of a recorder's writes
	readSize    = 1 << 20  // the size of a player's reads
)

var (
	footageOnce sync.Once
	footage     []byte
)

// segmentFootage returns 16 MiB of random bytes (footage does not compress).
func segmentFootage() []byte {
	footageOnce.Do(func() {
		footage = make([]byte, segmentSize)
		rand.Read(footage)
	})
	return footage
}

// writeSegment stores data as one segment of camera starting at start, a minute long, in
// writes of writeSize bytes.
func writeSegment(ctx context.Context, v *vault.Vault, camera string, start time.Time, data []byte) (*custodian.Segment, error) {
	w, err := v.Create(ctx, camera, start, "standard", benchRetention)
	if err != nil {
		return nil, err
	}
	for off := 0; off < len(data); off += writeSize {
		if _, err := w.Write(data[off:min(off+writeSize, len(data))]); err != nil {
			w.Abort(ctx)
			return nil, err
		}
	}
	return w.Commit(ctx, start.Add(time.Minute))
}

// reportCPU reports the CPU time (user + system, whole process) spent per GB written or
// read since cpu0.
func reportCPU(b *testing.B, cpu0 time.Duration, bytes int64) {
	b.ReportMetric((cpuTime()-cpu0).Seconds()/(float64(bytes)/1e9), "cpu-s/GB")
}

// BenchmarkVaultWrite writes 16 MiB segments through the vault in 64 KiB writes: Create
// (the intent row, committed), 256 writes (AES-256-GCM per 64 KiB chunk, SHA-256 of the
// footage), Commit (fsync the file and its directory, the access-log record, the catalog
// row committed).
func BenchmarkVaultWrite(b *testing.B) {
	var tc *timedCatalog
	e, err := openVault(filepath.Join(b.TempDir(), "data"), true, benchNow, func(c custodian.VaultCatalog) custodian.VaultCatalog {
		tc = newTimedCatalog(c)
		return tc
	})
	if err != nil {
		b.Fatal(err)
	}
	defer e.close()
	ctx := context.Background()
	data := segmentFootage()
	// The day's key is made outside the timed loop, as it is once a day per camera.
	if _, err := writeSegment(ctx, e.v, "cam-write", benchDay, data[:writeSize]); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(segmentSize)
	tc.reset()
	cpu0 := cpuTime()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := writeSegment(ctx, e.v, "cam-write", benchDay.Add(time.Duration(i+1)*time.Minute), data); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	reportCPU(b, cpu0, int64(b.N)*segmentSize)
	// The catalog's share: the key lookup, the intent and the completion, each a
	// transaction (the last two fsync the WAL).
	b.ReportMetric(float64(tc.total())/1e6/float64(b.N), "catalog-ms/op")
	if b.N > 1 {
		b.Log(tc.report(b.Elapsed(), b.N))
	}
}

// BenchmarkVaultWriteBaseline is the baseline for BenchmarkVaultWrite: the same bytes to
// plain files on the same disk with the same fsync cadence — a new file per segment
// (O_CREAT|O_EXCL), 64 KiB writes, fsync the file, fsync the directory.
func BenchmarkVaultWriteBaseline(b *testing.B) {
	dir := b.TempDir()
	data := segmentFootage()
	b.SetBytes(segmentSize)
	cpu0 := cpuTime()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f, err := os.OpenFile(filepath.Join(dir, fmt.Sprintf("%06d.seg", i)), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			b.Fatal(err)
		}
		for off := 0; off < len(data); off += writeSize {
			if _, err := f.Write(data[off : off+writeSize]); err != nil {
				b.Fatal(err)
			}
		}
		if err := f.Sync(); err != nil {
			b.Fatal(err)
		}
		if err := f.Close(); err != nil {
			b.Fatal(err)
		}
		if err := syncDir(dir); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	reportCPU(b, cpu0, int64(b.N)*segmentSize)
}

// BenchmarkVaultWriteBaselineWriteback is BenchmarkVaultWriteBaseline with the early
// writeback the vault uses (sync_file_range on every MiB written, from another goroutine):
// the best the disk does with plain bytes, to show what encryption and hashing cost.
func BenchmarkVaultWriteBaselineWriteback(b *testing.B) {
	dir := b.TempDir()
	data := segmentFootage()
	b.SetBytes(segmentSize)
	cpu0 := cpuTime()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		f, err := os.OpenFile(filepath.Join(dir, fmt.Sprintf("%06d.seg", i)), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			b.Fatal(err)
		}
		wb, done := make(chan [2]int64, 64), make(chan struct{})
		go func() {
			for r := range wb {
				syscall.SyncFileRange(int(f.Fd()), r[0], r[1], 2) // SYNC_FILE_RANGE_WRITE
			}
			close(done)
		}()
		var synced int64
		for off := 0; off < len(data); off += writeSize {
			if _, err := f.Write(data[off : off+writeSize]); err != nil {
				b.Fatal(err)
			}
			if end := int64(off + writeSize); end-synced >= 1<<20 {
				wb <- [2]int64{synced, end - synced}
				synced = end
			}
		}
		close(wb)
		<-done
		if err := f.Sync(); err != nil {
			b.Fatal(err)
		}
		if err := f.Close(); err != nil {
			b.Fatal(err)
		}
		if err := syncDir(dir); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	reportCPU(b, cpu0, int64(b.N)*segmentSize)
}

// BenchmarkVaultSealHash is the CPU floor of a vault write: the SHA-256 and the AES-256-GCM
// sealing of a segment's bytes in 64 KiB chunks, in memory, one after the other, with no I/O.
func BenchmarkVaultSealHash(b *testing.B) {
	data := segmentFootage()
	key := make([]byte, 32)
	block, _ := aes.NewCipher(key)
	aead, _ := cipher.NewGCM(block)
	nonce := make([]byte, aead.NonceSize())
	out := make([]byte, 0, writeSize+aead.Overhead())
	b.SetBytes(segmentSize)
	cpu0 := cpuTime()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		h := sha256.New()
		for off := 0; off < len(data); off += writeSize {
			h.Write(data[off : off+writeSize])
			out = aead.Seal(out[:0], nonce, data[off:off+writeSize], nil)
		}
		h.Sum(nil)
	}
	b.StopTimer()
	reportCPU(b, cpu0, int64(b.N)*segmentSize)
}

func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// BenchmarkVaultRead opens a 16 MiB segment and reads it in 1 MiB ReadAt calls: every
// chunk is read, authenticated and decrypted. The file is in the page cache.
func BenchmarkVaultRead(b *testing.B) {
	e := newVaultEnv(b, benchNow)
	ctx := context.Background()
	seg, err := writeSegment(ctx, e.v, "cam-read", benchDay, segmentFootage())
	if err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, readSize)
	read := func() {
		s, err := e.v.Open(ctx, *seg)
		if err != nil {
			b.Fatal(err)
		}
		for off := int64(0); off < segmentSize; off += readSize {
			if n, err := s.ReadAt(buf, off); n != readSize || (err != nil && !errors.Is(err, io.EOF)) {
				b.Fatalf("read %d at %d: %v", n, off, err)
			}
		}
		s.Close()
	}
	read() // warm the page cache
	b.SetBytes(segmentSize)
	cpu0 := cpuTime()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		read()
	}
	b.StopTimer()
	reportCPU(b, cpu0, int64(b.N)*segmentSize)
}

// BenchmarkVaultReadBaseline is the baseline for BenchmarkVaultRead: open a plain 16 MiB
// file and read it in 1 MiB ReadAt calls, page cache warm.
func BenchmarkVaultReadBaseline(b *testing.B) {
	path := filepath.Join(b.TempDir(), "plain.seg")
	if err := os.WriteFile(path, segmentFootage(), 0o600); err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, readSize)
	read := func() {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		for off := int64(0); off < segmentSize; off += readSize {
			if n, err := f.ReadAt(buf, off); n != readSize || (err != nil && !errors.Is(err, io.EOF)) {
				b.Fatalf("read %d at %d: %v", n, off, err)
			}
		}
		f.Close()
	}
	read()
	b.SetBytes(segmentSize)
	cpu0 := cpuTime()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		read()
	}
	b.StopTimer()
	reportCPU(b, cpu0, int64(b.N)*segmentSize)
}

// The first-byte catalog: cameras × days × 1,440 one-minute segments, of which real are
// written through the vault (files and keys) and the rest inserted by SQL.
type firstByteCatalog struct {
	dir      string // the data directory
	now      time.Time
	real     []custodian.Segment
	rows     int64
	built    time.Duration
	realTook time.Duration
	dbBytes  int64
}

const firstByteRealSize = 256 << 10 // the real segments' footage: only the first 64 KiB is read

var (
	firstByteOnce sync.Once
	firstByteCat  *firstByteCatalog
	firstByteErr  error
)

func firstByteShape() (cameras, days, real int) {
	if testing.Short() {
		return 10, 3, 100
	}
	return 100, 30, 2000
}

func buildFirstByteCatalog() (*firstByteCatalog, error) {
	cameras, days, nReal := firstByteShape()
	base, err := processTempDir("custodian-bench-firstbyte-")
	if err != nil {
		return nil, err
	}
	start := time.Now()
	day0 := custodian.Date{Year: 2026, Month: time.October, Day: 1}
	fc := &firstByteCatalog{dir: filepath.Join(base, "data"), now: day0.AddDays(days).Time().Add(time.Hour)}
	e, err := openVault(fc.dir, true, fc.now, nil)
	if err != nil {
		return nil, err
	}
	defer e.close()
	ctx := context.Background()
	cams := make([]string, cameras)
	for i := range cams {
		cams[i] = fmt.Sprintf("cam-%03d", i)
	}
	// Real segments at random (camera, minute) positions over the whole period, written by
	// four recorders at once.
	rng := mrand.New(mrand.NewPCG(1, 2))
	type pos struct{ cam, minute int }
	seen := map[pos]bool{}
	var todo []pos
	for len(todo) < nReal {
		p := pos{rng.IntN(cameras), rng.IntN(days * 1440)}
		if !seen[p] {
			seen[p] = true
			todo = append(todo, p)
		}
	}
	data := segmentFootage()[:firstByteRealSize]
	jobs := make(chan pos)
	results := make(chan error, 4)
	var mu sync.Mutex
	for w := 0; w < 4; w++ {
		go func() {
			for p := range jobs {
				t := day0.Time().Add(time.Duration(p.minute) * time.Minute)
				s, err := writeSegment(ctx, e.v, cams[p.cam], t, data)
				if err != nil {
					results <- err
					for range jobs {
					}
					return
				}
				mu.Lock()
				fc.real = append(fc.real, *s)
				mu.Unlock()
			}
			results <- nil
		}()
	}
	for _, p := range todo {
		jobs <- p
	}
	close(jobs)
	for w := 0; w < 4; w++ {
		if err := <-results; err != nil {
			return nil, fmt.Errorf("writing the real segments: %w", err)
		}
	}
	fc.realTook = time.Since(start)
	// Every other minute of every camera and day, by SQL.
	cb, err := newCatalogBuilder(ctx, e.db.SQL(), fc.now)
	if err != nil {
		return nil, err
	}
	if err := cb.skip(fc.real); err != nil {
		cb.close(false)
		return nil, err
	}
	for d := 0; d < days; d++ {
		if err := cb.day(day0.AddDays(d), cams, time.Time{}); err != nil {
			cb.close(false)
			return nil, fmt.Errorf("inserting day %d: %w", d, err)
		}
	}
	if err := cb.close(true); err != nil {
		return nil, err
	}
	var total int64
	if err := e.db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM segments`).Scan(&total); err != nil {
		return nil, err
	}
	if want := int64(cameras * days * 1440); total != want {
		return nil, fmt.Errorf("the catalog has %d segments, want %d", total, want)
	}
	fc.rows = total
	fc.built = time.Since(start)
	fc.dbBytes = dirSize(fc.dir) - dirSize(filepath.Join(fc.dir, vault.Dir))
	return fc, nil
}

func firstByte(b *testing.B) *firstByteCatalog {
	b.Helper()
	firstByteOnce.Do(func() { firstByteCat, firstByteErr = buildFirstByteCatalog() })
	if firstByteErr != nil {
		b.Fatal(firstByteErr)
	}
	fc := firstByteCat
	b.Logf("catalog: %d segments (%d real, written in %v), %.2f GB of database, built in %v (once per process)",
		fc.rows, len(fc.real), fc.realTook.Round(time.Millisecond), float64(fc.dbBytes)/1e9, fc.built.Round(time.Millisecond))
	return fc
}

// BenchmarkFirstByte is the time to the first byte of footage anywhere in 30 days of 100
// cameras (4,320,000 segments catalogued): per op, for a random real segment, Find the
// segments of its camera overlapping a minute from 30 s into it, Open the first and read
// its first 64 KiB (one chunk authenticated). Fresh database and vault handles; files and
// database in the page cache after the first ops.
func BenchmarkFirstByte(b *testing.B) {
	fc := firstByte(b)
	var tc *timedCatalog
	e, err := openVault(fc.dir, false, fc.now, func(c custodian.VaultCatalog) custodian.VaultCatalog {
		tc = newTimedCatalog(c)
		return tc
	})
	if err != nil {
		b.Fatal(err)
	}
	defer e.close()
	ctx := context.Background()
	rng := mrand.New(mrand.NewPCG(3, 4))
	buf := make([]byte, writeSize)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		want := fc.real[rng.IntN(len(fc.real))]
		segs, err := e.v.Find(ctx, want.Camera, want.Start.Add(30*time.Second), want.Start.Add(90*time.Second))
		if err != nil {
			b.Fatal(err)
		}
		if len(segs) == 0 || segs[0].ID != want.ID {
			b.Fatalf("Find returned %d segments, not %s first", len(segs), want.ID)
		}
		s, err := e.v.Open(ctx, segs[0])
		if err != nil {
			b.Fatal(err)
		}
		if n, err := s.ReadAt(buf, 0); n != len(buf) {
			b.Fatalf("read %d: %v", n, err)
		}
		s.Close()
	}
	b.StopTimer()
	// Find is the catalog's Segments; Open looks the key up (Key) and unwraps it.
	b.ReportMetric(float64(tc.spentIn("Segments"))/1e3/float64(b.N), "find-µs/op")
	b.ReportMetric(float64(tc.spentIn("Key"))/1e3/float64(b.N), "key-µs/op")
}

// BenchmarkFirstByteBaseline is the baseline for BenchmarkFirstByte: open a plain file at a
// known path (the same random real segment files, read as they are) and read 64 KiB.
func BenchmarkFirstByteBaseline(b *testing.B) {
	fc := firstByte(b)
	rng := mrand.New(mrand.NewPCG(3, 4))
	buf := make([]byte, writeSize)
	root := filepath.Join(fc.dir, vault.Dir)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s := fc.real[rng.IntN(len(fc.real))]
		f, err := os.Open(filepath.Join(root, filepath.FromSlash(s.Path)))
		if err != nil {
			b.Fatal(err)
		}
		if n, err := f.ReadAt(buf, 0); n != len(buf) {
			b.Fatalf("read %d: %v", n, err)
		}
		f.Close()
	}
}

// A retention catalog: cameras with expired period keys (older than the retention) and
// kept ones (within it), 1,440 segments each, inserted by SQL; no footage files (the files
// of a destroyed key are one directory, removed with os.RemoveAll; here it is absent).
type retentionCatalog struct {
	dir      string
	now      time.Time
	expired  int // keys
	kept     int // keys
	segments int64
	built    time.Duration
	dbBytes  int64
}

var (
	retentionMu   sync.Mutex
	retentionCats = map[string]*retentionCatalog{}
)

// retentionShape is the full size of a retention catalog: 695 expired keys (1,000,800
// segments) beside kept keys; -short divides the keys by 100.
func retentionShape(keptKeys int) (cameras, expired, kept int) {
	if testing.Short() {
		return 25, 7, (keptKeys + 50) / 100
	}
	return 250, 695, keptKeys
}

// retentionTemplate builds (once per process) the catalog with keptKeys kept keys.
func retentionTemplate(b *testing.B, name string, keptKeys int) *retentionCatalog {
	b.Helper()
	retentionMu.Lock()
	defer retentionMu.Unlock()
	if rc := retentionCats[name]; rc != nil {
		return rc
	}
	cameras, expired, kept := retentionShape(keptKeys)
	rc, err := buildRetentionCatalog(name, cameras, expired, kept)
	if err != nil {
		b.Fatal(err)
	}
	retentionCats[name] = rc
	return rc
}

func buildRetentionCatalog(name string, cameras, expired, kept int) (*retentionCatalog, error) {
	start := time.Now()
	base, err := processTempDir("custodian-bench-retention-" + name + "-")
	if err != nil {
		return nil, err
	}
	today := custodian.Date{Year: 2026, Month: time.December, Day: 1}
	rc := &retentionCatalog{dir: filepath.Join(base, "data"), now: today.Time().Add(12 * time.Hour), expired: expired, kept: kept}
	e, err := openVault(rc.dir, true, rc.now, nil)
	if err != nil {
		return nil, err
	}
	closed := false
	defer func() {
		if !closed {
			e.close()
		}
	}()
	// Expired keys fill the days from 31 days ago backwards (they expired at midnight or
	// before), kept keys the days from today backwards: camera by camera, day by day.
	byDay := map[custodian.Date][]string{}
	var days []custodian.Date
	add := func(d custodian.Date, cam int) {
		if byDay[d] == nil {
			days = append(days, d)
		}
		byDay[d] = append(byDay[d], fmt.Sprintf("cam-%03d", cam))
	}
	for j := 0; j < expired; j++ {
		add(today.AddDays(-31-j/cameras), j%cameras)
	}
	for j := 0; j < kept; j++ {
		add(today.AddDays(-j/cameras), j%cameras)
	}
	// Insert in time order, oldest day first.
	for i := 1; i < len(days); i++ {
		for k := i; k > 0 && days[k].Before(days[k-1]); k-- {
			days[k], days[k-1] = days[k-1], days[k]
		}
	}
	ctx := context.Background()
	cb, err := newCatalogBuilder(ctx, e.db.SQL(), rc.now)
	if err != nil {
		return nil, err
	}
	for _, d := range days {
		if exp := benchRetention.Expires(d); exp.After(rc.now) == d.Before(today.AddDays(-30)) {
			cb.close(false)
			return nil, fmt.Errorf("day %s expires at %s: the layout is wrong", d, exp)
		}
		if err := cb.day(d, byDay[d], time.Time{}); err != nil {
			cb.close(false)
			return nil, fmt.Errorf("inserting %s: %w", d, err)
		}
	}
	if err := cb.close(true); err != nil {
		return nil, err
	}
	rc.segments = cb.rows
	if want := int64(expired+kept) * 1440; rc.segments != want {
		return nil, fmt.Errorf("%d segments inserted, want %d", rc.segments, want)
	}
	e.close() // the WAL goes with the last connection: the database is one file to copy
	closed = true
	rc.built = time.Since(start)
	rc.dbBytes = dirSize(rc.dir)
	return rc, nil
}

// benchmarkRetention times one full retention run (RunRetention, no policy) per op over a
// fresh copy of the catalog; copying and opening are not timed.
func benchmarkRetention(b *testing.B, name string, keptKeys int) {
	rc := retentionTemplate(b, name, keptKeys)
	b.Logf("catalog: %d segments under %d keys (%d expired: %d segments; %d kept: %d segments), %.2f GB, built in %v (once per process)",
		rc.segments, rc.expired+rc.kept, rc.expired, rc.expired*1440, rc.kept, rc.kept*1440, float64(rc.dbBytes)/1e9, rc.built.Round(time.Millisecond))
	ctx := context.Background()
	destroyed := 0
	b.ResetTimer()
	b.StopTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		dir := filepath.Join(b.TempDir(), "data")
		if err := copyTree(rc.dir, dir); err != nil {
			b.Fatal(err)
		}
		var tc *timedCatalog
		e, err := openVault(dir, false, rc.now, func(c custodian.VaultCatalog) custodian.VaultCatalog {
			tc = newTimedCatalog(c)
			return tc
		})
		if err != nil {
			b.Fatal(err)
		}
		prep := time.Since(t0)
		b.StartTimer()
		t1 := time.Now()
		rep, err := e.v.RunRetention(ctx, nil, false)
		took := time.Since(t1)
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		if len(rep.Destroyed) != rc.expired || rep.Segments != rc.expired*1440 {
			b.Fatalf("destroyed %d keys, %d segments; want %d, %d", len(rep.Destroyed), rep.Segments, rc.expired, rc.expired*1440)
		}
		var left int64
		if err := e.db.SQL().QueryRowContext(ctx, `SELECT COUNT(*) FROM segments`).Scan(&left); err != nil {
			b.Fatal(err)
		}
		if left != int64(rc.kept)*1440 {
			b.Fatalf("%d segments left, want %d", left, rc.kept*1440)
		}
		destroyed += rep.Segments
		b.Logf("run %d: %d keys, %d segments destroyed in %.2fs (copy and open %.1fs); per key: %s",
			i, len(rep.Destroyed), rep.Segments, took.Seconds(), prep.Seconds(), tc.report(took, len(rep.Destroyed)))
		e.close()
		os.RemoveAll(dir)
	}
	sec := b.Elapsed().Seconds()
	b.ReportMetric(float64(destroyed)/sec, "segments/s")
	b.ReportMetric(sec/float64(b.N), "s/op")
}

// BenchmarkRetention10M destroys the 1,000,800 expired segments (695 camera-day keys) of a
// catalog of 10,000,800: 9,000,000 are kept.
func BenchmarkRetention10M(b *testing.B) { benchmarkRetention(b, "10M", 6250) }

// BenchmarkRetention2M destroys the same 1,000,800 expired segments in a catalog that keeps
// only 1,000,800 (695 keys): the baseline for BenchmarkRetention10M. Equal times mean the
// work does not depend on what is kept.
func BenchmarkRetention2M(b *testing.B) { benchmarkRetention(b, "2M", 695) }
