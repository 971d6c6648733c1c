package vault

import (
	"errors"
	"time"
)

// SealLegacySecret seals a camera password as Custodian did before passwords were bound to
// a host (migration 9), for the upgrade test.
func SealLegacySecret(v *Vault, camera, user, password string) ([]byte, string) {
	a, id, err := v.masterAEAD()
	if err != nil {
		panic(err)
	}
	sealed, err := seal(a, []byte(password), secretAD(camera, user, ""))
	if err != nil {
		panic(err)
	}
	return sealed, id
}

// ReadAllUnhashed is the playback's whole-segment read, which relies on the chunks'
// authentication alone.
func (s *Segment) ReadAllUnhashed() ([]byte, error) { return s.readAll(false, false) }

// FailDeletionAt makes selective deletions fail at the named step, as a crash there would,
// until the returned function is called.
func FailDeletionAt(step string) (restore func()) {
	deleteFault = func(s string) error {
		if s == step {
			return errors.New("injected crash at " + step)
		}
		return nil
	}
	return func() { deleteFault = nil }
}

// SetDeleteWait sets how long a deletion waits for a segment being recorded under a key it
// retired, until the returned function is called.
func SetDeleteWait(d time.Duration) (restore func()) {
	old := deleteWait
	deleteWait = d
	return func() { deleteWait = old }
}
