package vault

import (
	"os"
	"syscall"
)

// startWriteback asks the kernel to start writing [off, off+n) of f to disk now, without
// waiting, so that the disk works while the next chunks are encrypted and the final fsync
// has little left to do. It is only a hint: errors are ignored (fsync reports real ones).
func startWriteback(f *os.File, off, n int64) {
	const syncFileRangeWrite = 2 // SYNC_FILE_RANGE_WRITE
	syscall.SyncFileRange(int(f.Fd()), off, n, syncFileRangeWrite)
}
