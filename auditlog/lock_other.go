//go:build !unix

package auditlog

import (
	"errors"
	"os"
)

func flock(f *os.File, exclusive bool) error {
	return errors.New("auditlog: file locking is not supported on this system")
}

func funlock(f *os.File) error { return nil }
