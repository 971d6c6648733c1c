package vault

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"custodian"
)

// DeletionMethod is how a selective deletion destroys footage, as the destruction record
// states it.
const DeletionMethod = "선택 삭제: 구간에 걸친 세그먼트를 통째로, 같은 키의 나머지 영상은 새 키로 재암호화한 뒤 이전 데이터 키 파기, 파일 삭제 " +
	"(selective deletion: the segments overlapping the window, whole; the rest of their key's footage re-encrypted under a new key, " +
	"then the old data key destroyed and the files deleted: unrecoverable)"

var (
	// deleteWait bounds how long a deletion waits for a segment being recorded under a key
	// it retired to close (segments are cut about every minute).
	deleteWait = 90 * time.Second
	// deleteFault, set by tests, fails a deletion at a named step, as a crash there would.
	deleteFault func(step string) error
	// deleting serialises the deletions of a process (a request's and retention's).
	deleting sync.Mutex
)

func fault(step string) error {
	if deleteFault != nil {
		return deleteFault(step)
	}
	return nil
}

// DeleteWindow destroys camera's footage in [from, to) irrecoverably (a data subject's
// request to delete, where the organisation allows selective deletion): every segment that
// overlaps the window is destroyed whole, so the span destroyed, which the destruction
// record states, may be wider than the window. The other footage under the same period key
// is re-encrypted under a successor key first, then the old key is destroyed with the
// window's files (docs/design/vault.md, "Selective deletion"). Held footage in the window
// is refused (ECONFLICT naming the hold: release it first), as is a segment still being
// recorded into the window. Each step is safe to run again: an interrupted deletion is
// finished by the next call for the same window, by the next call for any window, or by
// the next retention run. A window with no footage (never recorded, or deleted already) is
// ENOTFOUND. by names who decided the deletion, for the destruction record.
func (v *Vault) DeleteWindow(ctx context.Context, camera string, from, to time.Time, reason, by string) (*custodian.Destruction, error) {
	switch {
	case !custodian.ValidID(camera):
		return nil, custodian.Errorf(custodian.EINVALID, "카메라 ID %q가 올바르지 않습니다", "bad camera ID %q", camera)
	case from.IsZero() || !to.After(from):
		return nil, custodian.Errorf(custodian.EINVALID, "삭제 구간의 끝(%s)이 시작(%s)보다 뒤여야 합니다", "the window's end (%s) must be after its start (%s)", stamp(to), stamp(from))
	case to.After(v.now()):
		return nil, custodian.Errorf(custodian.EINVALID, "삭제 구간의 끝 %s가 아직 오지 않았습니다: 이미 녹화된 구간만 삭제할 수 있습니다", "the window's end %s is in the future: only footage already recorded can be deleted", stamp(to))
	case strings.TrimSpace(reason) == "":
		return nil, custodian.Errorf(custodian.EINVALID, "삭제 사유가 필요합니다", "a reason for the deletion is required")
	case strings.TrimSpace(by) == "":
		return nil, custodian.Errorf(custodian.EINVALID, "삭제를 결정한 사람이 필요합니다", "who decided the deletion is required")
	}
	if err := custodian.CheckText(reason, 1000, true); err != nil {
		return nil, custodian.Errorf(custodian.EINVALID, "삭제 사유: %[1]s", "the deletion's reason: %[2]s", err.Ko, err.En)
	}
	deleting.Lock()
	defer deleting.Unlock()
	// An interrupted deletion of the same window is resumed; others are finished first, so
	// that no retired key outlives the call.
	pending, err := v.cat.PendingDeletions(ctx)
	if err != nil {
		return nil, err
	}
	var d *custodian.Deletion
	for i := range pending {
		p := &pending[i]
		if p.Camera == camera && p.From.Equal(from) && p.To.Equal(to) {
			d = p
			continue
		}
		if _, err := v.finishDeletion(ctx, p); err != nil && custodian.ErrorCode(err) != custodian.ENOTFOUND {
			return nil, err
		}
	}
	if d == nil {
		segs, err := v.cat.Segments(ctx, camera, from, to)
		if err != nil {
			return nil, err
		}
		if len(segs) == 0 {
			return nil, nothingToDelete(camera, from, to)
		}
		// Refused before anything changes.
		if err := v.checkDeletable(ctx, camera, from, to, segs); err != nil {
			return nil, err
		}
		d = &custodian.Deletion{Camera: camera, From: from, To: to, Reason: reason, Actor: by, Created: v.now()}
		if err := v.cat.BeginDeletion(ctx, d); err != nil {
			return nil, err
		}
		if err := fault("begun"); err != nil {
			return nil, err
		}
	}
	var out *custodian.Destruction
	err = v.spare("deletion", func() error {
		var err error
		out, err = v.finishDeletion(ctx, d)
		return err
	})
	if err == nil {
		v.ensureReserve()
	}
	return out, err
}

