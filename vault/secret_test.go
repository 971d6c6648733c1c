package vault_test

import (
	"bytes"
	"os"
	"testing"

	"custodian"
)

func TestCameraSecrets(t *testing.T) {
	e := newEnv(t)
	if _, _, err := e.v.CameraSecret(e.ctx, "cam-1"); custodian.ErrorCode(err) != custodian.ENOTFOUND {
		t.Fatalf("no secret yet: %v", err)
	}
	const password = "s3cret-카메라-password"
	if err := e.v.SetCameraSecret(e.ctx, "cam-1", "admin", password); err != nil {
		t.Fatal(err)
	}
	user, got, err := e.v.CameraSecret(e.ctx, "cam-1")
	if err != nil || user != "admin" || got != password {
		t.Fatalf("CameraSecret: %q %q %v", user, got, err)
	}
	// The password is nowhere in the database files in the clear.
	if err := e.db.Checkpoint(e.ctx); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{e.data.DBPath(), e.data.DBPath() + "-wal"} {
		b, _ := os.ReadFile(f)
		if bytes.Contains(b, []byte(password)) {
			t.Errorf("the password is in %s in the clear", f)
		}
	}
	// A sealed value moved to another camera does not open.
	c, _ := e.db.CameraSecret(e.ctx, "cam-1")
	c.Camera = "cam-2"
	if err := e.db.SetCameraSecret(e.ctx, c); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.v.CameraSecret(e.ctx, "cam-2"); custodian.ErrorCode(err) != custodian.EINVALID {
		t.Fatalf("a moved secret opened: %v", err)
	}
	e.db.DeleteCameraSecret(e.ctx, "cam-2")
	// Rotation re-seals it under the new master key.
	if _, _, _, err := e.v.RotateMasterKey(e.ctx); err != nil {
		t.Fatal(err)
	}
	e.reopen()
	user, got, err = e.v.CameraSecret(e.ctx, "cam-1")
	if err != nil || user != "admin" || got != password {
		t.Fatalf("after rotation: %q %q %v", user, got, err)
	}
}
