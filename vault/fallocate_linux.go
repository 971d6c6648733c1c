//go:build linux

package vault

import (
	"errors"
	"os"
	"syscall"
)

// fallocate gives f size bytes of real disk blocks (not a sparse file).
func fallocate(f *os.File, size int64) error {
	for {
		err := syscall.Fallocate(int(f.Fd()), 0, 0, size)
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if errors.Is(err, syscall.EOPNOTSUPP) || errors.Is(err, syscall.ENOSYS) {
			return writeZeros(f, size)
		}
		return err
	}
}