func nothingToDelete(camera string, from, to time.Time) error {
	return custodian.Errorf(custodian.ENOTFOUND,
		"카메라 %[1]s에 %[2]s부터 %[3]s까지의 영상이 없습니다 (녹화되지 않았거나 이미 삭제됨); 아무것도 바꾸지 않았습니다",
		"camera %[1]s has no footage from %[2]s to %[3]s (never recorded, or deleted already); nothing was changed", camera, stamp(from), stamp(to))
}

// checkDeletable refuses a window with held footage, with footage under a damaged key, or
// with a segment still being recorded into it.
func (v *Vault) checkDeletable(ctx context.Context, camera string, from, to time.Time, segs []custodian.Segment) error {
	writing, err := v.cat.WritingSegments(ctx)
	if err != nil {
		return err
	}
	for _, w := range writing {
		if w.Camera == camera && w.Start.Before(to) {
			return custodian.Errorf(custodian.ECONFLICT,
				"카메라 %[1]s의 세그먼트가 %[2]s부터 녹화 중이며 삭제 구간에 걸칩니다: 세그먼트가 닫힌 뒤(보통 1분 안, 길어야 %[3]v) 다시 시도하십시오; 아무것도 삭제하지 않았습니다",
				"a segment of camera %[1]s is being recorded since %[2]s and reaches into the window: try again once it closes (usually within a minute, at most %[3]v); nothing was deleted",
				camera, stamp(w.Start), custodian.MaxSegmentDuration)
		}
	}
	var held []string
	seen := map[int64]bool{}
	for _, s := range segs {
		holds, err := v.cat.ActiveHolds(ctx, camera, s.Start, s.End)
		if err != nil {
			return err
		}
		k, err := v.cat.Key(ctx, s.KeyID)
		if err != nil {
			return err
		}
		if k.Kind == custodian.KeyHold && !seen[k.HoldID] {
			if h, err := v.cat.Hold(ctx, k.HoldID); err == nil {
				holds = append(holds, *h)
			} else {
				return err
			}
		}
		for _, h := range holds {
			if !seen[h.ID] {
				seen[h.ID] = true
				held = append(held, fmt.Sprintf("%d (%s)", h.ID, custodian.Clip(h.Reason, 80)))
			}
		}
		if !k.Damaged.IsZero() && k.Destroyed.IsZero() {
			return custodian.Errorf(custodian.ECONFLICT,
				"세그먼트 %[1]s의 데이터 키 %[2]s가 손상되어 같은 날의 나머지 영상을 옮길 수 없습니다: 데이터베이스를 백업에서 복원한 뒤 다시 시도하십시오; 아무것도 삭제하지 않았습니다",
				"the data key %[2]s of segment %[1]s is damaged, so the rest of its day cannot be moved: restore the database from a backup and try again; nothing was deleted", s.ID, k.ID)
		}
	}
	if len(held) > 0 {
		return custodian.Errorf(custodian.ECONFLICT,
			"카메라 %[1]s의 삭제 구간 영상에 보존 조치 %[2]s이(가) 걸려 있습니다: 삭제하려면 먼저 보존 조치를 해제하십시오; 아무것도 삭제하지 않았습니다",
			"footage of camera %[1]s in the window is under hold %[2]s: release the hold first to delete it; nothing was deleted", camera, strings.Join(held, ", "))
	}
	return nil
}

