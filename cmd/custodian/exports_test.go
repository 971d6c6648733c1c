package main

import (
	"crypto/ed25519"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"custodian/auditlog"
	"custodian/datadir"
	"custodian/export"
	"custodian/internal/testmedia"
)

// TestFootageExportAndVerify: 'footage export' writes a signed package through the door
// (logged per camera, recorded in the exports table), 'verify-export' passes it, with the
// organisation's key too, and names each mismatch of a tampered copy with exit status 1.
func TestFootageExportAndVerify(t *testing.T) {
	testmedia.Need(t, "ffmpeg", "ffprobe")
	c := newCLI(t) // 2026-11-22 10:00 KST
	c.ok("init")
	c.ok("import", example003)
	c.ok("ingest-file", "--camera", "ulsan-parking", "--start", "2026-11-22T09:00:00+09:00", testmedia.Path(t, testmedia.VtestH264))
	dir := t.TempDir()
	out := filepath.Join(dir, "pkg.zip")
	pass := filepath.Join(dir, "pass.txt")
	os.WriteFile(pass, []byte("short\n"), 0o600)

	// Bad input changes nothing.
	for _, bad := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"--camera", "ulsan-parking", "--from", "2026-11-22 09:00", "--to", "2026-11-22 09:01", "-o", out}, 2, "--purpose"},
		{[]string{"--camera", "ulsan-parking", "--from", "2026-11-22 09:00", "--to", "2026-11-22 09:01", "--purpose", "nope", "-o", out}, 1, `purpose "nope" is not in the registry`},
		{[]string{"--camera", "ulsan-parking", "--from", "2026-11-22 09:00", "--to", "2026-11-22 09:01", "--purpose", "other", "-o", out}, 1, "at least 4 characters"},
		{[]string{"--camera", "nowhere", "--from", "2026-11-22 09:00", "--to", "2026-11-22 09:01", "--purpose", "facility", "-o", out}, 1, "nowhere"},
		{[]string{"--camera", "ulsan-parking", "--from", "2026-11-22 09:00", "--to", "2026-11-22 09:01", "--purpose", "facility", "--request", "99", "-o", out}, 1, "99"},
		{[]string{"--camera", "ulsan-parking", "--from", "2026-11-22 09:00", "--to", "2026-11-22 09:01", "--purpose", "facility", "--passphrase-file", pass, "-o", out}, 1, "shorter than 8"},
		{[]string{"--camera", "ulsan-parking", "--from", "2026-11-22 11:00", "--to", "2026-11-22 12:00", "--purpose", "facility", "-o", out}, 1, "no footage"},
	} {
		code, _, errs := c.run(append([]string{"--lang", "en", "footage", "export"}, bad.args...)...)
		if code != bad.code || !strings.Contains(errs, bad.msg) {
			t.Errorf("%v: exit %d, %q; want %d and %q", bad.args, code, errs, bad.code, bad.msg)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Fatalf("bad input left files: %v", entries)
	}

	code, stdout, stderr := c.run("--lang", "en", "footage", "export", "--camera", "ulsan-parking", "--from", "2026-11-22 09:00:10", "--to", "2026-11-22 09:01",
		"--purpose", "facility", "--purpose-text", "시설 파손 확인", "--recipient", "울산경찰서 수사과", "--approved-by", "김관리", "-o", out)
	if code != 0 || !strings.Contains(stdout, "export EXP-20261122-") || !strings.Contains(stderr, "camera 1/1 ulsan-parking") {
		t.Fatalf("export: %d\n%s\n%s", code, stdout, stderr)
	}
	// The organisation's public key, as the portal gives it.
	d, err := datadir.Open(c.data)
	if err != nil {
		t.Fatal(err)
	}
	key, _ := d.SigningKey()
	pub := filepath.Join(dir, "org.pem")
	os.WriteFile(pub, export.PublicKeyPEM(key.Public().(ed25519.PublicKey)), 0o644)
	if got := c.ok("--lang", "en", "verify-export", out); !strings.Contains(got, "OK: the signature and all 2 files match") || !strings.Contains(got, "integrity") {
		t.Errorf("verify-export:\n%s", got)
	}
	if got := c.ok("--lang", "en", "verify-export", "--key", pub, out); !strings.Contains(got, "OK") || strings.Contains(got, "integrity") {
		t.Errorf("verify-export --key:\n%s", got)
	}
	var v export.Verification
	if err := json.Unmarshal([]byte(c.ok("verify-export", "--json", out)), &v); err != nil || !v.SignatureOK || v.Manifest.Purpose != "시설안전 및 화재 예방 — 시설 파손 확인" ||
		v.Manifest.Recipient != "울산경찰서 수사과" || v.Manifest.ApprovedBy != "김관리" || !strings.HasPrefix(v.Manifest.ExportedBy, "cli:") {
		t.Errorf("verify-export --json: %v %+v", err, v.Manifest)
	}
	// Recorded, and logged through the door.
	var list []struct{ ID, Path string }
	json.Unmarshal([]byte(c.ok("exports", "list", "--json")), &list)
	if len(list) != 1 || list[0].ID != v.Manifest.ExportID || list[0].Path != out {
		t.Errorf("exports list: %+v", list)
	}
	n := 0
	auditlog.Scan(t.Context(), d.File(auditDir), auditlog.Filter{Action: auditlog.ActionExport}, func(e auditlog.Event) error {
		if e.Object == v.Manifest.ExportID && e.Camera == "ulsan-parking" {
			n++
		}
		return nil
	})
	if n != 1 {
		t.Errorf("%d access-log records of the export, want 1", n)
	}
	if got := c.ok("exports", "link", v.Manifest.ExportID, "--days", "2", "--uses", "1"); !strings.HasPrefix(got, "/d/") {
		t.Errorf("exports link: %s", got)
	}

	// A tampered copy: each mismatch named, exit status 1; another key is refused.
	b, _ := os.ReadFile(out)
	i := strings.Index(string(b), "울산경찰서")
	b[i] ^= 1
	bad := filepath.Join(dir, "bad.zip")
	os.WriteFile(bad, b, 0o600)
	code, stdout, _ = c.run("--lang", "en", "verify-export", bad)
	if code != 1 || !strings.Contains(stdout, "manifest.json: unreadable: zip: checksum error") {
		t.Errorf("tampered: exit %d\n%s", code, stdout)
	}
	c2 := newCLI(t)
	c2.ok("init")
	d2, _ := datadir.Open(c2.data)
	k2, _ := d2.SigningKey()
	os.WriteFile(pub, export.PublicKeyPEM(k2.Public().(ed25519.PublicKey)), 0o644)
	if code, stdout, _ := c.run("--lang", "en", "verify-export", "--key", pub, out); code != 1 || !strings.Contains(stdout, "under the given key") {
		t.Errorf("another key: exit %d\n%s", code, stdout)
	}
}

