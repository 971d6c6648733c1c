package datadir_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"custodian"
	"custodian/datadir"
)

// A second writer on one data directory is refused, naming the PID of the first; once the
// first releases it, the lock can be taken again.
func TestLockWriter(t *testing.T) {
	d, err := datadir.Init(filepath.Join(t.TempDir(), "data"))
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 3, 10, 0, 0, 0, custodian.KST)
	first, err := d.LockWriter("custodian serve", at)
	if err != nil {
		t.Fatal(err)
	}
	_, err = d.LockWriter("custodian serve", at)
	ce, ok := err.(*custodian.Error)
	if !ok || ce.Code != custodian.ECONFLICT {
		t.Fatalf("second writer: %v", err)
	}
	pid := fmt.Sprintf("PID %d", os.Getpid())
	if !strings.Contains(ce.Ko, pid+", custodian serve, 2026-12-03 10:00:00부터") || !strings.Contains(ce.En, pid+", custodian serve, since 2026-12-03 10:00:00 KST") {
		t.Fatalf("the refusal does not name the holder: %v", err)
	}
	if err := first.Release(); err != nil {
		t.Fatal(err)
	}
	again, err := d.LockWriter("custodian serve", at)
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	again.Release()
}
