//go:build !linux

package auditlog

import "os"

func datasync(f *os.File) error { return f.Sync() }
