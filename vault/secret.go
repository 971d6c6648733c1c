package vault

import (
	"context"
	"strings"
	"time"

	"custodian"
)

// secretAD binds a sealed camera password to its camera, user and origin: a sealed value
// copied onto another row, or a row whose host was changed in the catalog, does not open.
// Passwords stored before they were bound to an origin (host "") were sealed under v1.
func secretAD(camera, user, origin string) []byte {
	if origin == "" {
		return []byte("custodian-camera-secret-v1\x00" + camera + "\x00" + user)
	}
	return []byte("custodian-camera-secret-v2\x00" + camera + "\x00" + user + "\x00" + origin)
}

// SetCameraSecret seals a camera's password under the master key and stores it with the
// user and the origin it may be sent to: custodian.SourceOrigin of the camera's source URL
// (scheme://host:port). The password is never written anywhere in the clear.
func (v *Vault) SetCameraSecret(ctx context.Context, camera, user, origin, password string) error {
	if origin == "" || origin != custodian.SourceOrigin(origin) {
		return custodian.Errorf(custodian.EINVALID, "카메라 %s의 비밀번호를 보낼 곳(scheme://host:port)이 올바르지 않습니다: %q",
			"the origin (scheme://host:port) for camera %s's password is not valid: %q", camera, origin)
	}
	a, id, err := v.masterAEAD()
	if err != nil {
		return err
	}
	sealed, err := seal(a, []byte(password), secretAD(camera, user, origin))
	if err != nil {
		return err
	}
	return v.cat.SetCameraSecret(ctx, &custodian.CameraSecret{Camera: camera, User: user, Host: origin, MasterKeyID: id, Updated: time.Now(), Sealed: sealed})
}

// ActionSecretBind is the access-log action for a legacy camera password bound to a host.
const ActionSecretBind = "camera.secret.bind"

// CameraSecretFor returns a camera's user and password for sending to origin (the
// custodian.SourceOrigin of its current source URL). ENOTFOUND when none is stored;
// EUNAUTHORIZED, with what to do, when the password was stored for another origin (the
// camera's source was moved to another host since): a stored password is sent only to the
// host it was given for. A password stored before passwords were bound to a host (before
// migration 9) is bound at its first use to origin, logged.
func (v *Vault) CameraSecretFor(ctx context.Context, camera, origin string) (user, password string, err error) {
	c, err := v.cat.CameraSecret(ctx, camera)
	if err != nil {
		return "", "", err
	}
	switch {
	case c.Host == "" && origin != "" && origin == custodian.SourceOrigin(origin):
		// Stored before passwords were bound to a host (an upgrade): bind it, once, to the
		// host the camera's source names now — the one it was set for, unless the source was
		// moved since — so that recording goes on after the upgrade; said in the log.
		password, err = v.OpenSecret(ctx, c)
		if err != nil {
			return "", "", err
		}
		if err := v.SetCameraSecret(ctx, camera, c.User, origin, password); err != nil {
			return "", "", err
		}
		v.log.Warn("vault: a camera password stored before passwords were bound to a host is now bound to its source's host; store it again if that is not the camera's", "camera", camera, "host", origin)
		if err := v.record(ctx, Event{Action: ActionSecretBind, Camera: camera, Object: origin,
			Detail: "camera password stored before host binding bound to the source's current host"}); err != nil {
			return "", "", err
		}
		return c.User, password, nil
	case c.Host == "":
		return "", "", custodian.Errorf(custodian.EUNAUTHORIZED,
			"카메라 %[1]s의 저장된 비밀번호는 호스트가 정해지기 전에 저장되어 보내지 않습니다: 다시 저장하십시오 ('custodian cameras set-source %[1]s URL --user U --password-file F')",
			"the stored password of camera %[1]s was stored before passwords were bound to a host and is not sent: store it again ('custodian cameras set-source %[1]s URL --user U --password-file F')", camera)
	case origin == "" || !strings.EqualFold(c.Host, origin):
		return "", "", custodian.Errorf(custodian.EUNAUTHORIZED,
			"카메라 %[1]s의 저장된 비밀번호는 %[2]s용이므로 출처의 호스트 %[3]s에 보내지 않습니다: 새 호스트의 비밀번호를 저장하십시오 ('custodian cameras set-source %[1]s URL --user U --password-file F')",
			"the stored password of camera %[1]s is for %[2]s and is not sent to the source's host %[3]s: store the password for the new host ('custodian cameras set-source %[1]s URL --user U --password-file F')", camera, c.Host, origin)
	}
	password, err = v.OpenSecret(ctx, c)
	return c.User, password, err
}

// CameraSecretInfo returns the user and origin of a camera's stored password without
// opening it (ENOTFOUND when none is stored).
func (v *Vault) CameraSecretInfo(ctx context.Context, camera string) (user, origin string, err error) {
	c, err := v.cat.CameraSecret(ctx, camera)
	if err != nil {
		return "", "", err
	}
	return c.User, c.Host, nil
}

// DeleteCameraSecret forgets a camera's stored password (no error if there is none).
func (v *Vault) DeleteCameraSecret(ctx context.Context, camera string) error {
	return v.cat.DeleteCameraSecret(ctx, camera)
}

// OpenSecret opens a sealed camera password.
func (v *Vault) OpenSecret(ctx context.Context, c *custodian.CameraSecret) (string, error) {
	v.mu.Lock()
	current := v.masterID
	v.mu.Unlock()
	if c.MasterKeyID != current {
		if err := v.loadMaster(ctx); err != nil {
			return "", err
		}
	}
	a, _, err := v.masterAEAD()
	if err != nil {
		return "", err
	}
	if len(c.Sealed) < a.NonceSize() {
		return "", custodian.Errorf(custodian.EINVALID, "카메라 %s의 인증 정보가 손상되었습니다", "the credentials of camera %s are damaged", c.Camera)
	}
	p, err := a.Open(nil, c.Sealed[:a.NonceSize()], c.Sealed[a.NonceSize():], secretAD(c.Camera, c.User, c.Host))
	if err != nil {
		return "", custodian.Errorf(custodian.EINVALID, "카메라 %s의 인증 정보를 열 수 없습니다 (마스터 키가 다르거나 카탈로그가 변경됨)", "cannot open the credentials of camera %s (wrong master key or a changed catalog)", c.Camera)
	}
	return string(p), nil
}
