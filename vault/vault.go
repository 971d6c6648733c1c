// Package vault keeps recorded footage: encrypted, crash-safe segment files under data keys
// wrapped by the master key, retention by destroying keys, legal holds, and verification.
// The design, with the write and delete order and the invariants that hold after a crash,
// is docs/design/vault.md; the catalog is a custodian.VaultCatalog (package sqlite).
package vault

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"custodian"
	"custodian/datadir"
)

// Event is what the vault records in the access log. The CLI and the server adapt it to
// the access log's own type.
type Event struct {
	Action  string
	Camera  string
	From    time.Time
	To      time.Time
	Object  string
	Purpose string
	Result  string
	Detail  string
}

// Auditor records events durably in the access log; it must not return before the event is
// on disk.
type Auditor interface {
	Record(ctx context.Context, e Event) error
}

// Access-log actions of the vault (the same names as package auditlog's).
const (
	ActionSegmentCreate    = "segment.create"
	ActionSegmentDiscard   = "segment.discard"
	ActionSegmentMove      = "segment.move"
	ActionRetentionDestroy = "retention.destroy"
	ActionHoldAdd          = "hold.add"
	ActionHoldRelease      = "hold.release"
	ActionKeyRotate        = "keys.rotate"
	ActionExport           = "footage.export"
	ActionVerify           = "vault.verify"
	ActionDelete           = "footage.delete"
)

// Options configure a vault.
type Options struct {
	// Data is the data directory; the vault lives in Data/vault and its master key in
	// Data/keys.
	Data    *datadir.Dir
	Catalog custodian.VaultCatalog
	Audit   Auditor
	// Actor names who acts, for the destruction record: "cli:<user>", "system".
	Actor string
	// Now returns the current time (tests move it).
	Now    func() time.Time
	Logger *slog.Logger
	// Reserve is the disk space kept free for destruction and release on a full disk
	// (datadir.ReserveFile); 0 means DefaultReserve, a negative value none.
	Reserve int64
}

// Vault is an open vault.
type Vault struct {
	dir   string
	data  *datadir.Dir
	cat   custodian.VaultCatalog
	audit Auditor
	actor string
	now   func() time.Time
	log   *slog.Logger

	mu       sync.Mutex // guards master and lock
	master   []byte
	masterID string

	lock      *os.File // the open lock, held shared while the vault is open
	recovered bool     // this Open ran recovery
	reserve   int64
}

// Dir is the name of the vault directory inside the data directory.
const Dir = "vault"

// Open opens the vault. It takes the vault's open lock; when no other process has the vault
// open, it finishes an interrupted key rotation, checks that the master key is the one the
// data keys are wrapped with (refusing, and changing nothing, if not), and runs recovery
// (docs/design/vault.md, "Recovery"). Beside another process (a running `custodian serve`)
// it only checks the master key: in-flight segments belong to their writer. Close releases
// the lock.
func Open(ctx context.Context, opt Options) (*Vault, error) {
	if opt.Data == nil || opt.Catalog == nil || opt.Audit == nil {
		return nil, errors.New("vault: Data, Catalog and Audit are required")
	}
	v := &Vault{dir: opt.Data.File(Dir), data: opt.Data, cat: opt.Catalog, audit: opt.Audit, actor: opt.Actor, now: opt.Now, log: opt.Logger, reserve: opt.Reserve}
	if v.now == nil {
		v.now = time.Now
	}
	if v.log == nil {
		v.log = slog.Default()
	}
	if v.actor == "" {
		v.actor = "system"
	}
	if v.reserve == 0 {
		v.reserve = DefaultReserve
	}
	if err := os.MkdirAll(v.dir, 0o700); err != nil {
		return nil, err
	}
	owner, err := v.lockOpen(ctx)
	if err != nil {
		return nil, err
	}
	if err := v.open(ctx, owner); err != nil {
		v.Close()
		return nil, err
	}
	return v, nil
}

func (v *Vault) open(ctx context.Context, owner bool) error {
	if !owner {
		return v.loadMaster(ctx)
	}
	if err := v.finishRotation(ctx); err != nil {
		return err
	}
	if err := v.loadMaster(ctx); err != nil {
		return err
	}
	err := v.spare("recovery", func() error { return v.recover(ctx) })
	switch {
	case err != nil && isNoSpace(err):
		// What is left writing stays an intent, invisible to readers, until an open with
		// space finishes recovery; the vault is consistent meanwhile.
		v.log.Error("vault recovery deferred: the disk is full", "err", err)
	case err != nil:
		return fmt.Errorf("vault recovery: %w", err)
	default:
		v.recovered = true
		v.ensureReserve()
	}
	return v.share()
}