// finishDeletion carries a stored deletion out, or on: it is safe to run again after a crash
// at any step. For each period key under which the window's footage lies: the key is
// retired and its successor becomes the camera's key of the day (so new segments use it),
// segments being recorded under the old key are waited for, the rest of its footage is
// moved (re-encrypted) under the holds that cover it or under the successor; then the
// deletion is logged, and each old key is destroyed with the window's segments and files.
func (v *Vault) finishDeletion(ctx context.Context, d *custodian.Deletion) (*custodian.Destruction, error) {
	// A crash after a key's destruction leaves its files in the garbage: finish them.
	if err := v.finishDeletedGarbage(ctx, d); err != nil {
		return nil, err
	}
	for round := 0; ; round++ {
		segs, err := v.cat.Segments(ctx, d.Camera, d.From, d.To)
		if err != nil {
			return nil, err
		}
		if len(segs) == 0 {
			break
		}
		if round == 3 {
			return nil, custodian.Errorf(custodian.ECONFLICT,
				"카메라 %s의 삭제 구간에 영상이 계속 추가됩니다; 다시 시도하십시오", "footage keeps being added to camera %s's window; try again", d.Camera)
		}
		if err := v.checkDeletable(ctx, d.Camera, d.From, d.To, segs); err != nil {
			return nil, err
		}
		var keys []*custodian.DataKey
		for _, s := range segs {
			if slices.ContainsFunc(keys, func(k *custodian.DataKey) bool { return k.ID == s.KeyID }) {
				continue
			}
			k, err := v.cat.Key(ctx, s.KeyID)
			if err != nil {
				return nil, err
			}
			if k.Kind != custodian.KeyPeriod {
				return nil, custodian.Errorf(custodian.ECONFLICT, "세그먼트 %s가 보존 조치의 키 아래에 있습니다", "segment %s is under a hold's key", s.ID)
			}
			keys = append(keys, k)
		}
		for _, k := range keys {
			if err := v.retireKey(ctx, d, k); err != nil {
				return nil, err
			}
		}
		if err := fault("moved"); err != nil {
			return nil, err
		}
		// The deletion is logged before any footage is destroyed: no log, no deletion.
		ids := make([]string, len(keys))
		for i, k := range keys {
			ids[i] = k.ID
		}
		if err := v.record(ctx, Event{Action: ActionDelete, Camera: d.Camera, From: d.From, To: d.To, Object: fmt.Sprintf("deletion-%d", d.ID),
			Purpose: d.Reason, Detail: fmt.Sprintf("by=%s segments=%d keys=%s", d.Actor, len(segs), strings.Join(ids, ","))}); err != nil {
			return nil, err
		}
		if err := fault("logged"); err != nil {
			return nil, err
		}
		for _, k := range keys {
			if err := v.destroyRetired(ctx, d, k); err != nil {
				return nil, err
			}
		}
		// The destroyed keys' bytes leave the database's write-ahead log.
		if err := v.cat.Scrub(ctx); err != nil {
			return nil, err
		}
	}
	if err := v.cat.FinishDeletion(ctx, d.ID, v.now()); err != nil {
		return nil, err
	}
	return v.deletionRecord(ctx, d.ID)
}

