// Package footage is the one door to footage (docs/design/footage-access.md): every live
// view, playback, clip, export, on-site viewing and download is opened here, logged first,
// and read only through the opening it returns.
package footage

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"custodian"
	"custodian/auditlog"
	"custodian/vault"
)

// Log is the part of the access log the door writes to (*auditlog.Log).
type Log interface {
	Append(ctx context.Context, e auditlog.Event) (auditlog.Event, error)
}

// Vault is the part of the vault the door reads from (*vault.Vault).
type Vault interface {
	Find(ctx context.Context, camera string, from, to time.Time) ([]custodian.Segment, error)
	Clip(ctx context.Context, w io.Writer, camera string, from, to time.Time) (*vault.ClipInfo, error)
}

// Door implements custodian.FootageDoor over a vault and the access log.
type Door struct {
	Vault Vault // nil: live view only
	Log   Log
	Now   func() time.Time // time.Now when nil
}

var _ custodian.FootageDoor = (*Door)(nil)

// MaxCameras is the most cameras one opening may name.
const MaxCameras = 64

// MaxPeriod is the longest period one opening of recorded footage may cover.
const MaxPeriod = 31 * 24 * time.Hour

func (d *Door) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

// action returns the access-log action of a use.
func action(use string) string { return "footage." + use }

// check validates an access; it returns the cameras sorted and without repeats.
func check(a *custodian.FootageAccess) error {
	if _, ok := custodian.FootageUseNames[a.Use]; !ok {
		return custodian.Errorf(custodian.EINVALID, "영상 이용 구분 %q를 알 수 없습니다", "unknown use of footage %q", custodian.Clip(a.Use, 32))
	}
	if strings.TrimSpace(a.Actor) == "" {
		return custodian.Errorf(custodian.EINVALID, "영상을 여는 사람이 없습니다", "an opening of footage needs an actor")
	}
	if strings.TrimSpace(a.Purpose) == "" {
		return custodian.Errorf(custodian.EINVALID, "영상을 열 때는 목적을 밝혀야 합니다 (개인정보 보호법 시행령 제30조)", "every opening of footage states its purpose")
	}
	if len(a.Cameras) == 0 {
		return custodian.Errorf(custodian.EINVALID, "카메라를 하나 이상 고르십시오", "choose at least one camera")
	}
	if len(a.Cameras) > MaxCameras {
		return custodian.Errorf(custodian.EINVALID, "한 번에 카메라 %d대까지 열 수 있습니다 (%d대)", "at most %d cameras at once (%d given)", MaxCameras, len(a.Cameras))
	}
	a.Cameras = slices.Clone(a.Cameras)
	slices.Sort(a.Cameras)
	a.Cameras = slices.Compact(a.Cameras)
	for _, c := range a.Cameras {
		if !custodian.ValidID(c) {
			return custodian.Errorf(custodian.EINVALID, "카메라 ID %q가 올바르지 않습니다", "bad camera ID %q", custodian.Clip(c, 64))
		}
	}
	if a.Use == custodian.UseLive || a.Use == custodian.UseProvision && a.To.IsZero() {
		return nil
	}
	switch {
	case a.From.IsZero() || a.To.IsZero():
		return custodian.Errorf(custodian.EINVALID, "녹화 영상을 열 때는 기간이 필요합니다", "recorded footage is opened for a period")
	case !a.To.After(a.From):
		return custodian.Errorf(custodian.EINVALID, "기간의 끝(%s)이 시작(%s)보다 뒤여야 합니다", "the end (%s) must be after the start (%s)", kst(a.To), kst(a.From))
	case a.To.Sub(a.From) > MaxPeriod:
		return custodian.Errorf(custodian.EINVALID, "한 번에 31일까지 열 수 있습니다 (%s ~ %s)", "at most 31 days at once (%s to %s)", kst(a.From), kst(a.To))
	}
	return nil
}

func kst(t time.Time) string { return t.In(custodian.KST).Format(time.DateTime) }

