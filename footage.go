package custodian

import (
	"context"
	"time"
)

// Segment is a stored piece of one camera's footage: a fragmented-MP4 file covering a
// keyframe-aligned span [Start, End), encrypted under one data key. Its SHA-256 and creation
// time are recorded when it is written (the anti-forgery record the seeds promise).
type Segment struct {
	ID     string    `json:"id"`
	Camera string    `json:"camera"`
	Start  time.Time `json:"start"`
	End    time.Time `json:"end"`
	KeyID  string    `json:"key_id"`
	// Path is relative to the vault directory.
	Path string `json:"path"`
	// PlainSize is the footage's size; StoredSize the encrypted file's.
	PlainSize  int64     `json:"plain_size"`
	StoredSize int64     `json:"stored_size"`
	SHA256     []byte    `json:"sha256"`
	Created    time.Time `json:"created"`
	// State is "writing" while the file is being written, "ok" once it is complete.
	State string `json:"state"`
	// RetentionClass is the camera's retention class when the segment was recorded.
	RetentionClass string `json:"retention_class"`
}

// MaxSegmentDuration bounds a segment's length; the catalog's overlap queries rely on it.
const MaxSegmentDuration = 15 * time.Minute

// Segment states.
const (
	SegmentWriting = "writing"
	SegmentOK      = "ok"
)

// Duration returns End − Start.
func (s *Segment) Duration() time.Duration { return s.End.Sub(s.Start) }

// DataKey is a footage data key as the catalog keeps it: only wrapped by the master key, and
// gone (Wrapped nil, Destroyed set) once destroyed. A period key belongs to one camera and one
// KST day; a hold key to one legal hold.
type DataKey struct {
	ID          string    `json:"id"`
	Kind        string    `json:"kind"`
	Camera      string    `json:"camera"`
	Period      Date      `json:"period,omitzero"`
	HoldID      int64     `json:"hold_id,omitempty"`
	Expires     time.Time `json:"expires,omitzero"`
	Wrapped     []byte    `json:"-"`
	MasterKeyID string    `json:"master_key_id"`
	Created     time.Time `json:"created"`
	Destroyed   time.Time `json:"destroyed,omitzero"`
	// Damaged is when the key's wrapped bytes were found not to authenticate under the
	// master key: the footage under it cannot be read, and a new key took its place.
	Damaged time.Time `json:"damaged,omitzero"`
	// Retired is when a selective deletion took this period key out of use: a successor
	// (whose Replaces is this key's ID) is its camera's key of the day from then on, and
	// this key is destroyed with the deleted window (docs/design/vault.md).
	Retired  time.Time `json:"retired,omitzero"`
	Replaces string    `json:"replaces,omitempty"`
}

// Data key kinds.
const (
	KeyPeriod = "period"
	KeyHold   = "hold"
)

// Retention is a retention period: days or calendar months.
type Retention struct {
	Days   int
	Months int
}

// RetentionOf returns the retention period of a class.
func RetentionOf(c *RetentionClass) Retention {
	return Retention{Days: c.RetentionDays, Months: c.RetentionMonths}
}

// Expires returns when footage filmed on day d must be destroyed: the start (00:00 KST) of
// the day after the retention period, so that every frame is kept at least the stated period
// and at most one day more.
func (r Retention) Expires(d Date) time.Time {
	t := d.Time().AddDate(0, r.Months, r.Days+1)
	return t
}

// IsZero reports whether no period is set.
func (r Retention) IsZero() bool { return r.Days == 0 && r.Months == 0 }

// Hold is a legal hold (보존 조치): footage of a camera in [From, To) is kept past its retention
// date until the hold is released (by hand, or at Until), while everything else is still
// destroyed on schedule.
type Hold struct {
	ID         int64     `json:"id"`
	Camera     string    `json:"camera"`
	From       time.Time `json:"from"`
	To         time.Time `json:"to"`
	Reason     string    `json:"reason"`
	Until      Date      `json:"until,omitzero"`
	KeyID      string    `json:"key_id"`
	Created    time.Time `json:"created"`
	CreatedBy  string    `json:"created_by"`
	Released   time.Time `json:"released,omitzero"`
	ReleasedBy string    `json:"released_by,omitempty"`
	// Segments is how many segments the hold keeps (filled by listings).
	Segments int `json:"segments"`
}

// Active reports whether the hold is in force.
func (h *Hold) Active() bool { return h.Released.IsZero() }

