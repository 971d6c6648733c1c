package auditlog

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"custodian"
)

// ReviewOptions configure Review. The zero value is the defaults.
type ReviewOptions struct {
	DayStart, DayEnd time.Duration    // working hours, KST, from midnight; default 9h and 18h
	Holidays         []custodian.Date // days off besides Saturday and Sunday (public holidays)
	VolumeMin        int              // an actor is unusual above max(VolumeMin, VolumeFactor × median); default 20
	VolumeFactor     float64          // default 3
}

// ReviewReport is the monthly review (월별 점검) of the access log.
type ReviewReport struct {
	Month     string        `json:"month"` // YYYY-MM (KST)
	From      time.Time     `json:"from"`
	To        time.Time     `json:"to"`
	WorkHours string        `json:"work_hours"` // e.g. "09:00-18:00 Mon-Fri"
	Records   int           `json:"records"`
	Actions   []ActionCount `json:"actions"` // counts per action, by name
	// Exports lists every export and download of footage.
	Exports []ReviewEntry `json:"exports"`
	// OffHours lists footage access (live, playback, export, download) outside working
	// hours, on a weekend or on a holiday.
	OffHours []ReviewEntry `json:"off_hours"`
	// Volume counts footage actions (footage.*) per actor, most first; Unusual are those
	// above the threshold max(VolumeMin, VolumeFactor × VolumeMedian).
	Volume          []ActorCount `json:"volume"`
	Unusual         []ActorCount `json:"unusual"`
	VolumeMedian    float64      `json:"volume_median"`
	VolumeThreshold float64      `json:"volume_threshold"`
	// Denied lists every attempt that was refused.
	Denied []ReviewEntry `json:"denied"`
	// NoPurpose lists footage access recorded without a stated purpose.
	NoPurpose []ReviewEntry `json:"no_purpose"`
}

// ReviewEntry is a record the review lists, with why it is listed. Its JSON is the
// record's one JSON shape (Event.MarshalJSON) with "reason" added.
type ReviewEntry struct {
	Event
	Reason string // off hours: "night", "weekend" or "holiday"; otherwise ""
}

// MarshalJSON writes the event's JSON shape and, when set, "reason".
func (r ReviewEntry) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		eventJSON
		Reason string `json:"reason,omitempty"`
	}{r.Event.toJSON(""), r.Reason})
}

// UnmarshalJSON reads what MarshalJSON writes.
func (r *ReviewEntry) UnmarshalJSON(b []byte) error {
	var x struct {
		Reason string `json:"reason"`
	}
	if err := json.Unmarshal(b, &x); err != nil {
		return err
	}
	if err := r.Event.UnmarshalJSON(b); err != nil {
		return err
	}
	r.Reason = x.Reason
	return nil
}

// ActionCount counts the records of one action.
type ActionCount struct {
	Action string `json:"action"`
	Count  int    `json:"count"`
	Denied int    `json:"denied"`
	Errors int    `json:"errors"`
}

// ActorCount counts one actor's footage actions.
type ActorCount struct {
	Actor   string `json:"actor"`
	Count   int    `json:"count"`
	Unusual bool   `json:"unusual"`
}

// Off-hours reasons.
const (
	ReasonNight   = "night"
	ReasonWeekend = "weekend"
	ReasonHoliday = "holiday"
)

// IsFootageAccess reports whether an action shows footage to someone: live view,
// playback, export or download.
func IsFootageAccess(action string) bool {
	switch action {
	case ActionLive, ActionPlayback, ActionExport, ActionDownload:
		return true
	}
	return false
}