// event is the access-log record of one camera of an access.
func event(a custodian.FootageAccess, id, camera, result, detail string) auditlog.Event {
	obj := a.Object
	if obj == "" {
		obj = "open:" + id
	}
	var refs []string
	if a.Request != 0 {
		refs = append(refs, fmt.Sprintf("request=%d", a.Request))
	}
	if a.Provision != 0 {
		refs = append(refs, fmt.Sprintf("provision=%d", a.Provision))
	}
	refs = append(refs, "opening="+id)
	if detail != "" {
		refs = append(refs, detail)
	}
	return auditlog.Event{Actor: a.Actor, Source: a.Source, Action: action(a.Use), Camera: camera, From: a.From, To: a.To,
		Object: obj, Purpose: a.Purpose, Result: result, Detail: strings.Join(refs, " ")}
}

// Open logs the access, one record per camera, and returns the opening. Nothing is
// returned (and no footage can be read) unless every record was written.
func (d *Door) Open(ctx context.Context, a custodian.FootageAccess) (*custodian.FootageOpening, error) {
	if err := check(&a); err != nil {
		return nil, err
	}
	if a.Use != custodian.UseLive && a.Use != custodian.UseProvision && d.Vault == nil {
		return nil, custodian.Errorf(custodian.EUNAVAILABLE, "녹화 영상 보관소가 열려 있지 않습니다", "the vault is not open")
	}
	o := &custodian.FootageOpening{ID: newID(), Access: a, Opened: d.now()}
	// The records are written before anything is read; a record that cannot be written
	// ends the opening (the records already written say it was attempted).
	ctx = context.WithoutCancel(ctx)
	for _, cam := range a.Cameras {
		e, err := d.Log.Append(ctx, event(a, o.ID, cam, auditlog.ResultOK, a.Detail))
		if err != nil {
			return nil, custodian.Errorf(custodian.EUNAVAILABLE, "접근 기록을 쓸 수 없어 영상을 열지 않았습니다: %w", "the access log could not be written, so the footage was not opened: %w", err)
		}
		o.Records = append(o.Records, e.Seq)
	}
	if d.Vault != nil && !a.To.IsZero() {
		o.Reader = &reader{v: d.Vault, a: o.Access}
	}
	return o, nil
}

// Deny logs a refused access and returns why. A refusal that cannot be logged is still
// refused.
func (d *Door) Deny(ctx context.Context, a custodian.FootageAccess, why error) error {
	if a.Purpose == "" {
		a.Purpose = "-"
	}
	cams := a.Cameras
	if len(cams) == 0 {
		cams = []string{""}
	}
	if len(cams) > MaxCameras {
		cams = cams[:MaxCameras]
	}
	id := newID()
	for _, cam := range cams {
		if !custodian.ValidID(cam) {
			cam = ""
		}
		msg := ""
		if why != nil {
			msg = why.Error()
		}
		d.Log.Append(context.WithoutCancel(ctx), event(a, id, cam, auditlog.ResultDenied, msg))
	}
	return why
}

func newID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// reader reads an opening's footage: its cameras, within its period.
type reader struct {
	v Vault
	a custodian.FootageAccess
}

func (r *reader) within(camera string, from, to time.Time) error {
	if !slices.Contains(r.a.Cameras, camera) {
		return custodian.Errorf(custodian.EUNAUTHORIZED, "이 열람에 카메라 %s는 없습니다", "camera %s is not part of this opening", custodian.Clip(camera, 64))
	}
	if from.Before(r.a.From) || to.After(r.a.To) || !to.After(from) {
		return custodian.Errorf(custodian.EUNAUTHORIZED, "%s ~ %s는 이 열람의 기간(%s ~ %s) 밖입니다", "%s to %s is outside this opening (%s to %s)",
			kst(from), kst(to), kst(r.a.From), kst(r.a.To))
	}
	return nil
}

func (r *reader) Segments(ctx context.Context, camera string, from, to time.Time) ([]custodian.Segment, error) {
	if err := r.within(camera, from, to); err != nil {
		return nil, err
	}
	return r.v.Find(ctx, camera, from, to)
}

func (r *reader) Clip(ctx context.Context, w io.Writer, camera string, from, to time.Time) (custodian.ClipSpan, error) {
	if err := r.within(camera, from, to); err != nil {
		return custodian.ClipSpan{}, err
	}
	info, err := r.v.Clip(ctx, w, camera, from, to)
	if err != nil {
		return custodian.ClipSpan{}, err
	}
	return custodian.ClipSpan{From: info.From, To: info.To, Segments: info.Segments, Bytes: info.Bytes, Codec: info.Codec}, nil
}
