package vault

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"custodian"
)

// AddHold places a legal hold on camera's footage in [from, to): the covered segments are
// re-encrypted under the hold's own key, so they survive the destruction of their period
// keys. until, if set, is the last day of the hold. by names who placed it.
func (v *Vault) AddHold(ctx context.Context, camera string, from, to time.Time, reason string, until custodian.Date, by string) (*custodian.Hold, error) {
	switch {
	case !custodian.ValidID(camera):
		return nil, custodian.Errorf(custodian.EINVALID, "카메라 ID %q가 올바르지 않습니다", "bad camera ID %q", camera)
	case !to.After(from):
		return nil, custodian.Errorf(custodian.EINVALID, "보존 기간의 끝(--to %s)이 시작(--from %s)보다 뒤여야 합니다", "the end (--to %s) must be after the start (--from %s)", to, from)
	case strings.TrimSpace(reason) == "":
		return nil, custodian.Errorf(custodian.EINVALID, "보존 사유(--reason)가 필요합니다", "a reason (--reason) is required")
	case !until.IsZero() && until.Before(custodian.DateOf(v.now())):
		return nil, custodian.Errorf(custodian.EINVALID, "보존 종료일 %s이 이미 지났습니다", "the hold's end date %s has passed", until)
	}
	key, err := v.newKey(custodian.KeyHold, camera, custodian.Date{}, time.Time{})
	if err != nil {
		return nil, err
	}
	h := &custodian.Hold{Camera: camera, From: from, To: to, Reason: reason, Until: until, Created: v.now(), CreatedBy: by}
	if err := v.cat.CreateHold(ctx, h, key); err != nil {
		return nil, err
	}
	if err := v.record(ctx, Event{Action: ActionHoldAdd, Camera: camera, From: from, To: to, Object: fmt.Sprint(h.ID), Purpose: reason,
		Detail: fmt.Sprintf("until=%s by=%s", until, by)}); err != nil {
		return nil, err
	}
	if _, err := v.moveHeld(ctx); err != nil {
		return nil, err
	}
	return v.cat.Hold(ctx, h.ID)
}

// Holds lists holds, active ones only unless all is set.
func (v *Vault) Holds(ctx context.Context, all bool) ([]custodian.Hold, error) {
	return v.cat.Holds(ctx, all)
}

// ReleaseHold releases a hold: each of its segments moves to another active hold that
// covers it, or back under its period key if that is still within its retention period,
// and is destroyed otherwise; then the hold's key is destroyed.
func (v *Vault) ReleaseHold(ctx context.Context, id int64, by string) (*custodian.Destruction, error) {
	h, err := v.cat.Hold(ctx, id)
	if err != nil {
		return nil, err
	}
	if !h.Active() {
		return nil, custodian.Errorf(custodian.ECONFLICT, "보존 조치 %d은(는) 이미 해제되었습니다", "hold %d is already released", id)
	}
	// Each step may use the reserve on a full disk, and each is safe to run again.
	if err := v.spare("hold release", func() error { return v.cat.ReleaseHold(ctx, id, v.now(), by) }); err != nil {
		return nil, err
	}
	if err := v.spare("hold release", func() error {
		return v.record(ctx, Event{Action: ActionHoldRelease, Camera: h.Camera, From: h.From, To: h.To, Object: fmt.Sprint(id), Detail: "by=" + by})
	}); err != nil {
		return nil, err
	}
	var d *custodian.Destruction
	err = v.spare("hold release", func() error {
		var err error
		d, err = v.finishRelease(ctx, h)
		return err
	})
	if err == nil {
		v.ensureReserve()
	}
	return d, err
}

// finishRelease moves a released hold's segments where they belong and destroys its key.
// It is idempotent, so an interrupted release is finished by the next retention run.
func (v *Vault) finishRelease(ctx context.Context, h *custodian.Hold) (*custodian.Destruction, error) {
	key, err := v.cat.Key(ctx, h.KeyID)
	if err != nil {
		return nil, err
	}
	if !key.Destroyed.IsZero() {
		return nil, nil
	}
	segs, err := v.cat.SegmentsOfKey(ctx, key.ID)
	if err != nil {
		return nil, err
	}
	now := v.now()
	for _, s := range segs {
		others, err := v.cat.ActiveHolds(ctx, s.Camera, s.Start, s.End)
		if err != nil {
			return nil, err
		}
		if len(others) > 0 {
			other, err := v.cat.Key(ctx, others[0].KeyID)
			if err != nil {
				return nil, err
			}
			if err := v.moveSegment(ctx, s, other); err != nil {
				return nil, err
			}
			continue
		}
		pk, err := v.cat.PeriodKey(ctx, s.Camera, custodian.DateOf(s.Start))
		if err != nil && custodian.ErrorCode(err) != custodian.ENOTFOUND {
			return nil, err
		}
		if pk != nil && pk.Destroyed.IsZero() && pk.Expires.After(now) {
			if err := v.moveSegment(ctx, s, pk); err != nil {
				return nil, err
			}
		}
		// Otherwise the segment is past its date and goes with the hold's key.
	}
	d, err := v.destroyKey(ctx, key, now, fmt.Sprintf("보존 조치 %d 해제: 보관기간이 지난 영상 파기 (hold %d released: footage past its retention period destroyed)", h.ID, h.ID))
	if err != nil {
		return nil, err
	}
	return d, v.cat.Scrub(ctx)
}

// finishReleases finishes the releases a crash interrupted.
func (v *Vault) finishReleases(ctx context.Context) error {
	all, err := v.cat.Holds(ctx, true)
	if err != nil {
		return err
	}
	for i := range all {
		h := &all[i]
		if h.Active() {
			continue
		}
		if _, err := v.finishRelease(ctx, h); err != nil {
			return err
		}
	}
	return nil
}

