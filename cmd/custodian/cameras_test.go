package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"custodian"
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
	code, out, errs := c.run("import", "--allow-source-changes", reg)
	if code == 0 || !strings.Contains(out+errs, "password_file") {
		t.Fatalf("a missing password file: exit %d\n%s%s", code, out, errs)
	}
	if revisions(t, c.data) != 0 {
		t.Fatal("a failed import stored a revision")
	}
	os.WriteFile(filepath.Join(dir, "door.pw"), []byte("door-pw-7\n"), 0o600)
	out = c.ok("import", "--allow-source-changes", reg)
	if !strings.Contains(out, "비밀번호") {
		t.Errorf("import: %s", out)
	}
	exported := c.ok("export")
	if strings.Contains(exported, "password_file") || strings.Contains(exported, "door-pw-7") || !strings.Contains(exported, "user: viewer") {
		t.Errorf("export:\n%s", exported)
	}
}

// withCamera returns the minimal example with one recorded camera whose source is src (a
// YAML flow mapping) and whose enabled flag is enabled.
func withCamera(t *testing.T, enabled bool, src string) string {
	t.Helper()
	b, err := os.ReadFile("../../examples/minimal.yaml")
	if err != nil {
		t.Fatal(err)
	}
	out := strings.Replace(string(b), "        retention_class: standard # ID from retention_classes below\n",
		"        retention_class: standard # ID from retention_classes below\n"+
			"        cameras:\n          - id: door\n            enabled: "+fmt.Sprint(enabled)+"\n"+
			"            source: "+src+"\n", 1)
	if out == string(b) {
		t.Fatal("the example changed: cannot add a camera")
	}
	return out
}

// TestImportSourceChangesNeedFlag: an import that changes a camera's source, password or
// recording is refused, naming the camera and field and storing nothing, unless
// --allow-source-changes says it is meant (issue 11, item 8: the registry's editors do not
// control sources); other edits import as before.
func TestImportSourceChangesNeedFlag(t *testing.T) {
	c := newCLI(t)
	c.ok("init")
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	first := write("first.yaml", withCamera(t, true, `{url: "rtsp://10.0.0.9/live", user: viewer}`))
	code, out, errs := c.run("import", first)
	if code != 3 || !strings.Contains(errs, "--allow-source-changes") || !strings.Contains(errs, "cameras[0].source") || !strings.Contains(errs, "door") {
		t.Fatalf("first import without the flag: exit %d\n%s%s", code, out, errs)
	}
	if revisions(t, c.data) != 0 {
		t.Fatal("a refused import stored a revision")
	}
	c.ok("import", "--allow-source-changes", first)
	before := revisions(t, c.data)
	for name, text := range map[string]string{
		"moved.yaml":    withCamera(t, true, `{url: "rtsp://203.0.113.5/live", user: viewer}`),
		"off.yaml":      withCamera(t, false, `{url: "rtsp://10.0.0.9/live", user: viewer}`),
		"ffmpeg.yaml":   withCamera(t, true, `{kind: ffmpeg, url: "rtsp://10.0.0.9/live"}`),
		"basic.yaml":    withCamera(t, true, `{url: "rtsp://10.0.0.9/live", user: viewer, allow_basic_auth: true}`),
		"password.yaml": withCamera(t, true, `{url: "rtsp://10.0.0.9/live", user: viewer, password_file: pw}`),
	} {
		write("pw", "x-pass\n")
		code, out, errs := c.run("import", write(name, text))
		if code != 3 || !strings.Contains(errs, "door") || !strings.Contains(errs, "--allow-source-changes") {
			t.Errorf("%s: exit %d\n%s%s", name, code, out, errs)
		}
	}
	if revisions(t, c.data) != before {
		t.Fatal("a refused import stored a revision")
	}
	// Other edits need no flag.
	renamed := strings.Replace(withCamera(t, true, `{url: "rtsp://10.0.0.9/live", user: viewer}`), "id: door\n", "id: door\n            location: back door\n", 1)
	c.ok("import", write("renamed.yaml", renamed))
	if revisions(t, c.data) != before+1 {
		t.Fatal("an edit of a camera's location was not stored")
	}
}

// TestStoredPasswordFollowsHost: a stored camera password is bound to its source's host;
// moving the source to another host (by set-source or by import) deletes it, saying so,
// and the same host keeps it.
func TestStoredPasswordFollowsHost(t *testing.T) {
	c := newCLI(t)
	c.ok("init")
	c.ok("import", "../../examples/minimal.yaml")
	pw := filepath.Join(t.TempDir(), "pw")
	os.WriteFile(pw, []byte("cam-Secret-42\n"), 0o600)
	c.ok("cameras", "set-source", "lobby-1", "rtsp://10.0.0.1/stream1", "--group", "entrance", "--user", "admin", "--password-file", pw)
	secret := func() *custodian.CameraSecret {
		db, err := sqlite.Open(context.Background(), filepath.Join(c.data, "custodian.db"))
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		s, err := db.CameraSecret(context.Background(), "lobby-1")
		if custodian.ErrorCode(err) == custodian.ENOTFOUND {
			return nil
		}
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	if s := secret(); s == nil || s.Host != "rtsp://10.0.0.1:554" || s.User != "admin" {
		t.Fatalf("stored: %+v", s)
	}
	// Another path on the same host keeps it.
	if out := c.ok("cameras", "set-source", "lobby-1", "rtsp://10.0.0.1:554/stream2"); strings.Contains(out, "지웠습니다") {
		t.Errorf("same host: %s", out)
	}
	if secret() == nil {
		t.Fatal("the password was deleted for a path change on the same host")
	}
	// Another host deletes it.
	out := c.ok("cameras", "set-source", "lobby-1", "rtsp://203.0.113.5/stream1")
	if !strings.Contains(out, "rtsp://10.0.0.1:554") || !strings.Contains(out, "지웠습니다") {
		t.Errorf("moved: %s", out)
	}
	if s := secret(); s != nil {
		t.Fatalf("the password survived a move to another host: %+v", s)
	}
	// By import: store again, then import a registry that moves the source.
	c.ok("cameras", "set-source", "lobby-1", "rtsp://10.0.0.1/stream1", "--user", "admin", "--password-file", pw)
	exported := c.ok("export")
	moved := strings.Replace(exported, "rtsp://10.0.0.1/stream1", "rtsp://10.0.0.1:8554/stream1", 1)
	if moved == exported {
		t.Fatalf("export has no source:\n%s", exported)
	}
	file := filepath.Join(t.TempDir(), "moved.yaml")
	os.WriteFile(file, []byte(moved), 0o600)
	out = c.ok("import", "--allow-source-changes", file)
	if !strings.Contains(out, "lobby-1") || !strings.Contains(out, "rtsp://10.0.0.1:8554") {
		t.Errorf("import moving the source: %s", out)
	}
	if s := secret(); s != nil {
		t.Fatalf("the password survived an import moving the source: %+v", s)
	}
}
