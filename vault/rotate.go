package vault

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"custodian"
	"custodian/datadir"
)

const newMasterFile = datadir.MasterKeyFile + ".new"

// RotateMasterKey generates a new master key and re-wraps every live data key under it in
// one transaction, without touching footage (docs/design/vault.md, "Key rotation"). The old
// key file is kept as keys/master.key.<old-id>.retired for the operator to archive or
// destroy. It returns the old and new key IDs and the number of keys re-wrapped.
func (v *Vault) RotateMasterKey(ctx context.Context) (oldID, newID string, n int, err error) {
	newKey := make([]byte, 32)
	if _, err := rand.Read(newKey); err != nil {
		return "", "", 0, err
	}
	newID = datadir.KeyID(newKey)
	// 1. The new key, durable, before anything depends on it.
	f, err := os.OpenFile(v.data.File(newMasterFile), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, fs.ErrExist) {
			return "", "", 0, custodian.Errorf(custodian.ECONFLICT, "다른 키 교체가 진행 중입니다 (%s)", "another rotation is in progress (%s)", v.data.File(newMasterFile))
		}
		return "", "", 0, err
	}
	_, err = f.WriteString(datadir.EncodeMasterKey(newKey))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = syncDir(v.data.File(datadir.KeysDir))
	}
	if err != nil {
		os.Remove(v.data.File(newMasterFile))
		return "", "", 0, err
	}
	// 2. Re-wrap every live key, in one transaction.
	v.mu.Lock()
	oldID = v.masterID
	v.mu.Unlock()
	b, err := aes.NewCipher(newKey)
	if err != nil {
		return "", "", 0, err
	}
	newAEAD, err := cipher.NewGCM(b)
	if err != nil {
		return "", "", 0, err
	}
	err = v.cat.RewrapKeys(ctx, newID, func(k *custodian.DataKey) ([]byte, error) {
		raw, err := v.unwrap(ctx, k)
		if err != nil {
			return nil, err
		}
		n++
		return seal(newAEAD, raw, wrapAD(k))
	}, func(c *custodian.CameraSecret) ([]byte, error) {
		password, err := v.OpenSecret(ctx, c)
		if err != nil {
			return nil, err
		}
		return seal(newAEAD, []byte(password), secretAD(c.Camera, c.User, c.Host))
	})
	if err != nil {
		os.Remove(v.data.File(newMasterFile))
		return "", "", 0, err
	}
	// 3. Swap the files.
	if err := v.swapMaster(oldID); err != nil {
		return oldID, newID, n, err
	}
	v.mu.Lock()
	v.master, v.masterID = newKey, newID
	v.mu.Unlock()
	return oldID, newID, n, v.record(ctx, Event{Action: ActionKeyRotate, Object: newID, Detail: fmt.Sprintf("old=%s new=%s keys=%d", oldID, newID, n)})
}

// swapMaster retires master.key and puts master.key.new in its place.
func (v *Vault) swapMaster(oldID string) error {
	cur := v.data.File(datadir.MasterKeyFile)
	if _, err := os.Stat(cur); err == nil {
		if err := os.Rename(cur, cur+"."+oldID+".retired"); err != nil {
			return err
		}
	}
	if err := os.Rename(v.data.File(newMasterFile), cur); err != nil {
		return err
	}
	return syncDir(v.data.File(datadir.KeysDir))
}

// finishRotation completes or undoes a rotation a crash interrupted.
func (v *Vault) finishRotation(ctx context.Context) error {
	b, err := os.ReadFile(v.data.File(newMasterFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	want, err := v.cat.MasterKeyID(ctx)
	if err != nil {
		return err
	}
	key, derr := datadir.DecodeMasterKey(string(b))
	if derr != nil || datadir.KeyID(key) != want {
		// The rotation never committed: the old key is still the one.
		if err := os.Remove(v.data.File(newMasterFile)); err != nil {
			return err
		}
		return syncDir(v.data.File(datadir.KeysDir))
	}
	oldID := "unknown"
	if old, err := v.data.MasterKey(); err == nil {
		oldID = datadir.KeyID(old)
	}
	return v.swapMaster(oldID)
}