// Destruction is one entry of the destruction record (파기 기록): when, which camera and
// period, how many segments and bytes, how, and by whom or by the automatic cycle.
type Destruction struct {
	ID       int64     `json:"id"`
	At       time.Time `json:"at"`
	Camera   string    `json:"camera"`
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
	Segments int       `json:"segments"`
	Bytes    int64     `json:"bytes"`
	Method   string    `json:"method"`
	Actor    string    `json:"actor"`
	KeyID    string    `json:"key_id"`
	Reason   string    `json:"reason"`
}

// Deletion is a selective deletion (삭제 on a data subject's request): one camera's footage
// in [From, To) destroyed irrecoverably. It is stored as an intent before anything changes
// and finished (Finished set) once its keys are destroyed; the totals are what was
// destroyed: a segment is destroyed whole, so [SpanFrom, SpanTo) may be wider than asked.
type Deletion struct {
	ID       int64     `json:"id"`
	Camera   string    `json:"camera"`
	From     time.Time `json:"from"`
	To       time.Time `json:"to"`
	Reason   string    `json:"reason"`
	Actor    string    `json:"actor"`
	Created  time.Time `json:"created"`
	Finished time.Time `json:"finished,omitzero"`
	Segments int       `json:"segments"`
	Bytes    int64     `json:"bytes"`
	SpanFrom time.Time `json:"span_from,omitzero"`
	SpanTo   time.Time `json:"span_to,omitzero"`
	// Keys are the IDs of the data keys destroyed, comma-separated.
	Keys string `json:"keys"`
}

// Garbage is a file or directory to remove, with the destruction record to write once it is
// gone (Record is nil when there is none, e.g. the old file of a re-encrypted segment).
type Garbage struct {
	Path   string       `json:"path"`
	Record *Destruction `json:"record,omitempty"`
}

// StorageRow is the footage stored for one camera.
type StorageRow struct {
	Camera         string    `json:"camera"`
	RetentionClass string    `json:"retention_class"`
	Segments       int       `json:"segments"`
	Bytes          int64     `json:"bytes"`
	First          time.Time `json:"first,omitzero"`
	Last           time.Time `json:"last,omitzero"`
}