// loadMaster reads the master key and checks it against the catalog.
func (v *Vault) loadMaster(ctx context.Context) error {
	key, err := v.data.MasterKey()
	if err != nil {
		return err
	}
	id := datadir.KeyID(key)
	want, err := v.cat.MasterKeyID(ctx)
	if err != nil {
		return err
	}
	switch {
	case want == "":
		if err := v.cat.SetMasterKeyID(ctx, id); err != nil {
			return err
		}
	case want != id:
		return custodian.Errorf(custodian.EINVALID,
			"마스터 키가 일치하지 않습니다: %[1]s의 키 ID는 %[2]s인데 저장된 영상은 키 ID %[3]s로 보호되어 있습니다. 올바른 마스터 키 파일을 복원하십시오 (아무것도 바꾸지 않았습니다)",
			"wrong master key: %[1]s has key ID %[2]s but the footage is protected by key ID %[3]s; restore the right master key file (nothing was changed)",
			v.data.File(datadir.MasterKeyFile), id, want)
	}
	v.mu.Lock()
	v.master, v.masterID = key, id
	v.mu.Unlock()
	return nil
}

// path returns the absolute path of a vault-relative path.
func (v *Vault) path(rel string) string { return filepath.Join(v.dir, filepath.FromSlash(rel)) }

func newID() (string, [idSize]byte) {
	var b [idSize]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b[:]), b
}

// segmentID makes a segment ID: 4 bytes of SHA-256 of the camera, 6 bytes of the start time
// in milliseconds, 6 random bytes. The catalog is clustered by ID, so one camera's segments
// lie in time order together, and so do one key's (docs/SCHEMA.md).
func segmentID(camera string, start time.Time) (string, [idSize]byte) {
	var b [idSize]byte
	h := sha256.Sum256([]byte(camera))
	copy(b[:4], h[:4])
	ms := uint64(max(start.UnixMilli(), 0))
	for i := 0; i < 6; i++ {
		b[4+i] = byte(ms >> (8 * (5 - i)))
	}
	if _, err := rand.Read(b[10:]); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b[:]), b
}

func parseID(s string) ([idSize]byte, error) {
	var b [idSize]byte
	d, err := hex.DecodeString(s)
	if err != nil || len(d) != idSize {
		return b, fmt.Errorf("bad ID %q", s)
	}
	copy(b[:], d)
	return b, nil
}

// keyDir returns the vault-relative directory of a data key.
func keyDir(k *custodian.DataKey) string {
	if k.Kind == custodian.KeyHold {
		return fmt.Sprintf("%s/h-%d", k.Camera, k.HoldID)
	}
	if k.Replaces != "" {
		// A successor of a key retired by a selective deletion: its own directory, so
		// that the retired key's files can be destroyed without touching its own.
		return fmt.Sprintf("%s/d-%04d%02d%02d-%s", k.Camera, k.Period.Year, int(k.Period.Month), k.Period.Day, k.ID)
	}
	return fmt.Sprintf("%s/d-%04d%02d%02d", k.Camera, k.Period.Year, int(k.Period.Month), k.Period.Day)
}

func wrapAD(k *custodian.DataKey) []byte {
	return []byte("custodian-data-key-v1\x00" + k.Kind + "\x00" + k.ID + "\x00" + k.Camera + "\x00" + k.Period.String())
}

func (v *Vault) masterAEAD() (cipher.AEAD, string, error) {
	v.mu.Lock()
	key, id := v.master, v.masterID
	v.mu.Unlock()
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, "", err
	}
	a, err := cipher.NewGCM(b)
	return a, id, err
}

// wrap seals a fresh data key under the master key and sets k.Wrapped and k.MasterKeyID.
func (v *Vault) wrap(k *custodian.DataKey, key []byte) error {
	a, id, err := v.masterAEAD()
	if err != nil {
		return err
	}
	if k.Wrapped, err = seal(a, key, wrapAD(k)); err != nil {
		return err
	}
	k.MasterKeyID = id
	return nil
}

// seal encrypts plaintext with a (the master key's AEAD) under a fresh random nonce and
// returns nonce ‖ ciphertext: the form of wrapped keys and sealed camera passwords.
func seal(a cipher.AEAD, plaintext, ad []byte) ([]byte, error) {
	nonce := make([]byte, a.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return a.Seal(nonce, nonce, plaintext, ad), nil
}

// unwrap opens a data key. A key that is destroyed cannot be opened. If the master key was
// rotated by another process, the new key is loaded from disk and used.
func (v *Vault) unwrap(ctx context.Context, k *custodian.DataKey) ([]byte, error) {
	if k.Wrapped == nil || !k.Destroyed.IsZero() {
		return nil, custodian.Errorf(custodian.ENOTFOUND, "키 %s는 파기되었습니다", "key %s has been destroyed", k.ID)
	}
	v.mu.Lock()
	current := v.masterID
	v.mu.Unlock()
	if k.MasterKeyID != current {
		if err := v.loadMaster(ctx); err != nil {
			return nil, err
		}
	}
	a, _, err := v.masterAEAD()
	if err != nil {
		return nil, err
	}
	if len(k.Wrapped) < a.NonceSize() {
		return nil, fmt.Errorf("vault: wrapped key %s is malformed", k.ID)
	}
	key, err := a.Open(nil, k.Wrapped[:a.NonceSize()], k.Wrapped[a.NonceSize():], wrapAD(k))
	if err != nil {
		return nil, damagedKeyError{custodian.Errorf(custodian.EINVALID, "키 %s를 풀 수 없습니다 (마스터 키가 다르거나 카탈로그가 변경됨)", "cannot unwrap key %s (wrong master key or a changed catalog)", k.ID)}
	}
	return key, nil
}

// newKey makes a data key of the given kind, wrapped.
func (v *Vault) newKey(kind, camera string, period custodian.Date, expires time.Time) (*custodian.DataKey, error) {
	id, _ := newID()
	k := &custodian.DataKey{ID: id, Kind: kind, Camera: camera, Period: period, Expires: expires, Created: v.now()}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return nil, err
	}
	if err := v.wrap(k, raw); err != nil {
		return nil, err
	}
	return k, nil
}

