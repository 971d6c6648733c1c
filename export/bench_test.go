package export_test

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"custodian"
	"custodian/auditlog"
	"custodian/datadir"
	"custodian/export"
	"custodian/footage"
	"custodian/internal/testmedia"
	"custodian/sqlite"
	"custodian/vault"
)

// The export benchmark (docs/BENCHMARKS.md, "Exports"): an evidence package of one hour of
// one camera, against its baseline in the same run: the same segments decrypted (and
// checked against their recorded SHA-256) into a pipe to `ffmpeg -c copy`, which writes
// one MP4. The hour is the benchmark camera's footage (vtest-h264-2m.mp4, 2 Mbit/s)
// looped by ffmpeg and imported once per process; -short makes it 5 minutes.

func TestMain(m *testing.M) {
	code := m.Run()
	if hour != nil {
		hour.v.Close()
		hour.log.Close()
		hour.db.Close()
		os.RemoveAll(hour.dir)
	}
	os.Exit(code)
}

type hourEnv struct {
	dir      string
	v        *vault.Vault
	db       *sqlite.DB
	log      *auditlog.Log
	door     *footage.Door
	key      ed25519.PrivateKey
	from, to time.Time
	segs     []custodian.Segment
	bytes    int64
}

var (
	hourOnce sync.Once
	hour     *hourEnv
	hourErr  error
)

func benchHour(b *testing.B) *hourEnv {
	b.Helper()
	testmedia.Need(b, "ffmpeg")
	src := testmedia.Path(b, testmedia.VtestH264At2M)
	hourOnce.Do(func() { hour, hourErr = buildHour(src) })
	if hourErr != nil {
		b.Fatal(hourErr)
	}
	b.Logf("footage: %v of one camera, %d segments, %.0f MB", hour.to.Sub(hour.from), len(hour.segs), float64(hour.bytes)/1e6)
	return hour
}

func buildHour(src string) (*hourEnv, error) {
	length := time.Hour
	if testing.Short() {
		length = 5 * time.Minute
	}
	base, err := os.MkdirTemp("", "custodian-bench-export-")
	if err != nil {
		return nil, err
	}
	h := &hourEnv{dir: base, from: time.Date(2026, 11, 22, 9, 0, 0, 0, custodian.KST)}
	h.to = h.from.Add(length)
	ctx := context.Background()
	d, err := datadir.Init(filepath.Join(base, "data"))
	if err != nil {
		return nil, err
	}
	if h.db, err = sqlite.Open(ctx, d.DBPath()); err != nil {
		return nil, err
	}
	if h.key, err = d.SigningKey(); err != nil {
		return nil, err
	}
	if h.log, err = auditlog.Open(d.File("accesslog"), h.key, auditlog.Options{}); err != nil {
		return nil, err
	}
	now := func() time.Time { return h.to.Add(time.Hour) }
	if h.v, err = vault.Open(ctx, vault.Options{Data: d, Catalog: h.db, Audit: logAudit{h.log}, Actor: "bench", Now: now}); err != nil {
		return nil, err
	}
	h.door = &footage.Door{Vault: h.v, Log: h.log, Now: now}
	// The source looped for the length, fragmented on keyframes, straight into the vault.
	cmd := exec.Command("ffmpeg", "-v", "error", "-stream_loop", "-1", "-i", src, "-t", fmt.Sprint(length.Seconds()), "-an", "-c", "copy",
		"-f", "mp4", "-movflags", "frag_keyframe+empty_moov+default_base_moof", "pipe:1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	_, ierr := h.v.ImportStream(ctx, out, vault.ImportOptions{Camera: "cam-hour", Start: h.from, Class: "standard", Retention: custodian.Retention{Days: 30}})
	if err := cmd.Wait(); err != nil || ierr != nil {
		return nil, fmt.Errorf("generating the hour: ffmpeg %v, import %v", err, ierr)
	}
	if h.segs, err = h.v.Find(ctx, "cam-hour", h.from, h.to); err != nil {
		return nil, err
	}
	for _, s := range h.segs {
		h.bytes += s.PlainSize
	}
	if len(h.segs) == 0 {
		return nil, fmt.Errorf("no footage imported")
	}
	h.to = h.segs[len(h.segs)-1].End
	return h, nil
}

// BenchmarkExportHour: one op is an evidence package (a directory) of the hour: the
// opening logged through the door, the catalogued segments listed, the clip written by
// the vault (every segment decrypted and checked), its SHA-256, fsync, the manifest and
// its signature.
func BenchmarkExportHour(b *testing.B) {
	h := benchHour(b)
	ctx := context.Background()
	b.SetBytes(h.bytes)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		out := filepath.Join(h.dir, fmt.Sprintf("pkg-%d-%d", time.Now().UnixNano(), i))
		spec := export.Spec{ID: fmt.Sprintf("EXP-bench-%06d", i), Organisation: "벤치마크기관", Purpose: "벤치마크", Cameras: []string{"cam-hour"},
			From: h.from, To: h.to, ExportedBy: "bench"}
		o, err := h.door.Open(ctx, custodian.FootageAccess{Actor: "bench", Source: "bench", Use: custodian.UseExport, Cameras: spec.Cameras, From: h.from, To: h.to, Purpose: "벤치마크", Object: spec.ID})
		if err != nil {
			b.Fatal(err)
		}
		res, err := export.Build(ctx, spec, o.Reader, h.key, out, export.Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if i == 0 {
			b.ReportMetric(float64(res.Size)/1e6, "MB-package")
		}
		os.RemoveAll(out)
		b.StartTimer()
	}
}

// BenchmarkExportHourBaseline: one op decrypts the same segments (each checked against its
// SHA-256, as the export's clip does) and writes them to a pipe into `ffmpeg -c copy`,
// which writes one MP4 file.
func BenchmarkExportHourBaseline(b *testing.B) {
	h := benchHour(b)
	ctx := context.Background()
	b.SetBytes(h.bytes)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		out := filepath.Join(h.dir, fmt.Sprintf("baseline-%d.mp4", i))
		cmd := exec.Command("ffmpeg", "-v", "error", "-y", "-f", "mp4", "-i", "pipe:0", "-c", "copy", "-f", "mp4", out)
		in, err := cmd.StdinPipe()
		if err != nil {
			b.Fatal(err)
		}
		msg := &limitedBuffer{}
		cmd.Stderr = msg
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		for _, s := range h.segs {
			seg, err := h.v.Open(ctx, s)
			if err != nil {
				b.Fatal(err)
			}
			data, err := seg.ReadAll()
			seg.Close()
			if err != nil {
				b.Fatal(err)
			}
			if _, err := in.Write(data); err != nil {
				b.Fatalf("writing to ffmpeg: %v (%s)", err, msg)
			}
		}
		in.Close()
		if err := cmd.Wait(); err != nil {
			b.Fatalf("ffmpeg: %v (%s)", err, msg)
		}
		b.StopTimer()
		if i == 0 {
			if st, err := os.Stat(out); err == nil {
				b.ReportMetric(float64(st.Size())/1e6, "MB-mp4")
			}
			if d, err := exec.Command("ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", out).Output(); err == nil {
				b.Logf("ffmpeg's MP4 lasts %s s", strings.TrimSpace(string(d)))
			}
		}
		os.Remove(out)
		b.StartTimer()
	}
}

// limitedBuffer keeps the first 4 KiB written to it.
type limitedBuffer struct{ b []byte }

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if n := 4096 - len(l.b); n > 0 {
		l.b = append(l.b, p[:min(n, len(p))]...)
	}
	return len(p), nil
}

func (l *limitedBuffer) String() string { return string(l.b) }
