package vault

import (
	"errors"
	"syscall"
)

// isNoSpace reports whether err means the disk (or the file-size limit) is full.
func isNoSpace(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EFBIG) || errors.Is(err, syscall.EDQUOT)
}
