package datadir

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"custodian"
)

// WriterLockFile is the lock that the one process writing the data directory (`custodian
// serve`) holds for as long as it runs. VaultLockFile is the vault's open lock (package
// vault): every process with the vault open holds it shared, and recovery runs only under
// it exclusive. ReserveFile is the space the vault keeps free so that destruction and
// release work on a full disk.
const (
	WriterLockFile = "serve.lock"
	VaultLockFile  = "vault.lock"
	ReserveFile    = "reserve.space"
)

// WriterLock is the held single-writer lock of a data directory.
type WriterLock struct {
	f *os.File
}

// LockWriter takes the data directory's single-writer lock for what (e.g. "custodian
// serve"), writing this process's PID and start time into the lock file. It refuses with
// ECONFLICT, naming the PID that holds it, when another process has it: two servers on one
// data directory would record every camera twice and discard each other's segments.
// The lock is released by Release or when the process ends, however it ends.
func (d *Dir) LockWriter(what string, now time.Time) (*WriterLock, error) {
	path := d.File(WriterLockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, custodian.Errorf(custodian.EINTERNAL, "잠금 파일 %s를 열 수 없습니다: %w", "cannot open the lock file %s: %w", path, err)
	}
	ok, err := TryLock(f, true)
	if err != nil {
		f.Close()
		return nil, custodian.Errorf(custodian.EINTERNAL, "잠금 파일 %s를 잠글 수 없습니다: %w", "cannot lock %s: %w", path, err)
	}
	if !ok {
		ko, en := readHolder(path)
		f.Close()
		return nil, &custodian.Error{Code: custodian.ECONFLICT,
			Ko: fmt.Sprintf("다른 프로세스(%s)가 이미 데이터 디렉터리 %s에 녹화·기록하고 있습니다. 한 데이터 디렉터리에는 custodian serve 하나만 실행할 수 있습니다; 먼저 그 프로세스를 멈추십시오 (잠금 파일: %s)", ko, d.Path, path),
			En: fmt.Sprintf("another process (%s) is already writing to the data directory %s; only one custodian serve may run per data directory: stop that one first (lock file: %s)", en, d.Path, path)}
	}
	info := fmt.Sprintf("pid %d\nstarted %s\ncommand %s\n", os.Getpid(), now.Format(time.RFC3339), what)
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(info), 0)
		f.Sync()
	}
	return &WriterLock{f: f}, nil
}

// readHolder describes the process named in a lock file, in Korean and English: "PID 1234,
// custodian serve, 2026-12-03 10:00:00부터", or "PID unknown" while the holder has not
// written it yet.
func readHolder(path string) (ko, en string) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "PID 알 수 없음", "PID unknown"
	}
	var pid, command string
	var started time.Time
	for _, l := range strings.Split(string(b), "\n") {
		k, v, _ := strings.Cut(l, " ")
		switch k {
		case "pid":
			if _, err := strconv.Atoi(v); err == nil {
				pid = v
			}
		case "started":
			started, _ = time.Parse(time.RFC3339, v)
		case "command":
			command = v
		}
	}
	if pid == "" {
		return "PID 알 수 없음", "PID unknown"
	}
	ko, en = "PID "+pid, "PID "+pid
	if command != "" {
		ko, en = ko+", "+command, en+", "+command
	}
	if !started.IsZero() {
		at := started.In(custodian.KST).Format("2006-01-02 15:04:05")
		ko, en = ko+", "+at+"부터", en+", since "+at+" KST"
	}
	return ko, en
}

// Release gives the lock up.
func (l *WriterLock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	Unlock(l.f)
	err := l.f.Close()
	l.f = nil
	return err
}
