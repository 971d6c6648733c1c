package sqlite_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"custodian"
	"custodian/sqlite"
	"custodian/yaml"
)

func openDB(t *testing.T) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "custodian.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func example(t *testing.T, name string) *custodian.Registry {
	t.Helper()
	path := filepath.Join("..", "examples", name)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r, err := yaml.Load(path, data)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestSaveAndLoadRegistry(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	if _, _, err := db.Registry(ctx); custodian.ErrorCode(err) != custodian.ENOTFOUND {
		t.Fatalf("empty database: got %v, want ENOTFOUND", err)
	}
	r := example(t, "003-moel-customer-centre.yaml")
	meta, err := db.SaveRegistry(ctx, r, "003.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if meta.Revision != 1 || meta.Unchanged || len(meta.SHA256) != 64 {
		t.Fatalf("meta = %+v", meta)
	}
	got, gotMeta, err := db.Registry(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, r) {
		t.Fatal("the stored registry differs from the saved one")
	}
	if gotMeta.Revision != 1 || gotMeta.Source != "003.yaml" {
		t.Fatalf("meta = %+v", gotMeta)
	}
	// Saving the same registry again stores nothing.
	again, err := db.SaveRegistry(ctx, r, "again.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !again.Unchanged || again.Revision != 1 {
		t.Fatalf("saving the same registry: %+v", again)
	}
	// A change makes a new revision; the old one stays.
	r.Sites[0].Address = "울산 중구 중가로 405-3 (변경)"
	m2, err := db.SaveRegistry(ctx, r, "changed.yaml")
	if err != nil || m2.Revision != 2 {
		t.Fatalf("changed: %+v %v", m2, err)
	}
	var n int
	db.SQL().QueryRow(`SELECT COUNT(*) FROM registry_revisions`).Scan(&n)
	if n != 2 {
		t.Fatalf("revisions = %d, want 2", n)
	}
}

func TestSaveInvalidChangesNothing(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	r := example(t, "003-moel-customer-centre.yaml")
	if _, err := db.SaveRegistry(ctx, r, "ok"); err != nil {
		t.Fatal(err)
	}
	bad := example(t, "003-moel-customer-centre.yaml")
	bad.Sites[0].CameraGroups[0].Locations = []string{"1층 화장실"}
	_, err := db.SaveRegistry(ctx, bad, "bad")
	if custodian.ErrorCode(err) != custodian.EINVALID {
		t.Fatalf("got %v, want EINVALID", err)
	}
	got, meta, err := db.Registry(ctx)
	if err != nil || meta.Revision != 1 || !reflect.DeepEqual(got, r) {
		t.Fatalf("the registry changed after a refused save: %+v %v", meta, err)
	}
}

