package vault

import (
	"context"
	"fmt"
	"time"

	"custodian"
)

// Policy tells the retention cycle a camera's current retention class and period (from the
// registry); ok is false for a camera the registry no longer has, whose footage keeps the
// expiry it was recorded with.
type Policy func(camera string) (class string, ret custodian.Retention, ok bool)

// RetentionReport says what a retention run did, or would do.
type RetentionReport struct {
	DryRun      bool                    `json:"dry_run"`
	At          time.Time               `json:"at"`
	Destroyed   []custodian.Destruction `json:"destroyed"`
	Released    []int64                 `json:"released_holds,omitempty"`
	Moved       int                     `json:"moved_to_holds"`
	Rescheduled int                     `json:"rescheduled_keys"`
	Segments    int                     `json:"segments"`
	Bytes       int64                   `json:"bytes"`
}

// DestructionMethod is how Custodian destroys footage, as the destruction record states it.
const DestructionMethod = "암호키 파기 후 파일 삭제 (data key destroyed, then files deleted: unrecoverable)"

// RunRetention destroys the footage whose retention period has ended: first any hold that
// reached its end date is released, segments that active holds cover are moved under the
// holds' keys, keys whose expiry changed with the registry are rescheduled; then every
// expired period key is destroyed with its files and a destruction record is written.
// Its work grows with what expires and what is held, not with what is kept. On a full
// disk it uses the vault's reserve (docs/design/vault.md, "A full disk").
func (v *Vault) RunRetention(ctx context.Context, policy Policy, dryRun bool) (*RetentionReport, error) {
	if dryRun {
		return v.runRetention(ctx, policy, true)
	}
	var done *RetentionReport
	err := v.spare("retention", func() error {
		rep, err := v.runRetention(ctx, policy, false)
		done = done.merge(rep)
		return err
	})
	if err == nil {
		v.ensureReserve()
	}
	return done, err
}

// merge adds what a second attempt did to what the first did.
func (r *RetentionReport) merge(next *RetentionReport) *RetentionReport {
	if r == nil {
		return next
	}
	if next == nil {
		return r
	}
	for _, d := range next.Destroyed {
		r.add(&d)
	}
	r.Released = append(r.Released, next.Released...)
	r.Moved += next.Moved
	r.Rescheduled = max(r.Rescheduled, next.Rescheduled)
	return r
}

