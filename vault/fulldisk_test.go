package vault_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"custodian"
	"custodian/datadir"
	"custodian/sqlite"
	"custodian/vault"
)

const fullDiskEnv = "CUSTODIAN_VAULT_FULLDISK_CHILD"

// TestFullDisk runs TestFullDiskChild in a mount namespace of its own, on an 8 MiB tmpfs
// (unshare -rm: no privileges needed), so that the disk really fills up.
func TestFullDisk(t *testing.T) { runOnTmpfs(t, "TestFullDiskChild") }

// TestFullDiskFreesSpace runs TestFullDiskFreesSpaceChild on its own small tmpfs.
func TestFullDiskFreesSpace(t *testing.T) { runOnTmpfs(t, "TestFullDiskFreesSpaceChild") }

func runOnTmpfs(t *testing.T, child string) {
	if os.Getenv(fullDiskEnv) != "" {
		return
	}
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Fatal("unshare (util-linux) is needed for the full-disk test")
	}
	mnt := t.TempDir()
	script := fmt.Sprintf("mount -t tmpfs -o size=8m tmpfs %q && exec %q -test.run=^%s$ -test.count=1 -test.v", mnt, os.Args[0], child)
	cmd := exec.Command("unshare", "-rm", "--propagation", "private", "sh", "-c", script)
	cmd.Env = append(os.Environ(), fullDiskEnv+"="+mnt)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "FULLDISK-OK") {
		t.Fatalf("full-disk child failed: %v\n%s", err, out)
	}
	for _, l := range strings.Split(string(out), "\n") {
		if strings.Contains(l, "fulldisk:") {
			t.Log(strings.TrimSpace(l))
		}
	}
}

