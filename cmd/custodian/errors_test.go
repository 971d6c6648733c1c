package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"custodian"
	"custodian/sqlite"
)

// Every error code has its exit status, decided in one place (finish); a code the CLI does
// not know, or an error without one, is an internal fault.
func TestExitStatusOfEveryCode(t *testing.T) {
	want := map[string]int{
		custodian.EINVALID: 1, custodian.ENOTFOUND: 1, custodian.ECONFLICT: 1,
		custodian.EUNAUTHORIZED: 3, custodian.ERATELIMIT: 4, custodian.EUNAVAILABLE: 4, custodian.EINTERNAL: 5,
	}
	if len(want) != len(custodian.Codes) {
		t.Fatalf("the test knows %d codes, the domain declares %d", len(want), len(custodian.Codes))
	}
	for _, code := range custodian.Codes {
		var errb bytes.Buffer
		a := &app{stderr: &errb, getenv: func(string) string { return "" }, dataPath: t.TempDir()}
		got := a.finish(custodian.Errorf(code, "실패 %s", "failure %s", code))
		if w, ok := want[code]; !ok || got != w {
			t.Errorf("code %q: exit %d, want %d", code, got, want[code])
		}
		if !strings.Contains(errb.String(), "failure "+code) {
			t.Errorf("code %q: printed %q", code, errb.String())
		}
	}
	a := &app{stderr: new(bytes.Buffer), getenv: func(string) string { return "" }, dataPath: t.TempDir()}
	if got := a.finish(errors.New("disk on fire")); got != 5 {
		t.Errorf("an error without a code: exit %d, want 5", got)
	}
	if got := a.finish(a.usagef("잘못", "wrong")); got != 2 {
		t.Errorf("usage: exit %d, want 2", got)
	}
	if got := a.finish(fmt.Errorf("wrapped: %w", context.Canceled)); got != 130 {
		t.Errorf("interrupted: exit %d, want 130", got)
	}
}

// The access log names the operating-system user of the process, not whatever $USER says.
func TestCLIActorIsTheOSUser(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	run := func(args ...string) string {
		var out, errb bytes.Buffer
		a := &app{stdout: &out, stderr: &errb, stdin: strings.NewReader(""), now: time.Now,
			getenv: func(k string) string {
				switch k {
				case "CUSTODIAN_DATA":
					return data
				case "USER", "LOGNAME":
					return "mallory"
				}
				return ""
			}}
		if code := a.run(context.Background(), args); code != 0 {
			t.Fatalf("custodian %s: exit %d\n%s", strings.Join(args, " "), code, errb.String())
		}
		return out.String()
	}
	run("init")
	var evs []struct{ Actor, Action string }
	if err := json.Unmarshal([]byte(run("audit", "log", "--json")), &evs); err != nil || len(evs) == 0 {
		t.Fatalf("audit log: %v", err)
	}
	uid := os.Getuid()
	want := fmt.Sprintf("cli:uid %d", uid)
	if u, err := user.LookupId(strconv.Itoa(uid)); err == nil {
		want = fmt.Sprintf("cli:%s(uid %d)", u.Username, uid)
	}
	if evs[0].Action != "custodian.init" || evs[0].Actor != want {
		t.Errorf("first record %+v, want actor %q", evs[0], want)
	}
}

// A damaged database: serve refuses to start, naming the file and what to do; other
// commands warn, and a command that reads the damaged page fails with the same advice.
func TestDamagedDatabase(t *testing.T) {
	c := newCLI(t)
	c.ok("init")
	c.ok("import", example003)
	path := filepath.Join(c.data, "custodian.db")
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	var root int64
	if err := db.SQL().QueryRow(`SELECT rootpage FROM sqlite_master WHERE name = 'sites'`).Scan(&root); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SQL().Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		t.Fatal(err)
	}
	db.Close()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteAt(bytes.Repeat([]byte{0xA5}, 32), (root-1)*4096); err != nil {
		t.Fatal(err)
	}
	f.Close()

	code, _, errs := c.run("--lang", "en", "sites", "list")
	if code != 5 || !strings.Contains(errs, "warning: the database "+path+" is damaged") || !strings.Contains(errs, "docs/OPERATIONS.md") {
		t.Errorf("sites list: exit %d\n%s", code, errs)
	}
	code, out, errs := c.run("--lang", "en", "serve", "--listen", "127.0.0.1:0")
	if code != 5 || !strings.Contains(errs, "the database "+path+" is damaged") || !strings.Contains(errs, "Restore it from a backup") {
		t.Errorf("serve: exit %d\n%s%s", code, out, errs)
	}
}

// An import cut inside its last value (no line break at the end) is refused with its
// position, and nothing changes.
func TestImportRefusesCutFile(t *testing.T) {
	c := newCLI(t)
	c.ok("init")
	data, err := os.ReadFile(example003)
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(t.TempDir(), "cut.yaml")
	if err := os.WriteFile(cut, bytes.TrimRight(data, "\n")[:len(bytes.TrimRight(data, "\n"))-3], 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errs := c.run("--lang", "en", "import", cut)
	if code != 1 || !strings.Contains(errs, "cut.yaml:") || !strings.Contains(errs, "does not end with a line break") {
		t.Fatalf("exit %d\n%s", code, errs)
	}
	if n := revisions(t, c.data); n != 0 {
		t.Errorf("%d registry revisions after a refused import", n)
	}
}
