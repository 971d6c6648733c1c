//go:build !unix

package datadir

import (
	"errors"
	"os"
)

func tryLock(f *os.File) (bool, error) {
	return false, errors.New("datadir: file locking is not supported on this system")
}

func unlock(f *os.File) {}
