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
func TestFullDisk(t *testing.T) {
	if os.Getenv(fullDiskEnv) != "" {
		return
	}
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Fatal("unshare (util-linux) is needed for the full-disk test")
	}
	mnt := t.TempDir()
	script := fmt.Sprintf("mount -t tmpfs -o size=8m tmpfs %q && exec %q -test.run=^TestFullDiskChild$ -test.count=1 -test.v", mnt, os.Args[0])
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
	d, err := datadir.Init(filepath.Join(mnt, "data"))
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.Open(ctx, d.DBPath())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
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