// retireKey retires k, waits for the segments being recorded under it, and moves the
// footage under it outside the window away: under the active holds that cover it, else
// under k's successor.
func (v *Vault) retireKey(ctx context.Context, d *custodian.Deletion, k *custodian.DataKey) error {
	next, err := v.newKey(custodian.KeyPeriod, k.Camera, k.Period, k.Expires)
	if err != nil {
		return err
	}
	next.Replaces = k.ID
	succ, err := v.cat.RotateKey(ctx, k.ID, v.now(), next)
	if err != nil {
		return err
	}
	if err := fault("rotated"); err != nil {
		return err
	}
	if err := v.waitWriters(ctx, k); err != nil {
		return err
	}
	if err := v.moveHeldOf(ctx, k); err != nil {
		return err
	}
	segs, err := v.cat.SegmentsOfKey(ctx, k.ID)
	if err != nil {
		return err
	}
	for _, s := range segs {
		if s.Start.Before(d.To) && s.End.After(d.From) {
			continue // in the window: destroyed with k
		}
		if keyDir(succ)+"/"+s.ID+".seg" == s.Path {
			// Never write a segment's new file over its old one.
			return custodian.Errorf(custodian.EINTERNAL, "세그먼트 %s의 새 파일이 옛 파일과 같은 경로입니다 (%s)", "segment %s's new file would replace its old one (%s)", s.ID, s.Path)
		}
		if err := v.moveSegment(ctx, s, succ); err != nil {
			return err
		}
		if err := fault("moved-one"); err != nil {
			return err
		}
	}
	return nil
}

