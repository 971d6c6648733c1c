package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"custodian/sqlite"
)

// TestCamerasSetSource: a camera added with a source and a password; the password is sealed
// (not in the registry, its export, or the database in the clear); bad input changes nothing.
func TestCamerasSetSource(t *testing.T) {
	c := newCLI(t)
	c.ok("init")
	c.ok("import", "../../examples/minimal.yaml")
	pw := filepath.Join(t.TempDir(), "pw")
	os.WriteFile(pw, []byte("cam-Secret-42\n"), 0o600)
	before := revisions(t, c.data)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"cameras", "set-source", "lobby-1", "rtsp://10.0.0.1/s"}, "--group"},
		{[]string{"cameras", "set-source", "lobby-1", "rtsp://10.0.0.1/s", "--group", "nope"}, "nope"},
		{[]string{"cameras", "set-source", "lobby-1", "http://10.0.0.1/s", "--group", "entrance"}, "rtsp://"},
		{[]string{"cameras", "set-source", "lobby-1", "rtsp://admin:pw@10.0.0.1/s", "--group", "entrance"}, "password"},
		{[]string{"cameras", "set-source", "entrance", "rtsp://10.0.0.1/s", "--group", "entrance"}, "entrance"},
		{[]string{"cameras", "set-source", "lobby-1", "rtsp://10.0.0.1/s", "--group", "entrance", "--password-file", pw}, "--user"},
		{[]string{"cameras", "set-source", "lobby-1", "rtsp://10.0.0.1/s", "--group", "entrance", "--kind", "vlc"}, "vlc"},
	} {
		code, out, errs := c.run(tc.args...)
		if code == 0 || !strings.Contains(out+errs, tc.want) {
			t.Errorf("%v: exit %d, want an error naming %q:\n%s%s", tc.args, code, tc.want, out, errs)
		}
	}
	if revisions(t, c.data) != before {
		t.Fatal("bad input changed the registry")
	}
	out := c.ok("cameras", "set-source", "lobby-1", "rtsp://10.0.0.1/stream1", "--group", "entrance", "--user", "admin", "--password-file", pw)
	if !strings.Contains(out, "lobby-1") {
		t.Errorf("set-source: %s", out)
	}
	exported := c.ok("export")
	if !strings.Contains(exported, "rtsp://10.0.0.1/stream1") || !strings.Contains(exported, "enabled: true") || strings.Contains(exported, "cam-Secret-42") {
		t.Errorf("export:\n%s", exported)
	}
	db, err := sqlite.Open(context.Background(), filepath.Join(c.data, "custodian.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Checkpoint(context.Background()); err != nil {
		t.Fatal(err)
	}
	db.Close()
	raw, _ := os.ReadFile(filepath.Join(c.data, "custodian.db"))
	if bytes.Contains(raw, []byte("cam-Secret-42")) {
		t.Error("the password is in the database in the clear")
	}
	// The export imports back unchanged (the sealed password stays).
	exp := filepath.Join(t.TempDir(), "exp.yaml")
	os.WriteFile(exp, []byte(exported), 0o600)
	if out := c.ok("import", exp); !strings.Contains(out, "변경 사항이 없습니다") {
		t.Errorf("re-import: %s", out)
	}
	if list := c.ok("cameras", "list"); !strings.Contains(list, "lobby-1") {
		t.Errorf("cameras list does not show the recorded camera:\n%s", list)
	}
	if list := c.ok("cameras", "list", "--json"); !strings.Contains(list, `"url": "rtsp://10.0.0.1/stream1"`) || strings.Contains(list, "cam-Secret-42") {
		t.Errorf("cameras list --json:\n%s", list)
	}
	c.ok("cameras", "disable", "lobby-1")
	if exported := c.ok("export"); !strings.Contains(exported, "enabled: false") {
		t.Error("disable did not stick")
	}
}

// TestImportPasswordFile: password_file is read at import (relative to the file), sealed,
// and forgotten; a missing one changes nothing.
func TestImportPasswordFile(t *testing.T) {
	c := newCLI(t)
	c.ok("init")
	src, err := os.ReadFile("../../examples/minimal.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	withCam := strings.Replace(string(src), "        retention_class: standard # ID from retention_classes below\n",
		"        retention_class: standard # ID from retention_classes below\n"+
			"        cameras:\n          - id: door\n            enabled: true\n"+
			"            source: {url: \"rtsp://10.0.0.9/live\", user: viewer, password_file: door.pw}\n", 1)
	if withCam == string(src) {
		t.Fatal("the example changed: cannot add a camera")
	}
	reg := filepath.Join(dir, "reg.yaml")
	os.WriteFile(reg, []byte(withCam), 0o600)
	code, out, errs := c.run("import", reg)
	if code == 0 || !strings.Contains(out+errs, "password_file") {
		t.Fatalf("a missing password file: exit %d\n%s%s", code, out, errs)
	}
	if revisions(t, c.data) != 0 {
		t.Fatal("a failed import stored a revision")
	}
	os.WriteFile(filepath.Join(dir, "door.pw"), []byte("door-pw-7\n"), 0o600)
	out = c.ok("import", reg)
	if !strings.Contains(out, "비밀번호") {
		t.Errorf("import: %s", out)
	}
	exported := c.ok("export")
	if strings.Contains(exported, "password_file") || strings.Contains(exported, "door-pw-7") || !strings.Contains(exported, "user: viewer") {
		t.Errorf("export:\n%s", exported)
	}
}
