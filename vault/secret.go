package vault

import (
	"context"
	"time"

	"custodian"
)

// secretAD binds a sealed camera password to its camera and user: a sealed value copied
// onto another row does not open.
func secretAD(camera, user string) []byte {
	return []byte("custodian-camera-secret-v1\x00" + camera + "\x00" + user)
}

// SetCameraSecret seals a camera's password under the master key and stores it with the
// user. The password is never written anywhere in the clear.
func (v *Vault) SetCameraSecret(ctx context.Context, camera, user, password string) error {
	a, id, err := v.masterAEAD()
	if err != nil {
		return err
	}
	sealed, err := seal(a, []byte(password), secretAD(camera, user))
	if err != nil {
		return err
	}
	return v.cat.SetCameraSecret(ctx, &custodian.CameraSecret{Camera: camera, User: user, MasterKeyID: id, Updated: time.Now(), Sealed: sealed})
}

// CameraSecret returns a camera's user and password (ENOTFOUND when none is stored).
func (v *Vault) CameraSecret(ctx context.Context, camera string) (user, password string, err error) {
	c, err := v.cat.CameraSecret(ctx, camera)
	if err != nil {
		return "", "", err
	}
	password, err = v.OpenSecret(ctx, c)
	return c.User, password, err
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
	p, err := a.Open(nil, c.Sealed[:a.NonceSize()], c.Sealed[a.NonceSize():], secretAD(c.Camera, c.User))
	if err != nil {
		return "", custodian.Errorf(custodian.EINVALID, "카메라 %s의 인증 정보를 열 수 없습니다 (마스터 키가 다르거나 카탈로그가 변경됨)", "cannot open the credentials of camera %s (wrong master key or a changed catalog)", c.Camera)
	}
	return string(p), nil
}
