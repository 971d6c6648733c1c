package vault

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"custodian"
)

// LoggedEvent is what CrossCheck reads of an access-log record.
type LoggedEvent struct {
	Seq    uint64
	Action string
	Object string
	Detail string
}

// Scanner calls fn with the access log's records from since on, in order.
type Scanner func(ctx context.Context, since time.Time, fn func(LoggedEvent) error) error

// detailField returns the value of name=value in an event's detail.
func detailField(detail, name string) string {
	for _, f := range strings.Fields(detail) {
		if v, ok := strings.CutPrefix(f, name+"="); ok {
			return v
		}
	}
	return ""
}

type loggedSegment struct {
	sha       []byte
	key       string
	from      string // for a move: the key it was under; a crash may leave it there
	seq       uint64
	discarded bool
}

// CrossCheck compares the catalog with the access log (invariant 6 of docs/design/vault.md):
// every segment in the catalog must have been logged as created, with the SHA-256 and key the
// catalog holds (a segment added or replaced behind Custodian's back has no such record), and
// every segment the log says was created since the oldest segment still kept must either
// still be in the catalog, or have been discarded, or have had its key destroyed (a segment
// removed behind Custodian's back has none of these).
func (v *Vault) CrossCheck(ctx context.Context, scan Scanner) ([]Problem, error) {
	type kept struct {
		sha []byte
		key string
		s   custodian.Segment
	}
	present := map[string]kept{}
	var since time.Time
	err := v.cat.EachSegment(ctx, func(s custodian.Segment) error {
		present[s.ID] = kept{s.SHA256, s.KeyID, s}
		if since.IsZero() || s.Created.Before(since) {
			since = s.Created
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(present) == 0 {
		since = v.now().Add(-24 * time.Hour)
	}
	since = since.Add(-time.Minute)
	logged := map[string]*loggedSegment{}
	err = scan(ctx, since, func(e LoggedEvent) error {
		switch e.Action {
		case ActionSegmentCreate, ActionSegmentMove:
			sha, _ := hex.DecodeString(detailField(e.Detail, "sha256"))
			l := logged[e.Object]
			if l == nil {
				l = &loggedSegment{}
				logged[e.Object] = l
			}
			l.sha, l.key, l.from, l.seq = sha, detailField(e.Detail, "key"), detailField(e.Detail, "from"), e.Seq
		case ActionSegmentDiscard:
			if l := logged[e.Object]; l != nil {
				l.discarded = true
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var problems []Problem
	for id, k := range present {
		l := logged[id]
		s := k.s
		switch {
		case l == nil || l.discarded:
			problems = append(problems, Problem{Segment: id, Camera: s.Camera, Path: s.Path,
				Ko: "접근 기록에 생성 기록이 없는 세그먼트입니다 (Custodian 밖에서 추가되었거나 바뀜)",
				En: "the access log has no record of this segment's creation (added or replaced outside Custodian)"})
		case !bytes.Equal(l.sha, k.sha):
			problems = append(problems, Problem{Segment: id, Camera: s.Camera, Path: s.Path,
				Ko: fmt.Sprintf("카탈로그의 SHA-256이 생성 기록(기록 %d번)과 다릅니다 (영상이 바뀜)", l.seq),
				En: fmt.Sprintf("the catalog's SHA-256 differs from the one logged at creation (record %d): the footage was replaced", l.seq)})
		case l.key != k.key && l.from != k.key:
			// A move is logged before the catalog switches, so a crash between the two
			// leaves the segment under the key it was moved from.
			problems = append(problems, Problem{Segment: id, Camera: s.Camera, Path: s.Path,
				Ko: "세그먼트의 키가 기록 없이 바뀌었습니다", En: "the segment's key changed without a log record"})
		}
	}
	destroyed := map[string]bool{}
	for id, l := range logged {
		if _, ok := present[id]; ok || l.discarded {
			continue
		}
		// Logged after the catalog was read: a running server's segment in flight (its
		// creation is logged before its row is completed) or committed since.
		if _, err := v.cat.Segment(ctx, id); err == nil {
			continue
		} else if custodian.ErrorCode(err) != custodian.ENOTFOUND {
			return nil, err
		}
		gone, ok := destroyed[l.key]
		if !ok {
			k, err := v.cat.Key(ctx, l.key)
			switch {
			case err == nil:
				gone = !k.Destroyed.IsZero()
			case custodian.ErrorCode(err) == custodian.ENOTFOUND:
				gone = false
			default:
				return nil, err
			}
			destroyed[l.key] = gone
		}
		if !gone && l.from != "" {
			// An interrupted move left it under its old key; that key's fate decides.
			if k, err := v.cat.Key(ctx, l.from); err == nil && !k.Destroyed.IsZero() {
				gone = true
			}
		}
		if !gone {
			problems = append(problems, Problem{Segment: id,
				Ko: fmt.Sprintf("생성 기록(기록 %d번)이 있는 세그먼트가 파기 기록 없이 카탈로그에서 사라졌습니다", l.seq),
				En: fmt.Sprintf("a segment logged as created (record %d) is gone from the catalog without being destroyed", l.seq)})
		}
	}
	return problems, nil
}
