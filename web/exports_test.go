package web_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"custodian"
	"custodian/auditlog"
	"custodian/export"
	"custodian/footage"
	"custodian/internal/testmedia"
	"custodian/vault"
)

// TestDownloadLink: GET /d/{token} sends the package (a zip that verifies) as often as
// the link allows, each download opened through the door and logged with the recipient
// and the address; forged, expired and used-up links get one Korean page and change
// nothing; a package changed since it was made is not sent.
func TestDownloadLink(t *testing.T) {
	testmedia.Need(t, "ffmpeg")
	e := newConsole(t)
	e.s.Console.Exports = e.db
	ctx := context.Background()
	frag := filepath.Join(t.TempDir(), "frag.mp4")
	if out, err := exec.Command("ffmpeg", "-v", "error", "-i", testmedia.Path(t, testmedia.VtestH264), "-c", "copy", "-movflags", "frag_keyframe+empty_moov+default_base_moof", frag).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v %s", err, out)
	}
	f, err := os.Open(frag)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now().Add(-2 * time.Hour).Truncate(time.Minute)
	if _, err := e.v.ImportStream(ctx, f, vault.ImportOptions{Camera: "street-1", Start: start, Class: "standard", Retention: custodian.Retention{Days: 30}, Target: 20 * time.Second}); err != nil {
		t.Fatal(err)
	}
	f.Close()
	dir := t.TempDir()
	door := &footage.Door{Vault: e.v, Log: e.log}
	_, sk, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	// Two packages for provision 5: a directory (zipped as it is sent) and a zip.
	mk := func(id, out string) *custodian.Export {
		spec := export.Spec{ID: id, Organisation: "예시구청", Provision: 5, Recipient: "예시경찰서", LegalGround: "개인정보 보호법 제18조제2항제7호",
			Purpose: "범죄 수사", Cameras: []string{"street-1"}, From: start, To: start.Add(time.Minute), ExportedBy: "op"}
		o, err := door.Open(ctx, custodian.FootageAccess{Actor: "op", Source: "test", Use: custodian.UseExport, Cameras: spec.Cameras, From: spec.From, To: spec.To, Purpose: spec.Purpose, Object: id, Provision: 5})
		if err != nil {
			t.Fatal(err)
		}
		res, err := export.Build(ctx, spec, o.Reader, sk, out, export.Options{})
		if err != nil {
			t.Fatal(err)
		}
		x := &custodian.Export{ID: id, Provision: 5, Cameras: spec.Cameras, From: spec.From, To: spec.To, Purpose: spec.Purpose, Recipient: spec.Recipient,
			Created: time.Now(), CreatedBy: "op", Path: res.Path, ManifestSHA256: res.ManifestSHA256, Size: res.Size}
		if err := e.db.CreateExport(ctx, x); err != nil {
			t.Fatal(err)
		}
		return x
	}
	exports := []*custodian.Export{mk("EXP-web-dir-01", filepath.Join(dir, "pkg")), mk("EXP-web-zip-01", filepath.Join(dir, "pkg.zip"))}
	link := func(x *custodian.Export, life time.Duration, uses int, at time.Time) string {
		l, token, err := custodian.NewDownloadLink(x.ID, life, uses, "op", at)
		if err != nil {
			t.Fatal(err)
		}
		if err := e.db.CreateDownloadLink(ctx, l); err != nil {
			t.Fatal(err)
		}
		return token
	}
	get := func(token string) (*http.Response, []byte) {
		res, err := http.Get(e.ts.URL + "/d/" + token)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res, b
	}
	downloads := func() []auditlog.Event {
		var out []auditlog.Event
		auditlog.Scan(ctx, e.logDir, auditlog.Filter{Action: auditlog.ActionDownload}, func(ev auditlog.Event) error { out = append(out, ev); return nil })
		return out
	}
	for _, x := range exports {
		token := link(x, time.Hour, 2, time.Now())
		for i := range 2 {
			res, body := get(token)
			if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/zip" || !strings.Contains(res.Header.Get("Content-Disposition"), x.ID+".zip") {
				t.Fatalf("%s download %d: %d %s", x.ID, i, res.StatusCode, res.Header)
			}
			p := filepath.Join(t.TempDir(), "got.zip")
			os.WriteFile(p, body, 0o600)
			v, err := export.VerifyExport(p)
			if err != nil || !v.OK() || v.Manifest.ExportID != x.ID {
				t.Fatalf("%s: the download does not verify: %v %+v", x.ID, err, v)
			}
		}
		// Used up: the Korean page, nothing logged, nothing counted.
		n := len(downloads())
		res, body := get(token)
		if res.StatusCode != 404 || !strings.Contains(string(body), "내려받기 링크가 없거나") || strings.Contains(res.Header.Get("Content-Type"), "zip") {
			t.Errorf("used up: %d %s", res.StatusCode, body)
		}
		if len(downloads()) != n {
			t.Error("a used-up link was logged as a download")
		}
		links, _ := e.db.DownloadLinks(ctx, x.ID)
		if len(links) != 1 || links[0].Uses != 2 {
			t.Errorf("links %+v", links)
		}
	}
	recs := downloads()
	if len(recs) != 4 {
		t.Fatalf("%d download records, want 4", len(recs))
	}
	for _, r := range recs {
		if r.Actor != "recipient:5" || r.Source != "127.0.0.1" || r.Camera != "street-1" || r.Purpose != "범죄 수사" || !strings.HasPrefix(r.Object, "EXP-web-") ||
			!strings.Contains(r.Detail, "provision=5") || !strings.Contains(r.Detail, "link=") {
			t.Errorf("download record %+v", r)
		}
	}
	// Forged and expired links: the same page; the expired link is not counted.
	expired := link(exports[1], time.Hour, 3, time.Now().Add(-2*time.Hour))
	var pages []string
	for _, token := range []string{"forged-token-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", expired, strings.Repeat("x", 300)} {
		res, body := get(token)
		if res.StatusCode != 404 || !strings.Contains(string(body), "새 링크를 요청하십시오") {
			t.Errorf("%.20s: %d %s", token, res.StatusCode, body)
		}
		pages = append(pages, strings.ReplaceAll(string(body), token, "TOKEN"))
	}
	if pages[0] != pages[1] {
		t.Error("a forged link and an expired one are told apart")
	}
	if links, _ := e.db.DownloadLinks(ctx, exports[1].ID); links[1].Uses != 0 {
		t.Errorf("the expired link was counted: %+v", links[1])
	}
	// A package changed after it was made is not sent (and not logged as downloaded).
	token := link(exports[0], time.Hour, 1, time.Now())
	mf := filepath.Join(exports[0].Path, "manifest.json")
	b, _ := os.ReadFile(mf)
	os.WriteFile(mf, []byte(strings.Replace(string(b), "예시경찰서", "다른경찰서", 1)), 0o600)
	if res, body := get(token); res.StatusCode != 500 || !strings.Contains(string(body), "바뀌어") {
		t.Errorf("changed package: %d %s", res.StatusCode, body)
	}
	if len(downloads()) != 4 {
		t.Error("a changed package was logged as downloaded")
	}
}

// TestPortalShowsSigningKey: the portal's front page shows the signing key's fingerprint
// and /signing-key.pub serves the key, as docs/EXPORTS.md tells recipients to check.
func TestPortalShowsSigningKey(t *testing.T) {
	e := newConsole(t)
	res, _ := http.Get(e.ts.URL + "/signing-key.pub")
	res.Body.Close()
	if res.StatusCode != 404 {
		t.Errorf("no key configured: %d", res.StatusCode)
	}
	pub, _, _ := ed25519.GenerateKey(rand.Reader)
	e.s.ExportKey = pub
	fp := export.Fingerprint(pub)
	res, err := http.Get(e.ts.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(body), `<code class="fingerprint">`+fp+`</code>`) {
		t.Errorf("the front page does not show the fingerprint %s", fp)
	}
	res, err = http.Get(e.ts.URL + "/signing-key.pub")
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(res.Body)
	res.Body.Close()
	got, err := export.ParsePublicKeyPEM(body)
	if res.StatusCode != 200 || err != nil || !got.Equal(pub) {
		t.Errorf("/signing-key.pub: %d %v", res.StatusCode, err)
	}
}
