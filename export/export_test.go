package export_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"filippo.io/age"

	"custodian"
	"custodian/auditlog"
	"custodian/datadir"
	"custodian/export"
	"custodian/footage"
	"custodian/internal/testmedia"
	"custodian/sqlite"
	"custodian/vault"
)

// start is when the test footage was filmed: two cameras, 79.5 s each from 10:00 KST.
var start = time.Date(2026, 11, 22, 10, 0, 0, 0, custodian.KST)

type logAudit struct{ log *auditlog.Log }

func (x logAudit) Record(ctx context.Context, e vault.Event) error {
	_, err := x.log.Append(ctx, auditlog.Event{Actor: "system:test", Action: e.Action, Camera: e.Camera, From: e.From, To: e.To, Object: e.Object, Purpose: e.Purpose, Result: e.Result, Detail: e.Detail})
	return err
}

type env struct {
	t      *testing.T
	ctx    context.Context
	db     *sqlite.DB
	v      *vault.Vault
	log    *auditlog.Log
	logDir string
	door   *footage.Door
	key    ed25519.PrivateKey
	out    string // a directory for packages
}

// newEnv is a data directory with a real vault and access log, and the test footage of
// cam-a and cam-b imported.
func newEnv(t *testing.T) *env {
	t.Helper()
	testmedia.Need(t, "ffmpeg")
	ctx := context.Background()
	tmp := t.TempDir()
	d, err := datadir.Init(filepath.Join(tmp, "data"))
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.Open(ctx, d.DBPath())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	key, err := d.SigningKey()
	if err != nil {
		t.Fatal(err)
	}
	logDir := d.File("accesslog")
	log, err := auditlog.Open(logDir, key, auditlog.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { log.Close() })
	now := func() time.Time { return start.Add(3 * time.Hour) }
	v, err := vault.Open(ctx, vault.Options{Data: d, Catalog: db, Audit: logAudit{log}, Actor: "test", Now: now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { v.Close() })
	frag := filepath.Join(tmp, "frag.mp4")
	if out, err := exec.Command("ffmpeg", "-v", "error", "-i", testmedia.Path(t, testmedia.VtestH264), "-c", "copy", "-movflags", "frag_keyframe+empty_moov+default_base_moof", frag).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v %s", err, out)
	}
	for _, cam := range []string{"cam-a", "cam-b"} {
		f, err := os.Open(frag)
		if err != nil {
			t.Fatal(err)
		}
		_, err = v.ImportStream(ctx, f, vault.ImportOptions{Camera: cam, Start: start, Class: "standard", Retention: custodian.Retention{Days: 30}, Target: 20 * time.Second})
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	out := filepath.Join(tmp, "out")
	os.Mkdir(out, 0o700)
	return &env{t: t, ctx: ctx, db: db, v: v, log: log, logDir: logDir, door: &footage.Door{Vault: v, Log: log, Now: now}, key: key, out: out}
}

func (e *env) spec(id string) export.Spec {
	return export.Spec{ID: id, Organisation: "예시구청", Request: 7, Recipient: "홍길동 (정보주체)", LegalGround: "개인정보 보호법 제35조",
		Purpose: "정보주체 열람 청구", Cameras: []string{"cam-a", "cam-b"}, From: start.Add(10 * time.Second), To: start.Add(60 * time.Second),
		ExportedBy: "operator", ApprovedBy: "manager", Created: start.Add(2 * time.Hour)}
}

// open opens the footage of spec through the door, as an export.
func (e *env) open(s export.Spec) custodian.FootageReader {
	e.t.Helper()
	o, err := e.door.Open(e.ctx, custodian.FootageAccess{Actor: s.ExportedBy, Source: "test", Use: custodian.UseExport, Cameras: s.Cameras,
		From: s.From, To: s.To, Purpose: s.Purpose, Object: s.ID, Request: s.Request})
	if err != nil {
		e.t.Fatal(err)
	}
	return o.Reader
}

func (e *env) build(s export.Spec, out string, opt export.Options) (*export.Result, error) {
	return export.Build(e.ctx, s, e.open(s), e.key, out, opt)
}

func mustVerify(t *testing.T, path string) *export.Verification {
	t.Helper()
	v, err := export.VerifyExport(path)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestRoundTrip: a package as a directory and as a zip verifies; its manifest names the
// source segments as the vault catalogued them and every output file; each MP4 plays.
func TestRoundTrip(t *testing.T) {
	e := newEnv(t)
	testmedia.Need(t, "ffprobe")
	var progress []export.Progress
	for _, out := range []string{filepath.Join(e.out, "pkg"), filepath.Join(e.out, "pkg.zip")} {
		s := e.spec("EXP-roundtrip-dir")
		if filepath.Ext(out) == ".zip" {
			s.ID = "EXP-roundtrip-zip"
		}
		res, err := e.build(s, out, export.Options{Progress: func(p export.Progress) { progress = append(progress, p) }})
		if err != nil {
			t.Fatal(err)
		}
		if res.Path != out || res.Size == 0 || len(res.ManifestSHA256) != 32 {
			t.Errorf("result %+v", res)
		}
		if _, err := os.Stat(out + ".partial"); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s.partial is left: %v", out, err)
		}
		v := mustVerify(t, out)
		if !v.OK() || !v.SignatureOK || v.KeyFrom != "package" || v.Files != 3 {
			t.Fatalf("%s: %+v", out, v)
		}
		m := v.Manifest
		if m.ExportID != s.ID || *m.Request != 7 || m.Provision != nil || m.Organisation != "예시구청" || m.Recipient != s.Recipient ||
			m.LegalGround != s.LegalGround || m.Purpose != s.Purpose || m.ExportedBy != "operator" || m.ApprovedBy != "manager" ||
			string(m.Masking) != "null" || m.Format != export.Format {
			t.Errorf("manifest: %+v", m)
		}
		if m.Period.From.UTC != "2026-11-22T01:00:10Z" || m.Period.From.KST != "2026-11-22T10:00:10+09:00" || m.Created.KST != "2026-11-22T12:00:00+09:00" {
			t.Errorf("period %+v created %+v", m.Period, m.Created)
		}
		if m.SigningKey.Fingerprint != export.Fingerprint(e.key.Public().(ed25519.PublicKey)) || len(m.SigningKey.Fingerprint) != 64 {
			t.Errorf("fingerprint %q", m.SigningKey.Fingerprint)
		}
		if len(m.Cameras) != 2 {
			t.Fatalf("cameras %+v", m.Cameras)
		}
		for _, c := range m.Cameras {
			if c.File != c.ID+"_20261122-100010.mp4" || c.Codec != "avc1" {
				t.Errorf("camera %+v", c)
			}
			segs, err := e.db.Segments(e.ctx, c.ID, s.From, s.To)
			if err != nil {
				t.Fatal(err)
			}
			if len(segs) < 2 || len(segs) != len(c.Segments) {
				t.Fatalf("%s: %d segments in the manifest, %d catalogued", c.ID, len(c.Segments), len(segs))
			}
			for i, sg := range segs {
				if c.Segments[i].ID != sg.ID || c.Segments[i].SHA256 != hex.EncodeToString(sg.SHA256) || c.Segments[i].Size != sg.PlainSize {
					t.Errorf("segment %d: %+v, catalogued %s %x", i, c.Segments[i], sg.ID, sg.SHA256)
				}
			}
		}
	}
	// Progress: each camera, 1 and 2 of 2, the last report of each its whole size.
	if len(progress) < 4 || progress[0].Index != 1 || progress[0].Total != 2 || progress[len(progress)-1].Index != 2 || progress[len(progress)-1].Bytes == 0 {
		t.Errorf("progress %+v", progress)
	}
	// The directory's MP4 plays, about 50 s long (from the keyframe at or before 10 s).
	dir := filepath.Join(e.out, "pkg")
	out, err := exec.Command("ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", filepath.Join(dir, "cam-a_20261122-100010.mp4")).Output()
	if err != nil || !strings.HasPrefix(string(out), "5") {
		t.Errorf("ffprobe: %s %v", out, err)
	}
	// The zip holds exactly the directory's files, in order.
	zr, err := zip.OpenReader(filepath.Join(e.out, "pkg.zip"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range zr.File {
		names = append(names, f.Name)
	}
	zr.Close()
	want := []string{"manifest.json", "manifest.json.sig", "cam-a_20261122-100010.mp4", "cam-b_20261122-100010.mp4", "signing-key.pub"}
	if !slices.Equal(names, want) {
		t.Errorf("zip: %v, want %v", names, want)
	}
	// The export is logged before anything is read: one record per camera and build.
	var recs []auditlog.Event
	auditlog.Scan(e.ctx, e.logDir, auditlog.Filter{Action: auditlog.ActionExport}, func(ev auditlog.Event) error { recs = append(recs, ev); return nil })
	if len(recs) != 4 {
		t.Fatalf("%d export records, want 4: %+v", len(recs), recs)
	}
	for _, r := range recs {
		if r.Actor != "operator" || r.Purpose != "정보주체 열람 청구" || !strings.HasPrefix(r.Object, "EXP-roundtrip-") || !strings.Contains(r.Detail, "request=7") || !r.From.Equal(start.Add(10*time.Second)) {
			t.Errorf("record %+v", r)
		}
	}
	// Nothing overwrites a package.
	if _, err := e.build(e.spec("EXP-roundtrip-dir"), dir, export.Options{}); custodian.ErrorCode(err) != custodian.ECONFLICT {
		t.Errorf("a second export to %s: %v", dir, err)
	}
}

// flip changes one byte of a file in the middle.
func flip(t *testing.T, name string) {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0x01
	if err := os.WriteFile(name, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	if out, err := exec.Command("cp", "-a", from, to).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v %s", err, out)
	}
}

// want checks that a verification found exactly the named mismatches (file: text).
func want(t *testing.T, name string, v *export.Verification, mismatches ...string) {
	t.Helper()
	var got []string
	for _, m := range v.Mismatches {
		got = append(got, m.String())
	}
	if len(got) != len(mismatches) {
		t.Errorf("%s: mismatches\n  %s\nwant\n  %s", name, strings.Join(got, "\n  "), strings.Join(mismatches, "\n  "))
		return
	}
	for i := range got {
		if !strings.HasPrefix(got[i], mismatches[i]) {
			t.Errorf("%s: mismatch %d is %q, want %q…", name, i, got[i], mismatches[i])
		}
	}
}

// TestTamperIsNamed: every change to a package is found and named: each file, the
// manifest, the signature, a file added or removed, another key.
func TestTamperIsNamed(t *testing.T) {
	e := newEnv(t)
	orig := filepath.Join(e.out, "orig")
	if _, err := e.build(e.spec("EXP-tamper-0001"), orig, export.Options{}); err != nil {
		t.Fatal(err)
	}
	mp4a := "cam-a_20261122-100010.mp4"
	mp4b := "cam-b_20261122-100010.mp4"
	_, other, _ := ed25519.GenerateKey(rand.Reader)
	cases := []struct {
		name   string
		change func(dir string)
		want   []string
	}{
		{"mp4 a byte", func(d string) { flip(t, filepath.Join(d, mp4a)) }, []string{mp4a + ": SHA-256 is"}},
		{"mp4 b truncated", func(d string) { os.Truncate(filepath.Join(d, mp4b), 1000) }, []string{mp4b + ": size is 1000 bytes", mp4b + ": SHA-256 is"}},
		{"mp4 removed", func(d string) { os.Remove(filepath.Join(d, mp4a)) }, []string{mp4a + ": missing"}},
		{"extra file", func(d string) { os.WriteFile(filepath.Join(d, "notes.txt"), []byte("x"), 0o600) }, []string{"notes.txt: not listed"}},
		{"extra dir", func(d string) { os.Mkdir(filepath.Join(d, "more"), 0o700) }, []string{"more/: not listed"}},
		{"manifest changed", func(d string) {
			b, _ := os.ReadFile(filepath.Join(d, "manifest.json"))
			os.WriteFile(filepath.Join(d, "manifest.json"), bytes.Replace(b, []byte("홍길동"), []byte("김철수"), 1), 0o600)
		}, []string{"manifest.json.sig: the signature does not match"}},
		{"manifest malformed", func(d string) { os.WriteFile(filepath.Join(d, "manifest.json"), []byte("{\"format\": 1"), 0o600) },
			[]string{"manifest.json.sig: the signature does not match", "manifest.json: malformed"}},
		{"manifest removed", func(d string) { os.Remove(filepath.Join(d, "manifest.json")) }, []string{"manifest.json: missing"}},
		{"signature changed", func(d string) { flip(t, filepath.Join(d, "manifest.json.sig")) }, []string{"manifest.json.sig: the signature does not match"}},
		{"signature removed", func(d string) { os.Remove(filepath.Join(d, "manifest.json.sig")) }, []string{"manifest.json.sig: missing"}},
		{"signature short", func(d string) { os.WriteFile(filepath.Join(d, "manifest.json.sig"), []byte("abc"), 0o600) }, []string{"manifest.json.sig: not an Ed25519 signature"}},
		{"key replaced and manifest re-signed", func(d string) {
			// A forger replaces the key and re-signs the changed manifest: the manifest's
			// list still holds the original key's hash, and its fingerprint.
			os.WriteFile(filepath.Join(d, "signing-key.pub"), export.PublicKeyPEM(other.Public().(ed25519.PublicKey)), 0o600)
			b, _ := os.ReadFile(filepath.Join(d, "manifest.json"))
			b = bytes.Replace(b, []byte("홍길동"), []byte("김철수"), 1)
			os.WriteFile(filepath.Join(d, "manifest.json"), b, 0o600)
			os.WriteFile(filepath.Join(d, "manifest.json.sig"), ed25519.Sign(other, b), 0o600)
		}, []string{"manifest.json: the signing key fingerprint", "signing-key.pub: SHA-256 is"}},
		{"key not a key", func(d string) { os.WriteFile(filepath.Join(d, "signing-key.pub"), []byte("hello"), 0o600) },
			[]string{"signing-key.pub: not an Ed25519 public key", "signing-key.pub: size is 5 bytes", "signing-key.pub: SHA-256 is"}},
	}
	for i, tc := range cases {
		dir := filepath.Join(e.out, "t"+string(rune('a'+i)))
		copyDir(t, orig, dir)
		tc.change(dir)
		want(t, tc.name, mustVerify(t, dir), tc.want...)
	}
	// The original still verifies; against another key (--key) it does not, and says so.
	want(t, "original", mustVerify(t, orig))
	v, err := export.VerifyExportKey(orig, other.Public().(ed25519.PublicKey))
	if err != nil {
		t.Fatal(err)
	}
	want(t, "another key", v, "manifest.json.sig: the signature does not match manifest.json under the given key", "manifest.json: the signing key fingerprint")
	if v, _ := export.VerifyExportKey(orig, e.key.Public().(ed25519.PublicKey)); !v.OK() || v.KeyFrom != "given" {
		t.Errorf("the organisation's key: %+v", v)
	}
	// A zip: a changed entry, an extra entry, a duplicated entry.
	zipped := filepath.Join(e.out, "orig.zip")
	if _, err := e.build(e.spec("EXP-tamper-0002"), zipped, export.Options{}); err != nil {
		t.Fatal(err)
	}
	rezip := func(name string, edit func(n string, b []byte) []byte, extra ...string) string {
		zr, err := zip.OpenReader(zipped)
		if err != nil {
			t.Fatal(err)
		}
		defer zr.Close()
		out := filepath.Join(e.out, name)
		f, _ := os.Create(out)
		zw := zip.NewWriter(f)
		for _, zf := range zr.File {
			rc, _ := zf.Open()
			b, _ := io.ReadAll(rc)
			rc.Close()
			w, _ := zw.CreateHeader(&zip.FileHeader{Name: zf.Name, Method: zip.Store})
			w.Write(edit(zf.Name, b))
		}
		for _, x := range extra {
			w, _ := zw.CreateHeader(&zip.FileHeader{Name: x, Method: zip.Store})
			w.Write([]byte("x"))
		}
		zw.Close()
		f.Close()
		return out
	}
	same := func(n string, b []byte) []byte { return b }
	want(t, "zip mp4", mustVerify(t, rezip("a.zip", func(n string, b []byte) []byte {
		if n == mp4b {
			b[100] ^= 1
		}
		return b
	})), mp4b+": SHA-256 is")
	want(t, "zip extra", mustVerify(t, rezip("b.zip", same, "../evil.txt")), "../evil.txt: not listed")
	want(t, "zip dupe", mustVerify(t, rezip("c.zip", same, mp4a)), mp4a+": the zip holds this name twice")
	want(t, "zip unchanged", mustVerify(t, rezip("d.zip", same)))
}

// failing is the reader of a real opening that fails its Clip of one camera after
// writing part of it (a disk that fills, a cable pulled), and counts the clips written.
type failing struct {
	custodian.FootageReader
	camera string
	mu     sync.Mutex
	clips  []string
}

func (f *failing) Clip(ctx context.Context, w io.Writer, camera string, from, to time.Time) (custodian.ClipSpan, error) {
	f.mu.Lock()
	f.clips = append(f.clips, camera)
	f.mu.Unlock()
	if camera == f.camera {
		w.Write([]byte("partial footage"))
		return custodian.ClipSpan{}, custodian.Errorf(custodian.EUNAVAILABLE, "디스크 오류", "disk error")
	}
	return f.FootageReader.Clip(ctx, w, camera, from, to)
}

// TestInterruptedExportResumes: an export that fails on its second camera leaves no
// package, only its .partial; the rerun keeps the first camera's MP4 (not written again)
// and writes the second; a damaged kept MP4 is written again.
func TestInterruptedExportResumes(t *testing.T) {
	e := newEnv(t)
	for _, out := range []string{filepath.Join(e.out, "r"), filepath.Join(e.out, "r.zip")} {
		s := e.spec("EXP-resume-" + strings.TrimPrefix(filepath.Ext(out)+"dir", "."))
		f := &failing{FootageReader: e.open(s), camera: "cam-b"}
		if _, err := export.Build(e.ctx, s, f, e.key, out, export.Options{}); custodian.ErrorCode(err) != custodian.EUNAVAILABLE {
			t.Fatalf("interrupted: %v", err)
		}
		if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("%s exists after a failed export", out)
		}
		if export.PendingID(out) != s.ID {
			t.Fatalf("pending %q", export.PendingID(out))
		}
		// Another export cannot take over the .partial.
		other := e.spec("EXP-another-1")
		if _, err := export.Build(e.ctx, other, e.open(other), e.key, out, export.Options{}); custodian.ErrorCode(err) != custodian.ECONFLICT {
			t.Errorf("another export over the .partial: %v", err)
		}
		changed := s
		changed.To = s.To.Add(time.Second)
		if _, err := export.Build(e.ctx, changed, e.open(changed), e.key, out, export.Options{}); custodian.ErrorCode(err) != custodian.ECONFLICT {
			t.Errorf("the same ID with another period over the .partial: %v", err)
		}
		s.Created = time.Time{} // the rerun keeps the first run's creation time
		f = &failing{FootageReader: e.open(s)}
		var reused []string
		res, err := export.Build(e.ctx, s, f, e.key, out, export.Options{Progress: func(p export.Progress) {
			if p.Reused {
				reused = append(reused, p.Camera)
			}
		}})
		if err != nil {
			t.Fatal(err)
		}
		if res.Reused != 1 || !slices.Equal(f.clips, []string{"cam-b"}) || !slices.Equal(reused, []string{"cam-a"}) {
			t.Errorf("resume: reused %d, clips written %v, progress reused %v", res.Reused, f.clips, reused)
		}
		v := mustVerify(t, out)
		want(t, "resumed", v)
		if v.Manifest.Created.KST != "2026-11-22T12:00:00+09:00" || len(v.Manifest.Cameras[0].Segments) == 0 {
			t.Errorf("resumed manifest %+v", v.Manifest)
		}
	}
	// A kept MP4 that no longer matches its recorded hash is written again.
	s := e.spec("EXP-resume-damaged")
	out := filepath.Join(e.out, "d")
	if _, err := export.Build(e.ctx, s, &failing{FootageReader: e.open(s), camera: "cam-b"}, e.key, out, export.Options{}); err == nil {
		t.Fatal("no failure")
	}
	flip(t, filepath.Join(out+".partial", "cam-a_20261122-100010.mp4"))
	f := &failing{FootageReader: e.open(s)}
	res, err := export.Build(e.ctx, s, f, e.key, out, export.Options{})
	if err != nil || res.Reused != 0 || !slices.Equal(f.clips, []string{"cam-a", "cam-b"}) {
		t.Fatalf("damaged partial: %v, reused %d, clips %v", err, res.Reused, f.clips)
	}
	want(t, "rewritten", mustVerify(t, out))
}

// TestFailedExportLeavesNothing: an export that fails before any MP4 is complete (no
// footage, a camera outside the opening, bad input) leaves no file and no .partial.
func TestFailedExportLeavesNothing(t *testing.T) {
	e := newEnv(t)
	s := e.spec("EXP-fail-0001")
	s.From, s.To = start.Add(-2*time.Hour), start.Add(-time.Hour) // no footage then
	out := filepath.Join(e.out, "f.zip")
	if _, err := e.build(s, out, export.Options{}); custodian.ErrorCode(err) != custodian.ENOTFOUND || !strings.Contains(err.Error(), "cam-a") {
		t.Errorf("no footage: %v", err)
	}
	// The opening is for cam-a only; the export names cam-b too.
	s = e.spec("EXP-fail-0002")
	o, err := e.door.Open(e.ctx, custodian.FootageAccess{Actor: "op", Source: "test", Use: custodian.UseExport, Cameras: []string{"cam-b"}, From: s.From, To: s.To, Purpose: "p"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := export.Build(e.ctx, s, o.Reader, e.key, out, export.Options{}); custodian.ErrorCode(err) != custodian.EUNAUTHORIZED {
		t.Errorf("camera outside the opening: %v", err)
	}
	bad := []func(*export.Spec){
		func(s *export.Spec) { s.ID = "x" },
		func(s *export.Spec) { s.Purpose = "" },
		func(s *export.Spec) { s.ExportedBy = "" },
		func(s *export.Spec) { s.Recipient = "a\nb" },
		func(s *export.Spec) { s.Cameras = []string{"cam-a", "cam-a"} },
		func(s *export.Spec) { s.Cameras = []string{"../x"} },
		func(s *export.Spec) { s.To = s.From },
		func(s *export.Spec) { s.Provision = 3 },
	}
	for i, b := range bad {
		s := e.spec("EXP-fail-0003")
		b(&s)
		if _, err := export.Build(e.ctx, s, o.Reader, e.key, out, export.Options{}); custodian.ErrorCode(err) != custodian.EINVALID {
			t.Errorf("bad spec %d: %v", i, err)
		}
	}
	if _, err := e.build(e.spec("EXP-fail-0004"), filepath.Join(e.out, "f"), export.Options{Passphrase: []byte("secret passphrase")}); custodian.ErrorCode(err) != custodian.EINVALID {
		t.Errorf("an encrypted directory: %v", err)
	}
	if _, err := e.build(e.spec("EXP-fail-0005"), filepath.Join(e.out, "f.zip.age"), export.Options{}); custodian.ErrorCode(err) != custodian.EINVALID {
		t.Errorf("an .age without a passphrase: %v", err)
	}
	// Interrupted (Ctrl-C) before the first MP4 was complete.
	cctx, cancel := context.WithCancel(e.ctx)
	cancel()
	s = e.spec("EXP-fail-0006")
	if _, err := export.Build(cctx, s, e.open(s), e.key, out, export.Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("interrupted: %v", err)
	}
	entries, _ := os.ReadDir(e.out)
	if len(entries) != 0 {
		t.Errorf("left behind: %v", entries)
	}
}

// TestEncryptedForRecipient: with a passphrase the package is <name>.zip.age, which age
// decrypts with the passphrase (and not without) to a zip that verifies.
func TestEncryptedForRecipient(t *testing.T) {
	e := newEnv(t)
	out := filepath.Join(e.out, "enc.zip")
	res, err := e.build(e.spec("EXP-encrypted-1"), out, export.Options{Passphrase: []byte("correct horse battery staple"), WorkFactor: 12})
	if err != nil {
		t.Fatal(err)
	}
	if res.Path != out+".age" {
		t.Fatalf("path %s", res.Path)
	}
	if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
		t.Error("the plain zip is on disk")
	}
	b, err := os.ReadFile(res.Path)
	if err != nil || !bytes.HasPrefix(b, []byte("age-encryption.org/v1\n")) || bytes.Contains(b, []byte("manifest.json")) {
		t.Fatalf("not an age file: %v", err)
	}
	if _, err := export.VerifyExport(res.Path); custodian.ErrorCode(err) != custodian.EINVALID || !strings.Contains(err.Error(), "age -d") {
		t.Errorf("verify of the encrypted file: %v", err)
	}
	decrypt := func(pass string) ([]byte, error) {
		id, err := age.NewScryptIdentity(pass)
		if err != nil {
			return nil, err
		}
		r, err := age.Decrypt(bytes.NewReader(b), id)
		if err != nil {
			return nil, err
		}
		return io.ReadAll(r)
	}
	if _, err := decrypt("wrong"); err == nil {
		t.Error("decrypted with a wrong passphrase")
	}
	plain, err := decrypt("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	zipPath := filepath.Join(t.TempDir(), "dec.zip")
	os.WriteFile(zipPath, plain, 0o600)
	want(t, "decrypted", mustVerify(t, zipPath))
}

// TestStandardTools: the package verifies without Custodian, as docs/EXPORTS.md shows:
// sha256sum of every file against the manifest, and openssl pkeyutl for the signature;
// the same openssl refuses a changed manifest.
func TestStandardTools(t *testing.T) {
	testmedia.Need(t, "openssl", "sha256sum")
	e := newEnv(t)
	dir := filepath.Join(e.out, "p")
	if _, err := e.build(e.spec("EXP-openssl-01"), dir, export.Options{}); err != nil {
		t.Fatal(err)
	}
	ossl := func() ([]byte, error) {
		cmd := exec.Command("openssl", "pkeyutl", "-verify", "-pubin", "-inkey", "signing-key.pub", "-rawin", "-in", "manifest.json", "-sigfile", "manifest.json.sig")
		cmd.Dir = dir
		return cmd.CombinedOutput()
	}
	if out, err := ossl(); err != nil || !strings.Contains(string(out), "Signature Verified Successfully") {
		t.Fatalf("openssl: %v %s", err, out)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "manifest.json"))
	var m export.Manifest
	json.Unmarshal(b, &m)
	var sums strings.Builder
	for _, f := range m.Files {
		sums.WriteString(f.SHA256 + "  " + f.Name + "\n")
	}
	check := exec.Command("sha256sum", "--check", "--strict", "-")
	check.Dir, check.Stdin = dir, strings.NewReader(sums.String())
	if out, err := check.CombinedOutput(); err != nil || strings.Count(string(out), ": OK") != 3 {
		t.Errorf("sha256sum: %v %s", err, out)
	}
	os.WriteFile(filepath.Join(dir, "manifest.json"), bytes.Replace(b, []byte("operator"), []byte("someone"), 1), 0o600)
	if out, err := ossl(); err == nil {
		t.Errorf("openssl verified a changed manifest: %s", out)
	}
}