// releaseDue releases the holds whose last day has passed.
func (v *Vault) releaseDue(ctx context.Context, now time.Time, rep *RetentionReport) error {
	active, err := v.cat.Holds(ctx, false)
	if err != nil {
		return err
	}
	today := custodian.DateOf(now)
	for _, h := range active {
		if h.Until.IsZero() || !h.Until.Before(today) {
			continue
		}
		d, err := v.ReleaseHold(ctx, h.ID, "system:retention (보존 종료일 경과)")
		if err != nil {
			return err
		}
		rep.Released = append(rep.Released, h.ID)
		if d != nil && d.Segments > 0 {
			rep.add(d)
		}
	}
	return nil
}

// moveHeld moves every segment that an active hold covers, and that is not yet under an
// active hold's key, under the key of the earliest such hold.
func (v *Vault) moveHeld(ctx context.Context) (int, error) {
	active, err := v.cat.Holds(ctx, false)
	if err != nil {
		return 0, err
	}
	held := map[string]bool{}
	for _, h := range active {
		held[h.KeyID] = true
	}
	moved := 0
	for _, h := range active {
		key, err := v.cat.Key(ctx, h.KeyID)
		if err != nil {
			return moved, err
		}
		segs, err := v.cat.Segments(ctx, h.Camera, h.From, h.To)
		if err != nil {
			return moved, err
		}
		for _, s := range segs {
			if held[s.KeyID] {
				continue
			}
			if err := v.moveSegment(ctx, s, key); err != nil {
				return moved, err
			}
			moved++
		}
	}
	return moved, nil
}

// moveHeldOf moves the segments of key k that an active hold covers under that hold's key.
func (v *Vault) moveHeldOf(ctx context.Context, k *custodian.DataKey) error {
	if k.Kind == custodian.KeyPeriod {
		// Most days have no hold: ask about the day before listing its segments (a segment
		// starting on the day may run up to MaxSegmentDuration past it).
		day := k.Period.Time()
		holds, err := v.cat.ActiveHolds(ctx, k.Camera, day, k.Period.AddDays(1).Time().Add(custodian.MaxSegmentDuration))
		if err != nil || len(holds) == 0 {
			return err
		}
	}
	segs, err := v.cat.SegmentsOfKey(ctx, k.ID)
	if err != nil || len(segs) == 0 {
		return err
	}
	first, last := segs[0].Start, segs[0].End
	for _, s := range segs {
		if s.End.After(last) {
			last = s.End
		}
	}
	holds, err := v.cat.ActiveHolds(ctx, k.Camera, first, last)
	if err != nil || len(holds) == 0 {
		return err
	}
	for _, s := range segs {
		for _, h := range holds {
			if h.KeyID == k.ID || !(s.Start.Before(h.To) && s.End.After(h.From)) {
				continue
			}
			hk, err := v.cat.Key(ctx, h.KeyID)
			if err != nil {
				return err
			}
			if err := v.moveSegment(ctx, s, hk); err != nil {
				return err
			}
			break
		}
	}
	return nil
}

// moveSegment re-encrypts a segment under another key: the new file is written (announced
// in the garbage first, so a crash leaves no orphan), the row is switched and the old file
// put in the garbage in one transaction, and the old file is removed.
func (v *Vault) moveSegment(ctx context.Context, s custodian.Segment, to *custodian.DataKey) error {
	if s.KeyID == to.ID {
		return nil
	}
	src, err := v.Open(ctx, s)
	if err != nil {
		return err
	}
	plain, err := src.ReadAll()
	src.Close()
	if err != nil {
		return err
	}
	dataKey, err := v.unwrap(ctx, to)
	if err != nil {
		return err
	}
	dir := keyDir(to)
	newPath := dir + "/" + s.ID + ".seg"
	if err := v.cat.AddGarbage(ctx, custodian.Garbage{Path: newPath}); err != nil {
		return err
	}
	if err := v.writeFile(dir, newPath, s, to, dataKey, plain); err != nil {
		return v.diskError(err)
	}
	// Logged before the catalog changes, so the log always knows a segment's current key.
	if err := v.record(ctx, Event{Action: ActionSegmentMove, Camera: s.Camera, From: s.Start, To: s.End, Object: s.ID,
		Detail: fmt.Sprintf("sha256=%x key=%s from=%s", s.SHA256, to.ID, s.KeyID)}); err != nil {
		return err
	}
	if err := v.cat.MoveSegment(ctx, s.ID, to.ID, newPath, custodian.Garbage{Path: s.Path}); err != nil {
		return err
	}
	return v.finishGarbage(ctx, custodian.Garbage{Path: s.Path})
}

// writeFile writes a whole segment file under a key, durably.
func (v *Vault) writeFile(dir, rel string, s custodian.Segment, key *custodian.DataKey, dataKey, plain []byte) error {
	if err := v.mkdirs(dir); err != nil {
		return err
	}
	segID, err := parseID(s.ID)
	if err != nil {
		return err
	}
	keyID, err := parseID(key.ID)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(v.path(rel), os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	h := &header{chunkSize: ChunkSize, segmentID: segID, keyID: keyID}
	sl, err := newSealer(dataKey, h, s.Camera)
	if err == nil {
		var cw *chunkWriter
		if cw, err = newChunkWriter(f, sl, h); err == nil {
			if _, err = cw.Write(plain); err == nil {
				err = cw.close()
			}
			cw.stop()
		}
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return syncDir(filepath.Dir(v.path(rel)))
}
