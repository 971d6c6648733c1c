package vault

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"custodian"
)

// SegmentWriter writes one segment: its footage is encrypted as it is written and the
// segment becomes part of the catalog only when Commit returns. A writer that is abandoned
// (Abort, or a crash) leaves nothing behind once recovery has run.
type SegmentWriter struct {
	v    *Vault
	seg  custodian.Segment
	f    *os.File
	cw   *chunkWriter
	done bool
}

// Create starts a segment of camera beginning at start, encrypted under the camera's key of
// that day. class and ret are the camera's retention class and period, from the registry:
// footage already past its retention date is refused.
func (v *Vault) Create(ctx context.Context, camera string, start time.Time, class string, ret custodian.Retention) (*SegmentWriter, error) {
	if !custodian.ValidID(camera) {
		return nil, custodian.Errorf(custodian.EINVALID, "카메라 ID %q가 올바르지 않습니다", "bad camera ID %q", camera)
	}
	if ret.IsZero() {
		return nil, custodian.Errorf(custodian.EINVALID, "카메라 %s의 보관기간이 정해지지 않았습니다", "camera %s has no retention period", camera)
	}
	day := custodian.DateOf(start)
	if exp := ret.Expires(day); !exp.After(v.now()) {
		return nil, custodian.Errorf(custodian.EINVALID,
			"%[1]s에 촬영된 영상은 보관기간이 %[2]s에 끝났으므로 저장할 수 없습니다",
			"footage filmed on %[1]s cannot be stored: its retention period ended at %[2]s", day, exp.In(custodian.KST).Format(time.RFC3339))
	}
	key, err := v.periodKey(ctx, camera, day, ret)
	if err != nil {
		return nil, v.diskError(err)
	}
	dataKey, err := v.unwrap(ctx, key)
	if errors.Is(err, errDamagedKey) && key.Kind == custodian.KeyPeriod {
		key, dataKey, err = v.replaceDamaged(ctx, key, camera, day, ret)
	}
	if err != nil {
		return nil, err
	}
	id, idb := segmentID(camera, start)
	keyID, err := parseID(key.ID)
	if err != nil {
		return nil, err
	}
	dir := keyDir(key)
	seg := custodian.Segment{ID: id, Camera: camera, Start: start, End: start, KeyID: key.ID, Path: dir + "/" + id + ".seg",
		Created: v.now(), State: custodian.SegmentWriting, RetentionClass: class}
	// 1. The intent.
	if err := v.cat.BeginSegment(ctx, &seg); err != nil {
		return nil, v.diskError(err)
	}
	w := &SegmentWriter{v: v, seg: seg}
	// 2. The file.
	if err := v.mkdirs(dir); err != nil {
		w.abort(ctx, err)
		return nil, v.diskError(err)
	}
	f, err := os.OpenFile(v.path(seg.Path), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		w.abort(ctx, err)
		return nil, v.diskError(err)
	}
	w.f = f
	h := &header{chunkSize: ChunkSize, segmentID: idb, keyID: keyID}
	s, err := newSealer(dataKey, h, camera)
	if err != nil {
		w.abort(ctx, err)
		return nil, err
	}
	if w.cw, err = newChunkWriter(f, s, h); err != nil {
		w.abort(ctx, err)
		return nil, v.diskError(err)
	}
	return w, nil
}

// ID returns the segment's ID.
func (w *SegmentWriter) ID() string { return w.seg.ID }

// Write encrypts and writes footage.
func (w *SegmentWriter) Write(p []byte) (int, error) {
	if w.done {
		return 0, errors.New("vault: write to a finished segment")
	}
	n, err := w.cw.Write(p)
	if err != nil {
		return n, w.v.diskError(err)
	}
	return n, nil
}

// Size returns the footage bytes written so far.
func (w *SegmentWriter) Size() int64 { return w.cw.plain }