// waitWriters waits (at most deleteWait) until no segment is being recorded under k, which
// is retired: a writer that began under it before its retirement finishes there.
func (v *Vault) waitWriters(ctx context.Context, k *custodian.DataKey) error {
	deadline := time.Now().Add(deleteWait)
	for {
		writing, err := v.cat.WritingSegments(ctx)
		if err != nil {
			return err
		}
		var w *custodian.Segment
		for i := range writing {
			if writing[i].KeyID == k.ID {
				w = &writing[i]
			}
		}
		if w == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return custodian.Errorf(custodian.ECONFLICT,
				"카메라 %[1]s의 세그먼트가 %[2]s부터 그날의 이전 키로 녹화 중입니다: 닫힌 뒤(길어야 %[3]v) 다시 시도하십시오; 아직 아무것도 삭제하지 않았습니다",
				"a segment of camera %[1]s is being recorded under the day's old key since %[2]s: try again once it closes (at most %[3]v); nothing was deleted yet",
				k.Camera, stamp(w.Start), custodian.MaxSegmentDuration)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// destroyRetired destroys the retired key k with the segments left under it (the window's),
// then removes their files and writes the destruction record.
func (v *Vault) destroyRetired(ctx context.Context, d *custodian.Deletion, k *custodian.DataKey) error {
	rec := &custodian.Destruction{At: v.now(), Camera: k.Camera, Method: DeletionMethod, Actor: d.Actor, KeyID: k.ID,
		Reason: fmt.Sprintf("%s (선택 삭제 %d: 요청 구간 %s–%s; selective deletion %d: window asked %s – %s)",
			d.Reason, d.ID, stamp(d.From), stamp(d.To), d.ID, stamp(d.From), stamp(d.To))}
	var garbage []custodian.Garbage
	var err error
	for attempt := 0; ; attempt++ {
		garbage, err = v.cat.DestroyRetiredKey(ctx, k.ID, d.ID, v.now(), rec)
		if custodian.ErrorCode(err) != custodian.ECONFLICT || attempt == 1 {
			break
		}
		// A writer began under k between its retirement and now.
		if err := v.waitWriters(ctx, k); err != nil {
			return err
		}
	}
	if err != nil {
		return err
	}
	if err := fault("destroyed"); err != nil {
		return err
	}
	// From here the window's footage is unreadable; removing the files and writing the
	// record finish the destruction (recovery, or the next run, finishes them after a crash).
	for _, g := range garbage {
		if err := v.finishGarbage(ctx, g); err != nil {
			return err
		}
	}
	v.removeEmptyDir(k)
	return nil
}

// removeEmptyDir removes a destroyed key's directory if nothing is left in it (a key's
// directory may be shared with a damaged key's replacement).
func (v *Vault) removeEmptyDir(k *custodian.DataKey) {
	if err := os.Remove(v.path(keyDir(k))); err == nil {
		syncDir(v.path(k.Camera))
	}
}

// finishDeletedGarbage finishes the garbage that the destruction of d's keys left: files
// under a destroyed key's directory whose segment is gone from the catalog.
func (v *Vault) finishDeletedGarbage(ctx context.Context, d *custodian.Deletion) error {
	cur, err := v.cat.Deletion(ctx, d.ID)
	if err != nil || cur.Keys == "" {
		return err
	}
	var dirs []*custodian.DataKey
	for _, id := range strings.Split(cur.Keys, ",") {
		k, err := v.cat.Key(ctx, id)
		if err != nil {
			return err
		}
		if !k.Destroyed.IsZero() {
			dirs = append(dirs, k)
		}
	}
	garbage, err := v.cat.PendingGarbage(ctx)
	if err != nil {
		return err
	}
	for _, g := range garbage {
		i := slices.IndexFunc(dirs, func(k *custodian.DataKey) bool { return strings.HasPrefix(g.Path, keyDir(k)+"/") })
		if i < 0 {
			continue
		}
		id := strings.TrimSuffix(g.Path[strings.LastIndexByte(g.Path, '/')+1:], ".seg")
		if _, err := v.cat.Segment(ctx, id); custodian.ErrorCode(err) != custodian.ENOTFOUND {
			if err != nil {
				return err
			}
			continue // a file some segment still owns or is being moved to
		}
		if err := v.finishGarbage(ctx, g); err != nil {
			return err
		}
		v.removeEmptyDir(dirs[i])
	}
	return nil
}

// deletionRecord sums the destruction records of a finished deletion.
func (v *Vault) deletionRecord(ctx context.Context, id int64) (*custodian.Destruction, error) {
	d, err := v.cat.Deletion(ctx, id)
	if err != nil {
		return nil, err
	}
	if d.Segments == 0 {
		return nil, nothingToDelete(d.Camera, d.From, d.To)
	}
	out := &custodian.Destruction{At: d.Finished, Camera: d.Camera, From: d.SpanFrom, To: d.SpanTo, Segments: d.Segments, Bytes: d.Bytes,
		Method: DeletionMethod, Actor: d.Actor, KeyID: d.Keys}
	recs, err := v.cat.Destructions(ctx, d.Created, time.Time{})
	if err != nil {
		return nil, err
	}
	keys := strings.Split(d.Keys, ",")
	for _, r := range recs {
		if slices.Contains(keys, r.KeyID) && r.Camera == d.Camera {
			out.ID, out.At, out.Reason = r.ID, r.At, r.Reason
		}
	}
	if out.ID == 0 {
		return nil, errors.New("vault: the destruction record of a finished deletion is missing")
	}
	return out, nil
}

// finishDeletions finishes the deletions a crash interrupted (retention runs it). A
// deletion that cannot go on now (held meanwhile, a segment being recorded) is reported
// and left for the next run.
func (v *Vault) finishDeletions(ctx context.Context) error {
	deleting.Lock()
	defer deleting.Unlock()
	pending, err := v.cat.PendingDeletions(ctx)
	if err != nil {
		return err
	}
	for i := range pending {
		_, err := v.finishDeletion(ctx, &pending[i])
		switch custodian.ErrorCode(err) {
		case "", custodian.ENOTFOUND:
		case custodian.ECONFLICT:
			v.log.Warn("vault: an interrupted deletion cannot be finished now", "deletion", pending[i].ID, "err", err)
		default:
			return err
		}
	}
	return nil
}
