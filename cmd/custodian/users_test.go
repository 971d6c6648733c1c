package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestUsersCommands: accounts from the command line, bad input changing nothing, OTP
// printed once, disabling a person, deputies.
func TestUsersCommands(t *testing.T) {
	c := newCLI(t)
	c.ok("init")
	c.ok("import", example003)
	pw := filepath.Join(t.TempDir(), "pw")
	os.WriteFile(pw, []byte("Strong-Password-1\n"), 0o600)
	weak := filepath.Join(t.TempDir(), "weak")
	os.WriteFile(weak, []byte("short\n"), 0o600)
	for _, bad := range [][]string{
		{"users", "add", "Bad Name", "--name", "x", "--password-file", pw},
		{"users", "add", "kim", "--name", "김", "--password-file", weak},
		{"users", "add", "kim", "--name", "김", "--password-file", pw, "--role", "god", "--all"},
		{"users", "add", "kim", "--name", "김", "--password-file", pw, "--role", "chief", "--sites", "nowhere"},
		{"users", "add", "kim", "--name", "김", "--password-file", pw, "--role", "agency", "--agreement", "none"},
		{"users", "add", "kim", "--name", "김", "--password-file", pw, "--person", "nobody"},
		{"users", "add", "kim", "--name", "김", "--password-file", "/no/such/file"},
		{"users", "add", "kim", "--name", "김", "--password-file", pw, "--sites", "ulsan"},
	} {
		if code, out, errs := c.run(bad...); code == 0 {
			t.Errorf("%v succeeded: %s", bad, out)
		} else if errs == "" {
			t.Errorf("%v: no message", bad)
		}
	}
	if out := c.ok("users", "list"); strings.Contains(out, "kim") {
		t.Fatalf("bad input created an account:\n%s", out)
	}
	out := c.ok("users", "add", "kim", "--name", "김예시", "--password-file", pw, "--role", "access_holder", "--sites", "ulsan", "--totp")
	if !strings.Contains(out, "otpauth://totp/") {
		t.Fatalf("no OTP secret printed:\n%s", out)
	}
	c.ok("users", "add", "lee", "--name", "이예시", "--password-file", pw, "--role", "chief", "--all")
	if code, _, errs := c.run("users", "add", "KIM", "--name", "x", "--password-file", pw); code == 0 || !strings.Contains(errs, "kim") {
		t.Fatalf("duplicate username: %d %s", code, errs)
	}
	out = c.ok("users", "deputy", "kim", "--for", "lee", "--reason", "출장")
	if !strings.Contains(out, "#1") {
		t.Fatalf("deputy: %s", out)
	}
	c.ok("users", "deputy", "--end", "1")
	if code, _, _ := c.run("users", "disable", "kim"); code == 0 {
		t.Fatal("disable without a reason succeeded")
	}
	out = c.ok("users", "disable", "kim", "--reason", "전보")
	if !strings.Contains(out, "kim") {
		t.Fatalf("disable: %s", out)
	}
	if code, _, _ := c.run("users", "disable", "kim", "--reason", "again"); code == 0 {
		t.Fatal("disabling twice succeeded")
	}
	out = c.ok("users", "list")
	if !strings.Contains(out, "비활성") || !strings.Contains(out, "전보") {
		t.Fatalf("list after disable:\n%s", out)
	}
	c.ok("users", "enable", "kim")
	if out := c.ok("users", "unlock", "lee"); !strings.Contains(out, "lee") {
		t.Errorf("unlock: %s", out)
	}
	if code, _, errs := c.run("users", "unlock", "nobody"); code == 0 || errs == "" {
		t.Errorf("unlock of an unknown account: %d", code)
	}
	out = c.ok("audit", "log")
	for _, want := range []string{"account.create", "account.disable", "account.deputy", "account.enable", "account.unlock"} {
		if !strings.Contains(out, want) {
			t.Errorf("the access log lacks %s", want)
		}
	}
	if code, _, errs := c.run("people", "disable", "nobody", "--reason", "퇴직"); code == 0 || errs == "" {
		t.Errorf("people disable of an unknown person: %d", code)
	}
	if got := c.ok("totp-code", "JBSWY3DPEHPK3PXP"); len(strings.TrimSpace(got)) != 6 {
		t.Errorf("totp-code: %q", got)
	}
}
