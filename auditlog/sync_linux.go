package auditlog

import (
	"os"
	"syscall"
)

// datasync flushes f's data and size (fdatasync): what an append needs to be durable.
func datasync(f *os.File) error {
	for {
		err := syscall.Fdatasync(int(f.Fd()))
		if err != syscall.EINTR {
			return err
		}
	}
}
