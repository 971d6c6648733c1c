package vault

import (
	"errors"
	"strings"
	"syscall"
)

// isNoSpace reports whether err means the disk (or the file-size limit) is full, for the
// vault's files or for the catalog ("database or disk is full", SQLITE_FULL).
func isNoSpace(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EFBIG) || errors.Is(err, syscall.EDQUOT) ||
		(err != nil && strings.Contains(err.Error(), "database or disk is full"))
}