func TestListSitesAndCameraGroups(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	if _, err := db.SaveRegistry(ctx, example(t, "003-moel-customer-centre.yaml"), "003"); err != nil {
		t.Fatal(err)
	}
	sites, err := db.ListSites(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	byID := map[string]custodian.SiteSummary{}
	for _, s := range sites {
		ids = append(ids, s.ID)
		byID[s.ID] = s
	}
	if strings.Join(ids, ",") != "ulsan,cheonan,cheonan-1,cheonan-2,anyang,gwangju" {
		t.Fatalf("site order: %v", ids)
	}
	if s := byID["cheonan"]; s.Cameras != 0 || s.CamerasTotal != 7 || s.StatedTotal != 7 {
		t.Fatalf("cheonan: %+v", s)
	}
	if s := byID["anyang"]; s.CamerasTotal != 0 || s.NoCamerasReason == "" {
		t.Fatalf("anyang: %+v", s)
	}
	all, err := db.ListCameraGroups(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 14 {
		t.Fatalf("groups = %d, want 14", len(all))
	}
	if g := all[5]; g.ID != "ulsan-parking" || strings.Join(g.Purposes, ",") != "facility,vehicle" || g.SiteName != "울산센터" || g.Locations[0] != "옥외 주차장" {
		t.Fatalf("group 5: %+v", g)
	}
	sub, err := db.ListCameraGroups(ctx, "cheonan")
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, g := range sub {
		total += g.Count
		if !strings.HasPrefix(g.Site, "cheonan-") {
			t.Fatalf("group %s of site %s listed under cheonan", g.ID, g.Site)
		}
	}
	if total != 7 {
		t.Fatalf("cameras under cheonan = %d, want 7", total)
	}
	if _, err := db.ListCameraGroups(ctx, "nowhere"); custodian.ErrorCode(err) != custodian.ENOTFOUND {
		t.Fatalf("unknown site: %v", err)
	}
}

func TestPolicyVersionsImmutable(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	meta, err := db.SaveRegistry(ctx, example(t, "001-guro-shinhyup.yaml"), "001")
	if err != nil {
		t.Fatal(err)
	}
	d := func(s string) custodian.Date { v, _ := custodian.ParseDate(s); return v }
	v := &custodian.PolicyVersion{Number: 1, Announced: d("2026-01-01"), Effective: d("2026-01-08"), RegistryRevision: meta.Revision, Markdown: "# v1\n", PublishedAt: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	if err := db.CreatePolicyVersion(ctx, v); err != nil {
		t.Fatal(err)
	}
	if v.MarkdownSHA256 == "" {
		t.Fatal("no digest set")
	}
	// Out of order, wrong number, unknown revision.
	for name, bad := range map[string]*custodian.PolicyVersion{
		"same effective date": {Number: 2, Announced: d("2026-01-01"), Effective: d("2026-01-08"), RegistryRevision: meta.Revision},
		"earlier":             {Number: 2, Announced: d("2025-12-01"), Effective: d("2025-12-08"), RegistryRevision: meta.Revision},
		"wrong number":        {Number: 3, Announced: d("2026-02-01"), Effective: d("2026-02-08"), RegistryRevision: meta.Revision},
		"unknown revision":    {Number: 2, Announced: d("2026-02-01"), Effective: d("2026-02-08"), RegistryRevision: 99},
	} {
		if err := db.CreatePolicyVersion(ctx, bad); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := db.SQL().Exec(`UPDATE policy_versions SET markdown = 'tampered' WHERE number = 1`); err == nil || !strings.Contains(err.Error(), "immutable") {
		t.Fatalf("update of a published version: %v", err)
	}
	if _, err := db.SQL().Exec(`DELETE FROM policy_versions`); err == nil {
		t.Fatal("delete of published versions succeeded")
	}
	if _, err := db.SQL().Exec(`UPDATE registry_revisions SET document = '{}'`); err == nil {
		t.Fatal("update of a registry revision succeeded")
	}
	got, err := db.PolicyVersion(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	if got.Markdown != "# v1\n" || got.Registry == nil || got.Registry.Organisation.Name != "구로신협" || !got.PublishedAt.Equal(v.PublishedAt) {
		t.Fatalf("version 1: %+v", got)
	}
	if _, err := db.PolicyVersion(ctx, 2); custodian.ErrorCode(err) != custodian.ENOTFOUND {
		t.Fatalf("missing version: %v", err)
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "custodian.db")
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.SQL().Exec(`INSERT INTO schema_migrations (version, name, applied_at) VALUES (999, 'future', 'x')`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := sqlite.Open(ctx, path); custodian.ErrorCode(err) != custodian.ECONFLICT {
		t.Fatalf("newer schema: %v", err)
	}
}

func TestReopenKeepsData(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "custodian.db")
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	r := example(t, "000-goyang-ilsan-post.yaml")
	if _, err := db.SaveRegistry(ctx, r, "000"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err = sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	got, _, err := db.Registry(ctx)
	if err != nil || !reflect.DeepEqual(got, r) {
		t.Fatalf("after reopen: %v", err)
	}
}

// The database holds requesters' names and contacts: it and its -wal and -shm files are
// readable by their owner only, whatever the umask, and an existing 0644 database is
// tightened when opened.
func TestDatabaseFilesArePrivate(t *testing.T) {
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "custodian.db")
	check := func(when string) {
		t.Helper()
		for _, p := range []string{path, path + "-wal", path + "-shm"} {
			st, err := os.Stat(p)
			if err != nil {
				t.Fatalf("%s: %v", when, err)
			}
			if m := st.Mode().Perm(); m != 0o600 {
				t.Errorf("%s: %s has mode %04o, want 0600", when, filepath.Base(p), m)
			}
		}
	}
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	check("new database")
	// An older database, made 0644 with its -wal and -shm, is tightened at open.
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		if err := os.Chmod(p, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	db2, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	check("existing 0644 database")
	db2.Close()
	db.Close()
}

// A damaged page is found by Check, which names the file and what to do; a file that is
// not a database at all is refused at open with the same advice.
func TestCheckFindsDamagedPages(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "custodian.db")
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.SQL().ExecContext(ctx, `CREATE TABLE filler (id INTEGER PRIMARY KEY, v TEXT)`); err != nil {
		t.Fatal(err)
	}
	for i := range 2000 {
		if _, err := db.SQL().ExecContext(ctx, `INSERT INTO filler (v) VALUES (?)`, strings.Repeat("x", 200)+fmt.Sprint(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Check(ctx); err != nil {
		t.Fatalf("a sound database: %v", err)
	}
	if _, err := db.SQL().ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		t.Fatal(err)
	}
	db.Close()

	// Overwrite the header of a page in the middle of the table with garbage.
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	st, _ := f.Stat()
	pages := st.Size() / 4096
	if pages < 50 {
		t.Fatalf("only %d pages", pages)
	}
	if _, err := f.WriteAt(bytes.Repeat([]byte{0xA5}, 64), (pages-10)*4096); err != nil {
		t.Fatal(err)
	}
	f.Close()

	db, err = sqlite.Open(ctx, path) // the schema and the migrations table are intact
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	defer db.Close()
	err = db.Check(ctx)
	if err == nil {
		t.Fatal("Check found nothing in a damaged database")
	}
	msg := err.Error()
	if custodian.ErrorCode(err) != custodian.EINTERNAL || !strings.Contains(msg, path) || !strings.Contains(msg, "docs/OPERATIONS.md") || !strings.Contains(msg, "손상") {
		t.Errorf("Check: %v", err)
	}

	// Not a database at all.
	junk := filepath.Join(t.TempDir(), "custodian.db")
	if err := os.WriteFile(junk, bytes.Repeat([]byte("not a database "), 1000), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := sqlite.Open(ctx, junk); err == nil || !strings.Contains(err.Error(), junk) || !strings.Contains(err.Error(), "docs/OPERATIONS.md") {
		t.Errorf("open of a non-database: %v", err)
	}
}

// TestSaveRegistryOver: a save over a revision that is no longer the current one is
// refused and changes nothing (the console checks a new registry against the one it read).
func TestSaveRegistryOver(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	r := example(t, "003-moel-customer-centre.yaml")
	m1, err := db.SaveRegistryOver(ctx, r, "first", 0)
	if err != nil || m1.Revision != 1 {
		t.Fatalf("first save over none: %+v %v", m1, err)
	}
	r.Organisation.Name += " (개편)"
	if _, err := db.SaveRegistryOver(ctx, r, "stale", 0); custodian.ErrorCode(err) != custodian.ECONFLICT || !strings.Contains(err.Error(), "revision 1") {
		t.Fatalf("a save over a stale revision: %v", err)
	}
	if _, m, _ := db.Registry(ctx); m.Revision != 1 {
		t.Fatalf("the refused save changed the registry: revision %d", m.Revision)
	}
	if m2, err := db.SaveRegistryOver(ctx, r, "second", 1); err != nil || m2.Revision != 2 {
		t.Fatalf("a save over the current revision: %+v %v", m2, err)
	}
	if _, err := db.SaveRegistryOver(ctx, r, "again", 1); custodian.ErrorCode(err) != custodian.ECONFLICT {
		t.Fatalf("a second save over revision 1: %v", err)
	}
}
