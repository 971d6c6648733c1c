package vault_test

import (
	"bytes"
	"os"
	"strings"
	"testing"

	"custodian"
	"custodian/vault"
)

func TestCameraSecrets(t *testing.T) {
	e := newEnv(t)
	const origin = "rtsp://10.0.0.1:554"
	if _, _, err := e.v.CameraSecretFor(e.ctx, "cam-1", origin); custodian.ErrorCode(err) != custodian.ENOTFOUND {
		t.Fatalf("no secret yet: %v", err)
	}
	const password = "s3cret-카메라-password"
	if err := e.v.SetCameraSecret(e.ctx, "cam-1", "admin", origin, password); err != nil {
		t.Fatal(err)
	}
	user, got, err := e.v.CameraSecretFor(e.ctx, "cam-1", origin)
	if err != nil || user != "admin" || got != password {
		t.Fatalf("CameraSecretFor: %q %q %v", user, got, err)
	}
	if u, o, err := e.v.CameraSecretInfo(e.ctx, "cam-1"); err != nil || u != "admin" || o != origin {
		t.Fatalf("CameraSecretInfo: %q %q %v", u, o, err)
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
	if _, _, err := e.v.CameraSecretFor(e.ctx, "cam-2", origin); custodian.ErrorCode(err) != custodian.EINVALID {
		t.Fatalf("a moved secret opened: %v", err)
	}
	e.db.DeleteCameraSecret(e.ctx, "cam-2")
	// Rotation re-seals it under the new master key, bound to the same host.
	if _, _, _, err := e.v.RotateMasterKey(e.ctx); err != nil {
		t.Fatal(err)
	}
	e.reopen()
	user, got, err = e.v.CameraSecretFor(e.ctx, "cam-1", origin)
	if err != nil || user != "admin" || got != password {
		t.Fatalf("after rotation: %q %q %v", user, got, err)
	}
	if err := e.v.DeleteCameraSecret(e.ctx, "cam-1"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.v.CameraSecretFor(e.ctx, "cam-1", origin); custodian.ErrorCode(err) != custodian.ENOTFOUND {
		t.Fatalf("deleted: %v", err)
	}
}

// TestCameraSecretBoundToHost: a stored camera password is given only for the origin it was
// stored for (issue 11, item 8): not for another host, port or scheme, not after its row's
// host is changed in the catalog, and not when it was stored before passwords had a host.
func TestCameraSecretBoundToHost(t *testing.T) {
	e := newEnv(t)
	const password = "cam-pw-9"
	origin := custodian.SourceOrigin("rtsp://10.0.0.1/stream")
	if err := e.v.SetCameraSecret(e.ctx, "cam-1", "admin", origin, password); err != nil {
		t.Fatal(err)
	}
	for _, other := range []string{"rtsp://203.0.113.7/stream", "rtsp://10.0.0.1:8554/stream", "rtsps://10.0.0.1/stream", "http://10.0.0.1/"} {
		_, got, err := e.v.CameraSecretFor(e.ctx, "cam-1", custodian.SourceOrigin(other))
		if custodian.ErrorCode(err) != custodian.EUNAUTHORIZED || got != "" || !strings.Contains(err.Error(), "rtsp://10.0.0.1:554") || strings.Contains(err.Error(), password) {
			t.Errorf("%s: %q %v", other, got, err)
		}
	}
	if _, got, err := e.v.CameraSecretFor(e.ctx, "cam-1", custodian.SourceOrigin("RTSP://10.0.0.1:554/other-path")); err != nil || got != password {
		t.Errorf("same origin, another path: %q %v", got, err)
	}
	// The host is bound into the seal: changing it in the catalog does not make it open
	// for the new host.
	c, _ := e.db.CameraSecret(e.ctx, "cam-1")
	c.Host = "rtsp://203.0.113.7:554"
	e.db.SetCameraSecret(e.ctx, c)
	if _, got, err := e.v.CameraSecretFor(e.ctx, "cam-1", "rtsp://203.0.113.7:554"); err == nil || got != "" {
		t.Errorf("a row with its host changed opened: %q %v", got, err)
	}
	// A password stored before passwords were bound to a host (migration 0009) is bound,
	// at its first use after the upgrade, to the host the source names then (logged), and
	// from then on sent only there.
	c.Host = ""
	c.Sealed, c.MasterKeyID = vault.SealLegacySecret(e.v, "cam-1", "admin", password)
	e.db.SetCameraSecret(e.ctx, c)
	if _, got, err := e.v.CameraSecretFor(e.ctx, "cam-1", ""); custodian.ErrorCode(err) != custodian.EUNAUTHORIZED || got != "" || !strings.Contains(err.Error(), "set-source") {
		t.Errorf("unbound, no origin: %q %v", got, err)
	}
	if _, got, err := e.v.CameraSecretFor(e.ctx, "cam-1", origin); err != nil || got != password {
		t.Errorf("unbound at the upgrade: %q %v", got, err)
	}
	if c, _ := e.db.CameraSecret(e.ctx, "cam-1"); c.Host != origin {
		t.Errorf("the legacy password was not bound to %s: %q", origin, c.Host)
	}
	bound := false
	for _, ev := range e.rec.events {
		bound = bound || (ev.Action == vault.ActionSecretBind && ev.Camera == "cam-1" && ev.Object == origin)
	}
	if !bound {
		t.Error("the binding was not recorded in the access log")
	}
	if _, got, err := e.v.CameraSecretFor(e.ctx, "cam-1", "rtsp://203.0.113.7:554"); custodian.ErrorCode(err) != custodian.EUNAUTHORIZED || got != "" {
		t.Errorf("once bound, sent elsewhere: %q %v", got, err)
	}
	// An origin must be given.
	for _, bad := range []string{"", "rtsp://10.0.0.1/stream", "10.0.0.1"} {
		if err := e.v.SetCameraSecret(e.ctx, "cam-1", "admin", bad, password); custodian.ErrorCode(err) != custodian.EINVALID {
			t.Errorf("origin %q: %v", bad, err)
		}
	}
}
