package vault

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"custodian"
	"custodian/datadir"
)

// Who may run recovery (docs/design/vault.md, "Recovery and the open lock").
//
// Recovery removes the segments left "writing" and finishes pending garbage. It is right
// only when no live process is writing: a segment a running server is writing is also
// "writing". So every process that has the vault open holds the open lock (VaultLockFile in
// the data directory) shared for as long as it has it open, and recovery runs only in a
// process that got it exclusive, that is, when no other process has the vault open. A
// command run beside `custodian serve` opens the vault without recovery and touches no
// in-flight work.

// openWait bounds how long Open waits for another process's recovery to finish.
const openWait = 2 * time.Minute

// lockOpen takes the open lock: exclusive when no other process has the vault open (owner
// is then true, and the caller runs recovery and then calls share), else shared.
func (v *Vault) lockOpen(ctx context.Context) (owner bool, err error) {
	path := v.data.File(datadir.VaultLockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return false, fmt.Errorf("vault: open lock %s: %w", path, err)
	}
	ok, err := datadir.TryLock(f, true)
	if err != nil {
		f.Close()
		return false, fmt.Errorf("vault: open lock %s: %w", path, err)
	}
	if ok {
		v.lock = f
		return true, nil
	}
	// Another process has the vault open (shared), or is recovering it (exclusive): share,
	// waiting for a recovery to end.
	deadline := time.Now().Add(openWait)
	for {
		ok, err := datadir.TryLock(f, false)
		if err != nil {
			f.Close()
			return false, fmt.Errorf("vault: open lock %s: %w", path, err)
		}
		if ok {
			v.lock = f
			return false, nil
		}
		if time.Now().After(deadline) {
			f.Close()
			return false, custodian.Errorf(custodian.ECONFLICT,
				"다른 프로세스가 %[1]s 동안 영상 보관소를 복구하고 있어 열 수 없습니다 (잠금 파일 %[2]s)",
				"another process has been recovering the vault for %[1]s; cannot open it (lock file %[2]s)", openWait, path)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return false, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// share turns the exclusive open lock into a shared one, once recovery is done.
func (v *Vault) share() error {
	if ok, err := datadir.TryLock(v.lock, false); err != nil || !ok {
		return fmt.Errorf("vault: cannot share the open lock: %w", err)
	}
	return nil
}

// Recovered reports whether this Open ran recovery (no other process had the vault open).
func (v *Vault) Recovered() bool { return v.recovered }

// Close releases the vault: its open lock.
func (v *Vault) Close() error {
	v.mu.Lock()
	f := v.lock
	v.lock = nil
	v.mu.Unlock()
	if f == nil {
		return nil
	}
	datadir.Unlock(f)
	return f.Close()
}

// The reserve (docs/design/vault.md, "A full disk"). Destroying footage and releasing holds
// must work when the disk is full: both write the catalog, the access log and (for a
// release) a re-encrypted copy of each segment before the old one goes. So the vault keeps
// Options.Reserve bytes of disk in ReserveFile, and gives them up when one of those
// operations fails for lack of space, then tries once more; the reserve is made again when
// space allows.

// DefaultReserve is the disk space kept for destruction and release: room for the catalog's
// and the log's writes and for the largest segments (a minute at 8 Mbit/s is 60 MB).
const DefaultReserve = 128 << 20

func (v *Vault) reservePath() string { return v.data.File(datadir.ReserveFile) }

// ensureReserve makes the reserve file, if it is missing or short and space allows. A
// reserve that cannot be made (the disk is full) is left for later.
func (v *Vault) ensureReserve() {
	if v.reserve <= 0 {
		return
	}
	p := v.reservePath()
	if st, err := os.Stat(p); err == nil && st.Size() >= v.reserve {
		return
	}
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		v.log.Warn("vault: cannot make the disk reserve", "path", p, "err", err)
		return
	}
	err = fallocate(f, v.reserve)
	if err == nil {
		err = f.Sync()
	}
	f.Close()
	if err != nil {
		os.Remove(p)
		if !isNoSpace(err) {
			v.log.Warn("vault: cannot make the disk reserve", "path", p, "err", err)
		}
		return
	}
	syncDir(v.data.Path)
}

// releaseReserve gives the reserve's space back to the disk; false if there was none.
func (v *Vault) releaseReserve(what string) bool {
	p := v.reservePath()
	st, err := os.Stat(p)
	if err != nil {
		return false
	}
	if err := os.Remove(p); err != nil {
		return false
	}
	syncDir(v.data.Path)
	v.log.Warn("vault: the disk is full; released the disk reserve to finish "+what, "bytes", st.Size(), "path", p)
	return true
}

// spare runs f; when f fails for lack of disk space, it releases the reserve and runs f
// once more. f must be safe to run again after a failure (every destruction and release
// step is idempotent: docs/design/vault.md).
func (v *Vault) spare(what string, f func() error) error {
	err := f()
	if err == nil || !isNoSpace(err) {
		return err
	}
	if !v.releaseReserve(what) {
		return err
	}
	return f()
}

func writeZeros(f *os.File, size int64) error {
	buf := make([]byte, 1<<20)
	for size > 0 {
		n := int64(len(buf))
		if size < n {
			n = size
		}
		if _, err := f.Write(buf[:n]); err != nil {
			return err
		}
		size -= n
	}
	return nil
}

// Damaged keys. A period key whose wrapped bytes no longer authenticate (a flipped bit in
// the database) cannot be unwrapped; recording must not stop for the rest of its day. The
// key is marked damaged and reported (access log, error log, `custodian verify`), and a new
// period key takes its place for the rest of the period; the footage under the damaged key
// stays unreadable unless the database is restored from a backup.

// errDamagedKey marks an unwrap that failed authentication under the right master key.
var errDamagedKey = errors.New("vault: wrapped key does not authenticate")

// damagedKeyError is the error of such an unwrap: the domain error, which is also
// errDamagedKey.
type damagedKeyError struct{ err *custodian.Error }

func (e damagedKeyError) Error() string        { return e.err.Error() }
func (e damagedKeyError) Unwrap() error        { return e.err }
func (e damagedKeyError) Is(target error) bool { return target == errDamagedKey }

// ActionKeyDamaged is the access-log action for a damaged key found.
const ActionKeyDamaged = "keys.damaged"

// replaceDamaged marks k damaged, reports it and returns the camera's new period key of day
// with its unwrapped form.
func (v *Vault) replaceDamaged(ctx context.Context, k *custodian.DataKey, camera string, day custodian.Date, ret custodian.Retention) (*custodian.DataKey, []byte, error) {
	if err := v.cat.MarkKeyDamaged(ctx, k.ID, v.now()); err != nil {
		return nil, nil, err
	}
	v.log.Error("vault: a data key is damaged: its footage cannot be read; recording goes on under a new key (restore the database from a backup to read it)",
		"key", k.ID, "camera", camera, "period", day.String())
	if err := v.record(ctx, Event{Action: ActionKeyDamaged, Camera: camera, From: day.Time(), To: day.AddDays(1).Time(), Object: k.ID, Result: "error",
		Detail: "wrapped key does not authenticate under the master key; footage under it is unreadable; a new key continues the period"}); err != nil {
		return nil, nil, err
	}
	nk, err := v.periodKey(ctx, camera, day, ret)
	if err != nil {
		return nil, nil, err
	}
	raw, err := v.unwrap(ctx, nk)
	if err != nil {
		return nil, nil, err
	}
	return nk, raw, nil
}