// Review reads the records of month (YYYY-MM, KST) and returns the monthly review.
func Review(ctx context.Context, dir string, monthText string, opt ReviewOptions) (*ReviewReport, error) {
	m, ok := parseMonth(monthText)
	if !ok {
		return nil, custodian.Errorf(custodian.EINVALID, "달 %q는 YYYY-MM 형식이어야 합니다", "the month %q must be YYYY-MM", monthText)
	}
	if opt.DayStart == 0 && opt.DayEnd == 0 {
		opt.DayStart, opt.DayEnd = 9*time.Hour, 18*time.Hour
	}
	if opt.DayStart < 0 || opt.DayEnd > 24*time.Hour || opt.DayStart >= opt.DayEnd {
		return nil, custodian.Errorf(custodian.EINVALID, "근무 시간이 올바르지 않습니다 (%s–%s)", "invalid working hours (%s to %s)", opt.DayStart, opt.DayEnd)
	}
	if opt.VolumeMin == 0 {
		opt.VolumeMin = 20
	}
	if opt.VolumeFactor == 0 {
		opt.VolumeFactor = 3
	}
	holidays := map[custodian.Date]bool{}
	for _, d := range opt.Holidays {
		holidays[d] = true
	}
	rep := &ReviewReport{Month: m.String(), From: m.start(), To: m.end(),
		WorkHours: fmt.Sprintf("%s-%s Mon-Fri", clock(opt.DayStart), clock(opt.DayEnd)),
		Actions:   []ActionCount{}, Exports: []ReviewEntry{}, OffHours: []ReviewEntry{}, Volume: []ActorCount{},
		Unusual: []ActorCount{}, Denied: []ReviewEntry{}, NoPurpose: []ReviewEntry{}}
	actions := map[string]*ActionCount{}
	volume := map[string]int{}
	err := Scan(ctx, dir, Filter{From: m.start(), To: m.end()}, func(e Event) error {
		rep.Records++
		ac := actions[e.Action]
		if ac == nil {
			ac = &ActionCount{Action: e.Action}
			actions[e.Action] = ac
		}
		ac.Count++
		switch e.Result {
		case ResultDenied:
			ac.Denied++
			rep.Denied = append(rep.Denied, entry(e, ""))
		case ResultError:
			ac.Errors++
		}
		if e.Action == ActionExport || e.Action == ActionDownload {
			rep.Exports = append(rep.Exports, entry(e, ""))
		}
		if IsFootageAccess(e.Action) {
			if reason := offHours(e.Time, opt, holidays); reason != "" {
				rep.OffHours = append(rep.OffHours, entry(e, reason))
			}
			if strings.TrimSpace(e.Purpose) == "" {
				rep.NoPurpose = append(rep.NoPurpose, entry(e, ""))
			}
		}
		if strings.HasPrefix(e.Action, "footage.") {
			volume[e.Actor]++
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, ac := range actions {
		rep.Actions = append(rep.Actions, *ac)
	}
	sort.Slice(rep.Actions, func(i, j int) bool { return rep.Actions[i].Action < rep.Actions[j].Action })
	counts := make([]int, 0, len(volume))
	for _, n := range volume {
		counts = append(counts, n)
	}
	sort.Ints(counts)
	if n := len(counts); n > 0 {
		if n%2 == 1 {
			rep.VolumeMedian = float64(counts[n/2])
		} else {
			rep.VolumeMedian = float64(counts[n/2-1]+counts[n/2]) / 2
		}
	}
	rep.VolumeThreshold = max(float64(opt.VolumeMin), opt.VolumeFactor*rep.VolumeMedian)
	for actor, n := range volume {
		ac := ActorCount{Actor: actor, Count: n, Unusual: float64(n) > rep.VolumeThreshold}
		rep.Volume = append(rep.Volume, ac)
	}
	sort.Slice(rep.Volume, func(i, j int) bool {
		if rep.Volume[i].Count != rep.Volume[j].Count {
			return rep.Volume[i].Count > rep.Volume[j].Count
		}
		return rep.Volume[i].Actor < rep.Volume[j].Actor
	})
	for _, ac := range rep.Volume {
		if ac.Unusual {
			rep.Unusual = append(rep.Unusual, ac)
		}
	}
	return rep, nil
}

func clock(d time.Duration) string {
	return fmt.Sprintf("%02d:%02d", int(d/time.Hour), int(d%time.Hour/time.Minute))
}

// offHours returns why t (KST) is outside working hours, or "".
func offHours(t time.Time, opt ReviewOptions, holidays map[custodian.Date]bool) string {
	k := t.In(custodian.KST)
	switch {
	case k.Weekday() == time.Saturday || k.Weekday() == time.Sunday:
		return ReasonWeekend
	case holidays[custodian.DateOf(k)]:
		return ReasonHoliday
	}
	y, mo, d := k.Date()
	since := k.Sub(time.Date(y, mo, d, 0, 0, 0, 0, custodian.KST))
	if since < opt.DayStart || since >= opt.DayEnd {
		return ReasonNight
	}
	return ""
}

func entry(e Event, reason string) ReviewEntry { return ReviewEntry{Event: e, Reason: reason} }
