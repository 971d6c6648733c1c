// Package requests is the workflow of data-subject requests (열람·존재확인·삭제; docs/design/
// requests.md): intake with a preservation hold placed at once, the identity check,
// postponements, the decision with its legal grounds, the existence answer from the catalog,
// deletion through the vault, delivery, closing and the hold's release on schedule. Every step
// is stored with the request's history (one transaction, optimistic concurrency) and written
// to the access log, the log first: when it cannot be written the step is refused.
package requests

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"custodian"
	"custodian/auditlog"
)

// Holder places, lists and releases legal holds on footage (*vault.Vault).
type Holder interface {
	AddHold(ctx context.Context, camera string, from, to time.Time, reason string, until custodian.Date, by string) (*custodian.Hold, error)
	ReleaseHold(ctx context.Context, id int64, by string) (*custodian.Destruction, error)
	// Holds lists the holds, active ones only unless all is set.
	Holds(ctx context.Context, all bool) ([]custodian.Hold, error)
}

// Catalog lists the stored segments of a camera over a period (*vault.Vault).
type Catalog interface {
	Find(ctx context.Context, camera string, from, to time.Time) ([]custodian.Segment, error)
}

// Deleter destroys one camera's footage in [from, to) irrecoverably, leaving the rest of
// the camera-day, and returns the destruction record (*vault.Vault).
type Deleter interface {
	DeleteWindow(ctx context.Context, camera string, from, to time.Time, reason, by string) (*custodian.Destruction, error)
}

// Log is the access log (*auditlog.Log).
type Log interface {
	Append(ctx context.Context, e auditlog.Event) (auditlog.Event, error)
}

// Access-log actions of the workflow.
const (
	ActionFile      = "request.file"
	ActionHold      = "request.hold"
	ActionIdentify  = "request.identify"
	ActionPostpone  = "request.postpone"
	ActionDecide    = "request.decide"
	ActionExistence = "request.existence"
	ActionDelete    = "request.delete"
	ActionDeliver   = "request.deliver"
	ActionClose     = "request.close"
	ActionWithdraw  = "request.withdraw"
	ActionRelease   = "request.release"
)

// SweepActor is the actor of the holds' scheduled release.
const SweepActor = "system:requests"

// Defaults of Config.
const (
	DefaultMargin          = 30 * time.Minute
	DefaultReleaseDays     = 30
	DefaultMaxPostponeDays = 10
)

// Config is the workflow's configuration; zero fields take the defaults.
type Config struct {
	// Margin is added on each side of the requested period when it is held (30 minutes).
	Margin time.Duration
	// ReleaseDays is how many days after closing (or withdrawal) the holds are released (30).
	ReleaseDays int
	// MaxPostponeDays is how far one postponement may move the deadline (10 days).
	MaxPostponeDays int
	// Holidays are the public holidays besides Sundays (관공서의 공휴일에 관한 규정) that
	// move a deadline to the next working day.
	Holidays []custodian.Date
}

// Actor is who takes a step: the account's name (or "cli:<user>") and where from.
type Actor struct {
	Name   string
	Source string // a remote address, or "cli"
}

// Service is the request workflow.
type Service struct {
	Store    custodian.RequestService
	Registry custodian.RegistryService
	Holder   Holder
	Catalog  Catalog
	Deleter  Deleter               // nil: deletion is unavailable (EUNAVAILABLE)
	Door     custodian.FootageDoor // logs a deletion as a use of footage before it is done
	Log      Log
	Config   Config
	Now      func() time.Time // time.Now when nil
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) margin() time.Duration {
	if s.Config.Margin > 0 {
		return s.Config.Margin
	}
	return DefaultMargin
}

func (s *Service) releaseDays() int {
	if s.Config.ReleaseDays > 0 {
		return s.Config.ReleaseDays
	}
	return DefaultReleaseDays
}

func (s *Service) maxPostpone() int {
	if s.Config.MaxPostponeDays > 0 {
		return s.Config.MaxPostponeDays
	}
	return DefaultMaxPostponeDays
}

// Holiday reports whether d is one of the configured public holidays.
func (s *Service) Holiday(d custodian.Date) bool { return slices.Contains(s.Config.Holidays, d) }

// registry returns the current registry, or an empty one when none was imported.
func (s *Service) registry(ctx context.Context) (*custodian.Registry, error) {
	if s.Registry == nil {
		return &custodian.Registry{}, nil
	}
	r, _, err := s.Registry.Registry(ctx)
	if custodian.ErrorCode(err) == custodian.ENOTFOUND {
		return &custodian.Registry{}, nil
	}
	return r, err
}

// Get returns a request by its tracking code or its number.
func (s *Service) Get(ctx context.Context, ref string) (*custodian.SubjectRequest, error) {
	ref = strings.TrimPrefix(strings.TrimSpace(ref), "#")
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		return s.Store.Request(ctx, id)
	}
	return s.Store.RequestByCode(ctx, strings.ToUpper(ref))
}

func object(q *custodian.SubjectRequest) string { return "request:" + strconv.FormatInt(q.ID, 10) }

// record writes the access-log record of a step; an error means the step must not happen.
func (s *Service) record(ctx context.Context, a Actor, action string, q *custodian.SubjectRequest, result, detail string) error {
	e := auditlog.Event{Actor: a.Name, Source: a.Source, Action: action, Object: object(q), Result: result, Detail: detail,
		From: q.From, To: q.To}
	if cams := q.Cameras(); len(cams) == 1 {
		e.Camera = cams[0]
	}
	if _, err := s.Log.Append(ctx, e); err != nil {
		return custodian.Errorf(custodian.EUNAVAILABLE, "접근 기록을 쓸 수 없어 처리하지 않았습니다: %w", "the access log cannot be written, so nothing was done: %w", err)
	}
	return nil
}

// commit logs a step, then stores q with its history event. When the store refuses (the
// request changed meanwhile), the log gets a record of the failure.
func (s *Service) commit(ctx context.Context, a Actor, action string, q *custodian.SubjectRequest, detail string) error {
	if err := s.record(ctx, a, action, q, auditlog.ResultOK, detail); err != nil {
		return err
	}
	q.Updated = s.now()
	ev := custodian.RequestEvent{At: q.Updated, Actor: a.Name, Action: strings.TrimPrefix(action, "request."), Detail: detail}
	if err := s.Store.UpdateRequest(ctx, q, ev); err != nil {
		s.record(ctx, a, action, q, auditlog.ResultError, fmt.Sprint(custodian.Clip(err.Error(), 200)))
		return err
	}
	return nil
}

func checkActor(a Actor) error {
	if strings.TrimSpace(a.Name) == "" {
		return custodian.Errorf(custodian.EINVALID, "누가 처리하는지(행위자)가 필요합니다", "who takes the step (the actor) is required")
	}
	return nil
}
