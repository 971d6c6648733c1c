package auditlog

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"custodian"
)

// Event is one record of the log.
type Event struct {
	Seq     uint64    // set by Append: 1, 2, 3, ... without gaps
	Time    time.Time // set by Append when zero
	Actor   string    // the account, or "system:retention", "cli:<user>"
	Source  string    // the remote address, or "cli"
	Action  string    // one of the Action constants (or another dotted lower-case name)
	Camera  string    // the camera, when the action is about footage
	From    time.Time // the period of footage, when the action is about footage
	To      time.Time
	Object  string // a segment ID, hold ID, file name, ...
	Purpose string // the stated purpose (열람 목적)
	Result  string // ResultOK (the default), ResultDenied or ResultError
	Detail  string // free text, e.g. "sha256=… size=…"
	Prev    [32]byte
	Hash    [32]byte // SHA-256(Prev ‖ EncodeRecord(event)); set by Append
}

// Actions.
const (
	ActionSegmentCreate    = "segment.create"
	ActionSegmentDiscard   = "segment.discard"
	ActionSegmentMove      = "segment.move"
	ActionRetentionDestroy = "retention.destroy"
	ActionLive             = "footage.live"
	ActionPlayback         = "footage.playback"
	ActionExport           = "footage.export"
	ActionDownload         = "footage.download"
	ActionDelete           = "footage.delete"
	ActionHoldAdd          = "hold.add"
	ActionHoldRelease      = "hold.release"
	ActionKeyRotate        = "keys.rotate"
	ActionVerify           = "vault.verify"
	ActionLogRepair        = "log.repair" // Open cut a torn tail
	ActionLogPrune         = "log.prune"  // Prune removed months older than the retention
)

// Results.
const (
	ResultOK     = "ok"
	ResultDenied = "denied"
	ResultError  = "error"
)

// SystemActor is the actor of the records the log writes about itself.
const SystemActor = "system:auditlog"

var actionOK = func() (t [256]bool) {
	for c := 'a'; c <= 'z'; c++ {
		t[c] = true
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	t['.'], t['_'], t['-'] = true, true, true
	return
}()

// prepare checks and normalises an event before it is queued.
func prepare(e *Event) error {
	e.Seq, e.Prev, e.Hash = 0, [32]byte{}, [32]byte{}
	if e.Result == "" {
		e.Result = ResultOK
	}
	for i, p := range []*string{&e.Actor, &e.Source, &e.Action, &e.Camera, &e.Object, &e.Purpose, &e.Result, &e.Detail} {
		if !utf8.ValidString(*p) {
			*p = strings.ToValidUTF8(*p, "\uFFFD")
		}
		limit := MaxField
		if i == fDetail {
			limit = MaxDetail
		}
		if len(*p) > limit {
			return custodian.Errorf(custodian.EINVALID, "접근 기록의 %s 항목이 너무 깁니다 (%d바이트, 최대 %d)",
				"the %s of an access log event is too long (%d bytes, at most %d)", fieldNames[i], len(*p), limit)
		}
	}
	if e.Actor == "" {
		return custodian.Errorf(custodian.EINVALID, "접근 기록에는 행위자가 필요합니다", "an access log event needs an actor")
	}
	if e.Action == "" || len(e.Action) > 64 {
		return custodian.Errorf(custodian.EINVALID, "접근 기록의 행위 %q가 올바르지 않습니다", "invalid access log action %q", e.Action)
	}
	for i := 0; i < len(e.Action); i++ {
		if !actionOK[e.Action[i]] {
			return custodian.Errorf(custodian.EINVALID, "접근 기록의 행위 %q가 올바르지 않습니다 (영문 소문자, 숫자, '.', '_', '-')",
				"invalid access log action %q (lower-case letters, digits, '.', '_', '-')", e.Action)
		}
	}
	switch e.Result {
	case ResultOK, ResultDenied, ResultError:
	default:
		return custodian.Errorf(custodian.EINVALID, "접근 기록의 결과는 ok, denied, error 중 하나여야 합니다 (%q)",
			"an access log result must be ok, denied or error (%q)", e.Result)
	}
	for _, t := range []*time.Time{&e.Time, &e.From, &e.To} {
		if !timeInRange(*t) {
			return custodian.Errorf(custodian.EINVALID, "접근 기록의 시각 %s를 기록할 수 없습니다", "cannot record the time %s", *t)
		}
		*t = fromUnixNano(unixNano(*t))
	}
	if !e.From.IsZero() && !e.To.IsZero() && e.To.Before(e.From) {
		return custodian.Errorf(custodian.EINVALID, "접근 기록의 기간이 거꾸로입니다 (%s ~ %s)", "the period of an access log event ends before it starts (%s to %s)",
			e.From.Format(time.RFC3339), e.To.Format(time.RFC3339))
	}
	return nil
}

var fieldNames = [numFields]string{"actor", "source", "action", "camera", "object", "purpose", "result", "detail"}

// eventJSON is the JSON form of an Event (times RFC 3339 in KST, hashes hex).
type eventJSON struct {
	Type    string     `json:"type,omitempty"`
	Seq     uint64     `json:"seq"`
	Time    time.Time  `json:"time"`
	Actor   string     `json:"actor"`
	Source  string     `json:"source"`
	Action  string     `json:"action"`
	Camera  string     `json:"camera"`
	From    *time.Time `json:"from"`
	To      *time.Time `json:"to"`
	Object  string     `json:"object"`
	Purpose string     `json:"purpose"`
	Result  string     `json:"result"`
	Detail  string     `json:"detail"`
	Prev    string     `json:"prev"`
	Hash    string     `json:"hash"`
}

func (e Event) toJSON(typ string) eventJSON {
	j := eventJSON{Type: typ, Seq: e.Seq, Time: e.Time, Actor: e.Actor, Source: e.Source, Action: e.Action, Camera: e.Camera,
		Object: e.Object, Purpose: e.Purpose, Result: e.Result, Detail: e.Detail,
		Prev: hex.EncodeToString(e.Prev[:]), Hash: hex.EncodeToString(e.Hash[:])}
	if !e.From.IsZero() {
		j.From = &e.From
	}
	if !e.To.IsZero() {
		j.To = &e.To
	}
	return j
}

// MarshalJSON writes the event with every field; from and to are null when unset.
func (e Event) MarshalJSON() ([]byte, error) { return json.Marshal(e.toJSON("")) }

// UnmarshalJSON reads what MarshalJSON (or Export) writes.
func (e *Event) UnmarshalJSON(b []byte) error {
	var j eventJSON
	if err := json.Unmarshal(b, &j); err != nil {
		return err
	}
	*e = Event{Seq: j.Seq, Time: j.Time, Actor: j.Actor, Source: j.Source, Action: j.Action, Camera: j.Camera,
		Object: j.Object, Purpose: j.Purpose, Result: j.Result, Detail: j.Detail}
	if j.From != nil {
		e.From = *j.From
	}
	if j.To != nil {
		e.To = *j.To
	}
	for _, h := range []struct {
		s   string
		dst *[32]byte
	}{{j.Prev, &e.Prev}, {j.Hash, &e.Hash}} {
		b, err := hex.DecodeString(h.s)
		if err != nil || len(b) != 32 {
			return fmt.Errorf("auditlog: bad hash %q", h.s)
		}
		copy(h.dst[:], b)
	}
	return nil
}
