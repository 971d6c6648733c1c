//go:build !linux

package vault

import (
	"errors"
	"os"
)

func tryFlock(f *os.File, exclusive bool) (bool, error) {
	return false, errors.New("vault: file locking is supported on Linux only")
}

func funlock(f *os.File) error { return nil }

func fallocate(f *os.File, size int64) error { return writeZeros(f, size) }