// TestFootageExportResumes: an export that fails on its second camera keeps the first
// camera's MP4 in OUT.partial and says so; the same command, rerun once the cause is
// gone, resumes it under the same export ID and keeps that MP4. Both openings are logged.
func TestFootageExportResumes(t *testing.T) {
	testmedia.Need(t, "ffmpeg", "ffprobe")
	c := newCLI(t)
	c.ok("init")
	c.ok("import", example003)
	c.ok("ingest-file", "--camera", "ulsan-parking", "--start", "2026-11-22T09:00:00+09:00", testmedia.Path(t, testmedia.VtestH264))
	out := filepath.Join(t.TempDir(), "two")
	args := []string{"--lang", "en", "footage", "export", "--camera", "ulsan-parking,ulsan-lobby-1f", "--from", "2026-11-22 09:00", "--to", "2026-11-22 09:01",
		"--purpose", "facility", "-o", out}
	code, _, stderr := c.run(args...)
	if code != 1 || !strings.Contains(stderr, "ulsan-lobby-1f") || !strings.Contains(stderr, "rerun the same command to resume") {
		t.Fatalf("first run: exit %d\n%s", code, stderr)
	}
	if _, err := os.Stat(out); err == nil {
		t.Fatal("a package exists after a failed export")
	}
	id := export.PendingID(out)
	if id == "" {
		t.Fatal("no export in progress")
	}
	c.ok("ingest-file", "--camera", "ulsan-lobby-1f", "--start", "2026-11-22T09:00:00+09:00", testmedia.Path(t, testmedia.VtestH265))
	code, stdout, stderr := c.run(args...)
	if code != 0 || !strings.Contains(stdout, "export "+id) || !strings.Contains(stderr, "camera 1/2 ulsan-parking") || !strings.Contains(stderr, "kept from the interrupted run") {
		t.Fatalf("rerun: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if got := c.ok("--lang", "en", "verify-export", out); !strings.Contains(got, "all 3 files match") {
		t.Errorf("verify-export:\n%s", got)
	}
	d, _ := datadir.Open(c.data)
	n := 0
	auditlog.Scan(t.Context(), d.File(auditDir), auditlog.Filter{Action: auditlog.ActionExport}, func(e auditlog.Event) error {
		if e.Object == id {
			n++
		}
		return nil
	})
	if n != 4 {
		t.Errorf("%d access-log records of export %s, want 4 (two openings of two cameras)", n, id)
	}
}
