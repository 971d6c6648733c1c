//go:build !unix

package datadir

import (
	"errors"
	"os"
)

// TryLock is not supported here: Custodian's locks need flock.
func TryLock(f *os.File, exclusive bool) (bool, error) {
	return false, errors.New("datadir: file locking is not supported on this system")
}

// Unlock does nothing here.
func Unlock(f *os.File) {}