func TestFullDiskChild(t *testing.T) {
	mnt := os.Getenv(fullDiskEnv)
	if mnt == "" {
		return
	}
	ctx := context.Background()
	d, db := fullDiskData(t, mnt)
	clk := &clock{t: day0}
	rec := &recorder{}
	open := func() *vault.Vault {
		v, err := vault.Open(ctx, vault.Options{Data: d, Catalog: db, Audit: rec, Now: clk.Now})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	v := open()
	// Some footage, held.
	for i := 0; i < 3; i++ {
		w, _ := v.Create(ctx, "cam-1", day0.Add(time.Duration(i)*time.Minute), "standard", thirtyDays)
		w.Write(randomBytes(200 << 10))
		if _, err := w.Commit(ctx, day0.Add(time.Duration(i+1)*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	h, err := v.AddHold(ctx, "cam-1", day0, day0.Add(3*time.Minute), "held before the disk filled", custodian.Date{}, "t")
	if err != nil {
		t.Fatal(err)
	}
	// Something else on the same disk, to free later.
	filler := filepath.Join(mnt, "filler")
	os.WriteFile(filler, randomBytes(2<<20), 0o600)
	// Write until the disk is full.
	var fullErr error
	written := 0
	for i := 0; i < 100 && fullErr == nil; i++ {
		start := day0.Add(time.Hour + time.Duration(i)*time.Minute)
		w, err := v.Create(ctx, "cam-1", start, "standard", thirtyDays)
		if err != nil {
			fullErr = err
			break
		}
		if _, err := w.Write(randomBytes(512 << 10)); err != nil {
			fullErr = err
			w.Abort(ctx)
			break
		}
		if _, err := w.Commit(ctx, start.Add(time.Minute)); err != nil {
			fullErr = err
			break
		}
		written++
	}
	if fullErr == nil {
		t.Fatal("the disk never filled")
	}
	if !strings.Contains(fullErr.Error(), "disk is full") || !strings.Contains(fullErr.Error(), "held footage is never deleted") {
		t.Fatalf("unclear error on a full disk: %v", fullErr)
	}
	fmt.Printf("fulldisk: %d segments written, then: %v\n", written, fullErr)
	// The catalog is consistent and the held footage is whole.
	check := func(when string) {
		rep, err := v.Verify(ctx, vault.LevelHash, nil)
		if err != nil {
			t.Fatalf("%s: verify: %v", when, err)
		}
		if len(rep.Problems) > 0 {
			t.Fatalf("%s: %+v", when, rep.Problems)
		}
		held, err := db.Hold(ctx, h.ID)
		if err != nil || held.Segments != 3 {
			t.Fatalf("%s: held footage: %+v %v", when, held, err)
		}
	}
	check("disk full")
	// Space returns: writing resumes.
	os.Remove(filler)
	v = open()
	start := day0.Add(5 * time.Hour)
	w, err := v.Create(ctx, "cam-1", start, "standard", thirtyDays)
	if err != nil {
		t.Fatalf("after space returned: %v", err)
	}
	w.Write(randomBytes(512 << 10))
	if _, err := w.Commit(ctx, start.Add(time.Minute)); err != nil {
		t.Fatalf("after space returned: %v", err)
	}
	check("space returned")
	fmt.Println("FULLDISK-OK")
}

// fill writes a file until the disk is full.
func fill(t *testing.T, path string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	buf := make([]byte, 4096)
	for {
		if _, err := f.Write(buf); err != nil {
			return
		}
	}
}

// On a completely full disk, Custodian must still free space: recovery at open, a hold's
// release and retention use the vault's reserve; verify works.
func TestFullDiskFreesSpaceChild(t *testing.T) {
	mnt := os.Getenv(fullDiskEnv)
	if mnt == "" {
		return
	}
	ctx := context.Background()
	d, db := fullDiskData(t, mnt)
	clk := &clock{t: day0}
	rec := &recorder{}
	twoDays := custodian.Retention{Days: 2}
	reserve := int64(1 << 20)
	if os.Getenv("CUSTODIAN_TEST_NO_RESERVE") != "" { // shows what fails without it
		reserve = -1
	}
	open := func(when string) *vault.Vault {
		v, err := vault.Open(ctx, vault.Options{Data: d, Catalog: db, Audit: rec, Now: clk.Now, Reserve: reserve})
		if err != nil {
			t.Fatalf("%s: open on a full disk: %v", when, err)
		}
		return v
	}
	v := open("first")
	write := func(camera string, start time.Time, ret custodian.Retention) {
		w, err := v.Create(ctx, camera, start, "standard", ret)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(randomBytes(200 << 10))
		if _, err := w.Commit(ctx, start.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	// Footage that will expire, footage held past its date and footage held within it.
	for i := 0; i < 3; i++ {
		write("cam-1", day0.Add(time.Duration(i)*time.Minute), twoDays)
		write("cam-2", day0.Add(time.Duration(i)*time.Minute), twoDays)
		write("cam-3", day0.Add(time.Duration(i)*time.Minute), thirtyDays)
	}
	past, err := v.AddHold(ctx, "cam-2", day0, day0.Add(3*time.Minute), "past its date when released", custodian.Date{}, "t")
	if err != nil {
		t.Fatal(err)
	}
	within, err := v.AddHold(ctx, "cam-3", day0, day0.Add(3*time.Minute), "within its date when released", custodian.Date{}, "t")
	if err != nil {
		t.Fatal(err)
	}
	// A segment being written when the process dies.
	w, err := v.Create(ctx, "cam-3", day0.Add(time.Hour), "standard", thirtyDays)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(randomBytes(100 << 10))
	v.Close() // the process is gone
	filler := filepath.Join(mnt, "filler")
	fill(t, filler)
	if _, err := os.Stat(d.File(datadir.ReserveFile)); err != nil && os.Getenv("CUSTODIAN_TEST_NO_RESERVE") == "" {
		t.Fatalf("no reserve was made: %v", err)
	}
	// 1. A restart on a full disk recovers.
	clk.t = day0.Add(3 * 24 * time.Hour) // cam-1's and cam-2's footage is past its date
	v = open("restart")
	if ws, _ := db.WritingSegments(ctx); len(ws) != 0 {
		t.Fatalf("recovery on a full disk left %d segments writing", len(ws))
	}
	fill(t, filler)
	// 2. Releasing a hold works on a full disk, including moving footage back under its
	// day's key.
	if _, err := v.ReleaseHold(ctx, within.ID, "t"); err != nil {
		t.Fatalf("release on a full disk: %v", err)
	}
	fill(t, filler)
	if _, err := v.ReleaseHold(ctx, past.ID, "t"); err != nil {
		t.Fatalf("release on a full disk: %v", err)
	}
	fill(t, filler)
	// 3. Retention destroys expired footage on a full disk.
	rep, err := v.RunRetention(ctx, nil, false)
	if err != nil {
		t.Fatalf("retention on a full disk: %v", err)
	}
	if rep.Segments < 3 {
		t.Fatalf("retention destroyed %d segments", rep.Segments)
	}
	fill(t, filler)
	// 4. Verify works on a full disk, and finds nothing wrong.
	vr, err := v.Verify(ctx, vault.LevelHash, nil)
	if err != nil {
		t.Fatalf("verify on a full disk: %v", err)
	}
	if len(vr.Problems) > 0 {
		t.Fatalf("after freeing space: %+v", vr.Problems)
	}
	if n := len(must(db.SegmentsOfKey(ctx, must(db.PeriodKey(ctx, "cam-3", custodian.DateOf(day0))).ID))); n != 3 {
		t.Fatalf("cam-3's held footage is not back under its day's key: %d segments", n)
	}
	v.Close()
	fmt.Printf("fulldisk: recovery, two releases, retention (%d segments, %d bytes) and verify on a full disk\n", rep.Segments, rep.Bytes)
	fmt.Println("FULLDISK-OK")
}

func must[T any](x T, err error) T {
	if err != nil {
		panic(err)
	}
	return x
}

// fullDiskData makes a data directory and its database on the child's tmpfs.
func fullDiskData(t *testing.T, mnt string) (*datadir.Dir, *sqlite.DB) {
	t.Helper()
	d, err := datadir.Init(filepath.Join(mnt, "data"))
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.Open(context.Background(), d.DBPath())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return d, db
}