func (v *Vault) runRetention(ctx context.Context, policy Policy, dryRun bool) (*RetentionReport, error) {
	now := v.now()
	rep := &RetentionReport{DryRun: dryRun, At: now, Destroyed: []custodian.Destruction{}}
	if !dryRun {
		if err := v.finishReleases(ctx); err != nil {
			return rep, err
		}
		if err := v.finishDeletions(ctx); err != nil {
			return rep, err
		}
		if err := v.releaseDue(ctx, now, rep); err != nil {
			return rep, err
		}
		n, err := v.moveHeld(ctx)
		rep.Moved = n
		if err != nil {
			return rep, err
		}
	}
	n, err := v.reschedule(ctx, policy, dryRun)
	rep.Rescheduled = n
	if err != nil {
		return rep, err
	}
	for {
		keys, err := v.cat.ExpiredKeys(ctx, now, 256)
		if err != nil {
			return rep, err
		}
		if len(keys) == 0 {
			break
		}
		for i := range keys {
			k := &keys[i]
			if dryRun {
				d, err := v.planDestruction(ctx, k, now, "보관기간 만료 (retention period ended)")
				if err != nil {
					return rep, err
				}
				rep.add(d)
				continue
			}
			d, err := v.destroyKey(ctx, k, now, "보관기간 만료 (retention period ended)")
			if err != nil {
				return rep, err
			}
			rep.add(d)
		}
		if dryRun {
			break // the keys stay; listing them once is the plan
		}
		// The destroyed keys' bytes leave the database's write-ahead log.
		if err := v.cat.Scrub(ctx); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

func (r *RetentionReport) add(d *custodian.Destruction) {
	r.Destroyed = append(r.Destroyed, *d)
	r.Segments += d.Segments
	r.Bytes += d.Bytes
}

// reschedule sets the expiry of live period keys from the cameras' current retention.
func (v *Vault) reschedule(ctx context.Context, policy Policy, dryRun bool) (int, error) {
	if policy == nil {
		return 0, nil
	}
	keys, err := v.cat.LiveKeys(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, k := range keys {
		if k.Kind != custodian.KeyPeriod {
			continue
		}
		_, ret, ok := policy(k.Camera)
		if !ok || ret.IsZero() {
			continue
		}
		if exp := ret.Expires(k.Period); !exp.Equal(k.Expires) {
			n++
			if !dryRun {
				if err := v.cat.SetExpiry(ctx, k.ID, exp); err != nil {
					return n, err
				}
			}
		}
	}
	return n, nil
}

func (v *Vault) record0(k *custodian.DataKey, now time.Time, reason string) *custodian.Destruction {
	d := &custodian.Destruction{At: now, Camera: k.Camera, Method: DestructionMethod, Actor: v.actor, KeyID: k.ID, Reason: reason}
	if k.Kind == custodian.KeyPeriod {
		d.From = k.Period.Time()
		d.To = k.Period.AddDays(1).Time()
	}
	return d
}

func (v *Vault) planDestruction(ctx context.Context, k *custodian.DataKey, now time.Time, reason string) (*custodian.Destruction, error) {
	d := v.record0(k, now, reason)
	segs, err := v.cat.SegmentsOfKey(ctx, k.ID)
	if err != nil {
		return nil, err
	}
	for _, s := range segs {
		d.Segments++
		d.Bytes += s.StoredSize
		if k.Kind == custodian.KeyHold {
			if d.From.IsZero() || s.Start.Before(d.From) {
				d.From = s.Start
			}
			if s.End.After(d.To) {
				d.To = s.End
			}
		}
	}
	return d, nil
}

// destroyKey destroys a key, its files and writes the destruction record
// (docs/design/vault.md, "Destroying a key"). Segments under the key that an active hold
// covers are moved under the hold's key first.
func (v *Vault) destroyKey(ctx context.Context, k *custodian.DataKey, now time.Time, reason string) (*custodian.Destruction, error) {
	if err := v.moveHeldOf(ctx, k); err != nil {
		return nil, err
	}
	// A period key's record needs only the counts DestroyKey returns; a hold key's period is
	// that of its segments.
	d := v.record0(k, now, reason)
	if k.Kind == custodian.KeyHold {
		var err error
		if d, err = v.planDestruction(ctx, k, now, reason); err != nil {
			return nil, err
		}
	}
	g := custodian.Garbage{Path: keyDir(k), Record: d}
	n, bytes, err := v.cat.DestroyKey(ctx, k.ID, now, g)
	if err != nil {
		return nil, err
	}
	d.Segments, d.Bytes = n, bytes
	// From here the footage is unreadable; removing the files and writing the record
	// finish the destruction (recovery finishes them after a crash).
	if err := v.finishGarbage(ctx, g); err != nil {
		return nil, err
	}
	return d, nil
}

// Destructions returns the destruction record in [from, to).
func (v *Vault) Destructions(ctx context.Context, from, to time.Time) ([]custodian.Destruction, error) {
	return v.cat.Destructions(ctx, from, to)
}

// Storage sums the footage stored per camera.
func (v *Vault) Storage(ctx context.Context) ([]custodian.StorageRow, error) {
	return v.cat.Storage(ctx)
}

// Gap is a span of a camera's requested period with no footage.
type Gap struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

// Gaps returns the spans of [from, to) that camera's segments do not cover, ignoring holes
// shorter than tolerance. Segments whose files are missing do not cover anything.
func (v *Vault) Gaps(ctx context.Context, camera string, from, to time.Time, tolerance time.Duration) ([]Gap, error) {
	segs, err := v.cat.Segments(ctx, camera, from, to)
	if err != nil {
		return nil, err
	}
	// A segment whose file is gone is no footage.
	if missing := v.Missing(segs); len(missing) > 0 {
		gone := map[string]bool{}
		for _, s := range missing {
			gone[s.ID] = true
		}
		kept := segs[:0:0]
		for _, s := range segs {
			if !gone[s.ID] {
				kept = append(kept, s)
			}
		}
		segs = kept
	}
	var gaps []Gap
	cur := from
	for _, s := range segs {
		if s.Start.Sub(cur) > tolerance {
			gaps = append(gaps, Gap{cur, s.Start})
		}
		if s.End.After(cur) {
			cur = s.End
		}
	}
	if to.Sub(cur) > tolerance {
		gaps = append(gaps, Gap{cur, to})
	}
	return gaps, nil
}

func (g Gap) String() string {
	return fmt.Sprintf("%s – %s", g.From.Format(time.RFC3339), g.To.Format(time.RFC3339))
}