// Commit finishes the segment, which ends at end: the final chunk is sealed, the file and
// its directory are fsynced, the creation is logged, and the catalog row is completed. On
// any error the segment is removed and nothing of it remains.
func (w *SegmentWriter) Commit(ctx context.Context, end time.Time) (*custodian.Segment, error) {
	if w.done {
		return nil, errors.New("vault: segment already finished")
	}
	if end.Before(w.seg.Start) {
		err := custodian.Errorf(custodian.EINVALID, "세그먼트의 끝 %s가 시작 %s보다 앞섭니다", "the segment's end %s is before its start %s", end, w.seg.Start)
		w.abort(ctx, err)
		return nil, err
	}
	if end.Sub(w.seg.Start) > custodian.MaxSegmentDuration {
		err := custodian.Errorf(custodian.EINVALID, "세그먼트는 %v보다 길 수 없습니다 (%v)", "a segment cannot be longer than %v (%v)", custodian.MaxSegmentDuration, end.Sub(w.seg.Start))
		w.abort(ctx, err)
		return nil, err
	}
	if err := w.cw.close(); err != nil {
		w.abort(ctx, err)
		return nil, w.v.diskError(err)
	}
	// 3. Durable file, durable directory entry.
	if err := w.f.Sync(); err != nil {
		w.abort(ctx, err)
		return nil, w.v.diskError(err)
	}
	if err := w.f.Close(); err != nil {
		w.f = nil
		w.abort(ctx, err)
		return nil, w.v.diskError(err)
	}
	w.f = nil
	if err := syncDir(filepath.Dir(w.v.path(w.seg.Path))); err != nil {
		w.abort(ctx, err)
		return nil, w.v.diskError(err)
	}
	w.seg.End = end
	w.seg.PlainSize = w.cw.plain
	w.seg.StoredSize = w.cw.stored
	w.seg.SHA256 = w.cw.hash.Sum(nil)
	// 4. The creation record, durable before the segment counts.
	if err := w.v.record(ctx, Event{Action: ActionSegmentCreate, Camera: w.seg.Camera, From: w.seg.Start, To: w.seg.End, Object: w.seg.ID,
		Detail: fmt.Sprintf("sha256=%s size=%d stored=%d key=%s", hex.EncodeToString(w.seg.SHA256), w.seg.PlainSize, w.seg.StoredSize, w.seg.KeyID)}); err != nil {
		w.abort(ctx, err)
		return nil, err
	}
	// 5. The catalog.
	if err := w.v.cat.CommitSegment(ctx, &w.seg); err != nil {
		w.abort(ctx, err)
		return nil, w.v.diskError(err)
	}
	w.done = true
	seg := w.seg
	return &seg, nil
}

// Abort abandons the segment: its file and row are removed and the discard is logged.
func (w *SegmentWriter) Abort(ctx context.Context) error {
	if w.done {
		return nil
	}
	return w.abort(ctx, errors.New("aborted by the writer"))
}

func (w *SegmentWriter) abort(ctx context.Context, cause error) error {
	w.done = true
	if w.cw != nil {
		w.cw.stop()
	}
	if w.f != nil {
		w.f.Close()
		w.f = nil
	}
	// The context may be what failed; clean up regardless.
	ctx = context.WithoutCancel(ctx)
	var errs []error
	if err := w.v.remove(w.seg.Path); err != nil {
		errs = append(errs, err)
	}
	if err := w.v.cat.AbortSegment(ctx, w.seg.ID); err != nil {
		errs = append(errs, err)
	}
	if err := w.v.record(ctx, Event{Action: ActionSegmentDiscard, Camera: w.seg.Camera, From: w.seg.Start, Object: w.seg.ID, Result: "error",
		Detail: "not stored: " + cause.Error()}); err != nil {
		errs = append(errs, err)
	}
	// What could not be cleaned now, recovery cleans at the next open.
	return errors.Join(errs...)
}

// diskError turns a full disk into a clear error.
func (v *Vault) diskError(err error) error {
	if isNoSpace(err) {
		return custodian.Errorf(custodian.EINTERNAL,
			"저장 공간이 부족하여 영상을 저장하지 못했습니다 (%[1]s): 공간을 확보하면 다시 저장됩니다. 보존 중인 영상은 삭제하지 않습니다 (%[2]v)",
			"the disk is full and the footage was not stored (%[1]s); writing resumes when space returns; held footage is never deleted to make room (%[2]v)", v.dir, err)
	}
	return err
}