// periodKey returns the live period key of camera and day, creating it if there is none.
func (v *Vault) periodKey(ctx context.Context, camera string, day custodian.Date, ret custodian.Retention) (*custodian.DataKey, error) {
	for attempt := 0; attempt < 3; attempt++ {
		k, err := v.cat.PeriodKey(ctx, camera, day)
		if err == nil {
			if !k.Destroyed.IsZero() {
				return nil, custodian.Errorf(custodian.EINVALID,
					"카메라 %[1]s의 %[2]s 영상은 보관기간이 지나 이미 파기되었습니다; 그날의 영상을 더 저장할 수 없습니다",
					"the footage of camera %[1]s on %[2]s is past its retention period and was destroyed; no more can be stored for that day", camera, day)
			}
			return k, nil
		}
		if custodian.ErrorCode(err) != custodian.ENOTFOUND {
			return nil, err
		}
		k, err = v.newKey(custodian.KeyPeriod, camera, day, ret.Expires(day))
		if err != nil {
			return nil, err
		}
		err = v.cat.CreateKey(ctx, k)
		if err == nil {
			return k, nil
		}
		if custodian.ErrorCode(err) != custodian.ECONFLICT {
			return nil, err
		}
		// Another writer created it first: read theirs.
	}
	return nil, fmt.Errorf("vault: cannot create the key of camera %s on %s", camera, day)
}

func (v *Vault) record(ctx context.Context, e Event) error {
	if e.Result == "" {
		e.Result = "ok"
	}
	return v.audit.Record(ctx, e)
}

// syncDir fsyncs a directory, so that entries created or removed in it are durable.
func syncDir(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// mkdirs creates the directory rel (and its parents) with mode 0700, fsyncing each parent in
// which it created an entry.
func (v *Vault) mkdirs(rel string) error {
	full := v.path(rel)
	if st, err := os.Stat(full); err == nil && st.IsDir() {
		return nil
	}
	parent := filepath.Dir(rel)
	if parent != "." && parent != "/" {
		if err := v.mkdirs(parent); err != nil {
			return err
		}
	}
	if err := os.Mkdir(full, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	return syncDir(filepath.Dir(full))
}

// remove deletes a vault-relative path (file or directory) and fsyncs its parent. A path
// that is already gone is not an error.
func (v *Vault) remove(rel string) error {
	full := v.path(rel)
	if err := os.RemoveAll(full); err != nil {
		return err
	}
	if err := syncDir(filepath.Dir(full)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// recover restores the invariants after a crash: it finishes pending garbage (interrupted
// destructions and moves) and removes segments left being written.
func (v *Vault) recover(ctx context.Context) error {
	garbage, err := v.cat.PendingGarbage(ctx)
	if err != nil {
		return err
	}
	for _, g := range garbage {
		if err := v.finishGarbage(ctx, g); err != nil {
			return err
		}
	}
	writing, err := v.cat.WritingSegments(ctx)
	if err != nil {
		return err
	}
	for _, s := range writing {
		if err := v.remove(s.Path); err != nil {
			return err
		}
		if err := v.cat.AbortSegment(ctx, s.ID); err != nil {
			return err
		}
		if err := v.record(ctx, Event{Action: ActionSegmentDiscard, Camera: s.Camera, From: s.Start, Object: s.ID,
			Detail: "incomplete at a crash; removed by recovery"}); err != nil {
			return err
		}
	}
	// A crash may have come between a destruction and its scrub.
	if err := v.cat.Scrub(ctx); err != nil {
		return err
	}
	if len(garbage)+len(writing) > 0 {
		v.log.Info("vault recovery", "garbage", len(garbage), "incomplete_segments", len(writing))
	}
	return nil
}

// finishGarbage removes g's path, writes its destruction record and logs the destruction.
func (v *Vault) finishGarbage(ctx context.Context, g custodian.Garbage) error {
	if err := v.remove(g.Path); err != nil {
		return err
	}
	rec, err := v.cat.FinishGarbage(ctx, g)
	if err != nil {
		return err
	}
	if rec != nil {
		return v.record(ctx, Event{Action: ActionRetentionDestroy, Camera: rec.Camera, From: rec.From, To: rec.To, Object: rec.KeyID,
			Detail: fmt.Sprintf("segments=%d bytes=%d method=%s actor=%s reason=%s", rec.Segments, rec.Bytes, rec.Method, rec.Actor, rec.Reason)})
	}
	return nil
}