// VaultCatalog is the catalog of the vault: keys, segments, holds, garbage and the
// destruction record. Each method is one transaction. Implemented by sqlite.DB.
type VaultCatalog interface {
	// MasterKeyID returns the ID of the master key the data keys are wrapped with; "" when
	// none is recorded yet.
	MasterKeyID(ctx context.Context) (string, error)
	SetMasterKeyID(ctx context.Context, id string) error

	// PeriodKey returns the period key of camera and day; ENOTFOUND if none.
	PeriodKey(ctx context.Context, camera string, day Date) (*DataKey, error)
	// CreateKey stores a new key; ECONFLICT if a period key of that camera and day exists.
	CreateKey(ctx context.Context, k *DataKey) error
	// MarkKeyDamaged marks a key whose wrapped bytes do not authenticate; a damaged period
	// key is no longer returned by PeriodKey.
	MarkKeyDamaged(ctx context.Context, id string, at time.Time) error
	// DamagedKeys lists the damaged keys not yet destroyed.
	DamagedKeys(ctx context.Context) ([]DataKey, error)
	// Key returns a key by ID (destroyed keys too, with Wrapped nil); ENOTFOUND if none.
	Key(ctx context.Context, id string) (*DataKey, error)
	// LiveKeys lists the keys that are not destroyed.
	LiveKeys(ctx context.Context) ([]DataKey, error)
	// RewrapKeys replaces the wrapped form of every live key and the master key ID, in one
	// transaction; rewrap returns the new wrapped key.
	RewrapKeys(ctx context.Context, newMasterID string, rewrap func(*DataKey) ([]byte, error), reseal func(*CameraSecret) ([]byte, error)) error
	// CameraSecret and SetCameraSecret read and store a camera's sealed credentials.
	CameraSecret(ctx context.Context, camera string) (*CameraSecret, error)
	SetCameraSecret(ctx context.Context, c *CameraSecret) error
	// DeleteCameraSecret removes a camera's sealed credentials (no error if there are none).
	DeleteCameraSecret(ctx context.Context, camera string) error
	// ExpiredKeys lists up to limit live period keys that expire at or before t, oldest first.
	ExpiredKeys(ctx context.Context, t time.Time, limit int) ([]DataKey, error)
	// SetExpiry changes the expiry of a live period key (the retention class changed).
	SetExpiry(ctx context.Context, keyID string, t time.Time) error

	// BeginSegment inserts s in state "writing".
	BeginSegment(ctx context.Context, s *Segment) error
	// CommitSegment sets s to "ok" with its end, sizes and hash.
	CommitSegment(ctx context.Context, s *Segment) error
	// AbortSegment deletes a "writing" segment row.
	AbortSegment(ctx context.Context, id string) error
	// WritingSegments lists the segments left in state "writing".
	WritingSegments(ctx context.Context) ([]Segment, error)
	// Segments lists the "ok" segments of camera overlapping [from, to), by start.
	Segments(ctx context.Context, camera string, from, to time.Time) ([]Segment, error)
	// SegmentsOfKey lists the "ok" segments encrypted under a key.
	SegmentsOfKey(ctx context.Context, keyID string) ([]Segment, error)
	// Segment returns one segment; ENOTFOUND if none.
	Segment(ctx context.Context, id string) (*Segment, error)
	// EachSegment calls fn for every "ok" segment, by camera and start.
	EachSegment(ctx context.Context, fn func(Segment) error) error
	// MoveSegment points segment id at a new key and file (removing the file's own garbage
	// entry, its announcement) and puts the old file into the garbage, in one transaction.
	MoveSegment(ctx context.Context, id, keyID, path string, old Garbage) error
	// Storage sums the stored footage per camera.
	Storage(ctx context.Context) ([]StorageRow, error)

	// DestroyKey, in one transaction: removes the wrapped key and marks it destroyed, deletes
	// its segment rows and stores g. It returns the segments and bytes deleted. The removed
	// key's bytes may survive in the write-ahead log until Scrub.
	DestroyKey(ctx context.Context, keyID string, at time.Time, g Garbage) (int, int64, error)
	// Scrub makes sure that nothing deleted survives in the database's files (it
	// checkpoints and truncates the write-ahead log).
	Scrub(ctx context.Context) error
	// PendingGarbage lists the garbage not yet removed.
	PendingGarbage(ctx context.Context) ([]Garbage, error)
	// AddGarbage stores a garbage entry.
	AddGarbage(ctx context.Context, g Garbage) error
	// FinishGarbage writes g's destruction record, if any, and deletes g, in one transaction.
	FinishGarbage(ctx context.Context, g Garbage) (*Destruction, error)
	// Destructions lists the destruction record in [from, to) (zero times: all), oldest first.
	Destructions(ctx context.Context, from, to time.Time) ([]Destruction, error)

	// CreateHold stores h and its key, setting h.ID.
	CreateHold(ctx context.Context, h *Hold, key *DataKey) error
	// Hold returns one hold; ENOTFOUND if none.
	Hold(ctx context.Context, id int64) (*Hold, error)
	// Holds lists holds, active ones only unless all is set.
	Holds(ctx context.Context, all bool) ([]Hold, error)
	// ActiveHolds lists the active holds of a camera overlapping [from, to).
	ActiveHolds(ctx context.Context, camera string, from, to time.Time) ([]Hold, error)
	// ReleaseHold marks a hold released.
	ReleaseHold(ctx context.Context, id int64, at time.Time, by string) error

	// RotateKey retires the live period key oldID and stores next (a period key of the same
	// camera and day, Replaces = oldID) as the camera's key of that day, in one transaction.
	// If oldID is already retired it stores nothing and returns the day's current key (next
	// only if there is none). ENOTFOUND if oldID is not a live period key.
	RotateKey(ctx context.Context, oldID string, at time.Time, next *DataKey) (*DataKey, error)
	// DestroyRetiredKey, in one transaction: refuses (ECONFLICT) while a segment is being
	// written under the retired key keyID; removes the wrapped key and marks it destroyed,
	// deletes its segment rows, stores a garbage entry for each of their files (the last
	// carrying rec, with its counts and the span of the segments set) and adds the counts
	// to deletion deletionID. It returns the garbage to finish (none when the key had no
	// segments). ENOTFOUND if keyID is not a live retired key.
	DestroyRetiredKey(ctx context.Context, keyID string, deletionID int64, at time.Time, rec *Destruction) ([]Garbage, error)
	// BeginDeletion stores a deletion intent, setting d.ID.
	BeginDeletion(ctx context.Context, d *Deletion) error
	// Deletion returns one deletion; ENOTFOUND if none.
	Deletion(ctx context.Context, id int64) (*Deletion, error)
	// PendingDeletions lists the deletions not finished, oldest first.
	PendingDeletions(ctx context.Context) ([]Deletion, error)
	// FinishDeletion marks a deletion finished (no error if it already is).
	FinishDeletion(ctx context.Context, id int64, at time.Time) error
}

// CameraSecret is the password of a camera's source, sealed under the master key
// (vault.SealSecret), with the user it belongs to.
type CameraSecret struct {
	Camera string
	User   string
	// Host is the origin (SourceOrigin: scheme://host:port) the password was stored for
	// and may be sent to; "" for one stored before passwords were bound to a host, which
	// is not sent anywhere.
	Host        string
	Sealed      []byte
	MasterKeyID string
	Updated     time.Time
}
