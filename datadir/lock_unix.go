//go:build unix

package datadir

import (
	"errors"
	"os"
	"syscall"
)

// TryLock takes the advisory lock (flock) on f without waiting, exclusive or shared; false,
// with no error, when another open file holds a conflicting lock. Locks die with their
// process. The vault's open lock uses it too.
func TryLock(f *os.File, exclusive bool) (bool, error) {
	how := syscall.LOCK_SH | syscall.LOCK_NB
	if exclusive {
		how = syscall.LOCK_EX | syscall.LOCK_NB
	}
	for {
		err := syscall.Flock(int(f.Fd()), how)
		switch {
		case err == nil:
			return true, nil
		case errors.Is(err, syscall.EWOULDBLOCK):
			return false, nil
		case errors.Is(err, syscall.EINTR):
			continue
		default:
			return false, err
		}
	}
}

// Unlock gives up f's advisory lock.
func Unlock(f *os.File) { syscall.Flock(int(f.Fd()), syscall.LOCK_UN) }
