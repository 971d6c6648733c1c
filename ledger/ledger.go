// Package ledger derives the ledger (개인영상정보 관리대장) from what the system already
// records: the access log, the destruction record, data subjects' requests and, once they
// exist, provisions. Nothing is typed twice: every row names the records it comes from
// (custodian.LedgerSource). docs/design/ledger.md says which records become which rows.
package ledger

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"custodian"
	"custodian/auditlog"
	"custodian/publish"
)

// Destructions reads the destruction record (*vault.Vault, *sqlite.DB).
type Destructions interface {
	Destructions(ctx context.Context, from, to time.Time) ([]custodian.Destruction, error)
}

// Requests lists data subjects' requests (*sqlite.DB).
type Requests interface {
	Requests(ctx context.Context, open bool) ([]custodian.SubjectRequest, error)
}

// Provisions lists provisions to third parties and uses beyond purpose (*sqlite.DB).
type Provisions interface {
	Provisions(ctx context.Context, f custodian.ProvisionFilter) ([]custodian.Provision, error)
}

// Ledger derives the ledger's rows.
type Ledger struct {
	// LogDir is the access log's directory (read with auditlog.Scan).
	LogDir string
	// Destructions, Requests, Provisions: nil when there are none to read.
	Destructions Destructions
	Requests     Requests
	Provisions   Provisions
	// Registry gives the cameras' sites and places, the purposes' legal bases and the
	// retention periods; nil: the rows name cameras by ID only.
	Registry *custodian.Registry
}

// Actions whose records (result ok) become ledger rows: every way footage is shown or
// given out (custodian.Use*). A refused or failed attempt is in the access log, not in
// the ledger.
var Actions = []string{
	auditlog.ActionLive, auditlog.ActionPlayback, auditlog.ActionExport, "footage.view",
	auditlog.ActionDownload, auditlog.ActionDelete, "footage.provision",
}

// Belongs reports whether an access-log record becomes (part of) a ledger row.
func Belongs(e auditlog.Event) bool {
	return e.Result == auditlog.ResultOK && slices.Contains(Actions, e.Action)
}

// deletionKey is the first data key named by the vault's record of a selective deletion
// (action footage.delete, object "deletion-N", detail "by=… segments=N keys=K1,K2"); ""
// for any other record.
func deletionKey(e auditlog.Event) string {
	if e.Action != auditlog.ActionDelete || e.Result != auditlog.ResultOK || !strings.HasPrefix(e.Object, "deletion-") || strings.Contains(e.Detail, "opening=") {
		return ""
	}
	for _, w := range strings.Fields(e.Detail) {
		if keys, ok := strings.CutPrefix(w, "keys="); ok {
			k, _, _ := strings.Cut(keys, ",")
			return k
		}
	}
	return ""
}

// refs are the references the door (footage.Door) writes at the start of a record's
// detail: "request=N provision=N opening=ID …".
type refs struct {
	request, provision int64
	opening            string
}

// parseRefs reads the leading references of a detail. It stops at the first word that is
// not one, so that free text after them is never taken for a reference.
func parseRefs(detail string) refs {
	var r refs
	for _, w := range strings.Fields(detail) {
		k, v, ok := strings.Cut(w, "=")
		if !ok {
			break
		}
		switch k {
		case "request":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return r
			}
			r.request = n
		case "provision":
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return r
			}
			r.provision = n
		case "opening":
			r.opening = v
			return r // the door writes opening= last
		default:
			return r
		}
	}
	return r
}

// groupKey is the row a record belongs to: the console's viewing ticket ("view:…": the
// opening and every window of it that was served), else the door's opening (one record
// per camera), else the record alone.
func groupKey(e auditlog.Event, r refs) string {
	switch {
	case strings.HasPrefix(e.Object, "view:"):
		return "view\x00" + e.Actor + "\x00" + e.Object
	case r.opening != "":
		return "opening\x00" + r.opening
	}
	return "seq\x00" + strconv.FormatUint(e.Seq, 10)
}

// group is the records of one opening of footage.
type group struct {
	recs []auditlog.Event
	refs refs
}

// row is a ledger row being built, with the actors of its records (for the staff filter).
type row struct {
	custodian.LedgerRow
	actors   []string
	deletion *custodian.DeletionOutcome // a request's deletion
}

// Rows derives the ledger's rows that f selects, numbered 1, 2, 3, … in time order.
func (l *Ledger) Rows(ctx context.Context, f custodian.LedgerFilter) ([]custodian.LedgerRow, error) {
	if err := f.Check(); err != nil {
		return nil, err
	}
	var x *custodian.Index
	var purposes []custodian.Purpose
	if l.Registry != nil {
		x, purposes = l.Registry.Index(), l.Registry.Purposes
	}
	// The access log from the period's start on: a request or provision of the period
	// may be delivered after its end, and its records belong to its row.
	var order []string
	groups := map[string]*group{}
	destroyRecs := map[string][]uint64{} // key ID -> retention.destroy records
	if l.LogDir != "" {
		err := auditlog.Scan(ctx, l.LogDir, auditlog.Filter{From: f.From}, func(e auditlog.Event) error {
			if e.Action == auditlog.ActionRetentionDestroy && e.Result == auditlog.ResultOK {
				destroyRecs[e.Object] = append(destroyRecs[e.Object], e.Seq)
				return nil
			}
			// The vault's record of a selective deletion ("deletion-N", "keys=…") is the
			// destruction's, not an opening: it goes with the destruction record of the
			// first key it names.
			if key := deletionKey(e); key != "" {
				destroyRecs[key] = append(destroyRecs[key], e.Seq)
				return nil
			}
			if !Belongs(e) {
				return nil
			}
			r := parseRefs(e.Detail)
			k := groupKey(e, r)
			g := groups[k]
			if g == nil {
				g = &group{}
				groups[k] = g
				order = append(order, k)
			}
			g.recs = append(g.recs, e)
			if g.refs.request == 0 {
				g.refs.request = r.request
			}
			if g.refs.provision == 0 {
				g.refs.provision = r.provision
			}
			if g.refs.opening == "" {
				g.refs.opening = r.opening
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	var dests []custodian.Destruction
	if l.Destructions != nil {
		var err error
		if dests, err = l.Destructions.Destructions(ctx, f.From, time.Time{}); err != nil {
			return nil, err
		}
	}
	var rows []*row
	// Requests: one row each; the openings made for a request are part of its row.
	byRequest := map[int64]*row{}
	if l.Requests != nil {
		reqs, err := l.Requests.Requests(ctx, false)
		if err != nil {
			return nil, err
		}
		for i := range reqs {
			r := requestRow(x, &reqs[i])
			byRequest[reqs[i].ID] = r
			rows = append(rows, r)
		}
	}
	// Provisions: one row each; the openings that delivered one are part of its row.
	byProvision := map[int64]*row{}
	if l.Provisions != nil {
		ps, err := l.Provisions.Provisions(ctx, custodian.ProvisionFilter{})
		if err != nil {
			return nil, err
		}
		for i := range ps {
			r := provisionRow(x, &ps[i])
			byProvision[ps[i].ID] = r
			rows = append(rows, r)
		}
	}
	for _, k := range order {
		g := groups[k]
		if pr := byProvision[g.refs.provision]; g.refs.provision != 0 && pr != nil {
			attach(x, pr, g)
			continue
		}
		if rr := byRequest[g.refs.request]; g.refs.request != 0 && rr != nil {
			attach(x, rr, g)
			continue
		}
		rows = append(rows, openingRow(x, purposes, g))
	}
	// A deletion on a data subject's request names its destruction records: their rows
	// name the request.
	forRequest := map[int64]int64{}
	for id, r := range byRequest {
		if q := r.deletion; q != nil {
			for _, d := range q.Destructions {
				forRequest[d] = id
			}
		}
	}
	for i := range dests {
		r := destructionRow(x, &dests[i], destroyRecs[dests[i].KeyID])
		r.Source.Request = forRequest[dests[i].ID]
		rows = append(rows, r)
	}
	for _, r := range rows {
		if r.Cameras == nil {
			r.Cameras = []custodian.LedgerCamera{}
		}
		r.Destroyed = destroyed(r, dests)
		slices.Sort(r.Source.Records)
	}
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := rows[i], rows[j]
		if !a.At.Equal(b.At) {
			return a.At.Before(b.At)
		}
		return slices.Index(custodian.LedgerTypes, a.Type) < slices.Index(custodian.LedgerTypes, b.Type)
	})
	out := []custodian.LedgerRow{}
	for _, r := range rows {
		if !f.Match(&r.LedgerRow, r.actors...) {
			continue
		}
		r.No = len(out) + 1
		out = append(out, r.LedgerRow)
	}
	return out, nil
}

// Forms of use, as the ledger words them.
var forms = map[string]string{
	custodian.UseLive:      "실시간 모니터링 (화면 열람)",
	custodian.UsePlayback:  "녹화 영상 재생 (화면 열람)",
	custodian.UseExport:    "사본 반출 (파일)",
	custodian.UseView:      "현장 열람",
	custodian.UseDownload:  "사본 내려받기 (파일)",
	custodian.UseDelete:    "삭제",
	custodian.UseProvision: "실시간 제공",
}

// formatOf is the file format of a use: a file for exports and downloads, none for what is
// only shown.
func formatOf(use string) string {
	switch use {
	case custodian.UseExport, custodian.UseDownload:
		return "MP4"
	case custodian.UseDelete:
		return ""
	}
	return "화면 표시 (파일 없음)"
}

func useOf(action string) string { return strings.TrimPrefix(action, "footage.") }

// openingRow is the row of an opening that belongs to no listed request: a use by staff, a
// provision, or (when the request is not known to the ledger) a request's delivery.
func openingRow(x *custodian.Index, purposes []custodian.Purpose, g *group) *row {
	first := g.recs[0]
	use := useOf(first.Action)
	r := &row{}
	r.Type = custodian.LedgerUse
	switch {
	case g.refs.provision != 0 || use == custodian.UseProvision:
		r.Type = custodian.LedgerProvision
	case g.refs.request != 0:
		r.Type = custodian.LedgerRequest
	}
	r.At = first.Time
	r.File = first.Object
	r.Format = formatOf(use)
	r.Staff = first.Actor
	r.Purpose = first.Purpose
	r.Form = forms[use]
	r.LegalBasis = basisOf(purposes, first.Purpose)
	r.Source = custodian.LedgerSource{Opening: g.refs.opening, Request: g.refs.request, Provision: g.refs.provision}
	var cams []string
	for _, e := range g.recs {
		r.Source.Records = append(r.Source.Records, e.Seq)
		if e.Camera != "" && !slices.Contains(cams, e.Camera) {
			cams = append(cams, e.Camera)
		}
		if !slices.Contains(r.actors, e.Actor) {
			r.actors = append(r.actors, e.Actor)
		}
		if !e.From.IsZero() && (r.From.IsZero() || e.From.Before(r.From)) {
			r.From = e.From
		}
		if e.To.After(r.To) {
			r.To = e.To
		}
	}
	if r.From.IsZero() {
		r.From = first.Time // live view: from the opening on
	}
	slices.Sort(cams)
	r.Cameras = cameras(x, cams)
	retention(x, &r.LedgerRow)
	return r
}

// attach makes an opening part of its request's row.
func attach(x *custodian.Index, r *row, g *group) {
	for _, e := range g.recs {
		r.Source.Records = append(r.Source.Records, e.Seq)
		if !slices.Contains(r.actors, e.Actor) {
			r.actors = append(r.actors, e.Actor)
		}
		if e.Camera != "" && !slices.ContainsFunc(r.Cameras, func(c custodian.LedgerCamera) bool { return c.ID == e.Camera }) {
			r.Cameras = append(r.Cameras, cameras(x, []string{e.Camera})...)
		}
	}
	first := g.recs[0]
	use := useOf(first.Action)
	if r.Staff == "" {
		r.Staff = first.Actor
	}
	if f := forms[use]; !strings.Contains(r.Form, f) {
		r.Form += ", " + f
	}
	if use == custodian.UseExport || use == custodian.UseDownload {
		if r.File == "" {
			r.File, r.Format = first.Object, "MP4"
		} else if !strings.Contains(r.File, first.Object) {
			r.File += ", " + first.Object
		}
	}
	if r.Source.Opening == "" {
		r.Source.Opening = g.refs.opening
	}
	retention(x, &r.LedgerRow)
}

// requestRow is the row of a data subject's request.
func requestRow(x *custodian.Index, q *custodian.SubjectRequest) *row {
	r := &row{}
	r.Type = custodian.LedgerRequest
	r.At = q.Filed
	r.Purpose = q.Purpose
	r.Party = q.Name
	if q.Relationship != "" {
		r.Party += " (대리인: " + q.Relationship + ")"
	}
	kind := custodian.RequestKindNames[q.Kind][0]
	if kind == "" {
		kind = q.Kind
	}
	channel := map[string]string{"portal": "누리집", "desk": "방문·우편·전화"}[q.Channel]
	if channel == "" {
		channel = q.Channel
	}
	r.Form = kind + " 청구 (" + channel + ")"
	switch q.Kind {
	case custodian.RequestDeletion:
		r.LegalBasis = "「개인정보 보호법」 제36조"
	default:
		r.LegalBasis = "「개인정보 보호법」 제35조"
	}
	r.Decision = decision(q)
	r.Staff = q.DecidedBy
	for _, a := range []string{q.DecidedBy, q.ClosedBy} {
		if a != "" && !slices.Contains(r.actors, a) {
			r.actors = append(r.actors, a)
		}
	}
	if q.Delivery != nil && q.Delivery.Export != "" {
		r.File, r.Format = q.Delivery.Export, "MP4"
	}
	r.From, r.To = q.From, q.To
	if q.Camera != "" {
		r.Cameras = cameras(x, []string{q.Camera})
	} else if q.Place != "" {
		r.Cameras = []custodian.LedgerCamera{{Location: q.Place}}
	}
	r.Source.Request = q.ID
	r.deletion = q.Deletion
	retention(x, &r.LedgerRow)
	return r
}

func decision(q *custodian.SubjectRequest) string {
	status := custodian.RequestStatusNames[q.Status][0]
	if status == "" {
		status = q.Status
	}
	if q.Decision == "" {
		return status
	}
	d := custodian.DecisionNames[q.Decision][0]
	if d == "" {
		d = q.Decision
	}
	var grounds []string
	for _, id := range q.Grounds {
		if g := custodian.Ground(id); g != nil {
			grounds = append(grounds, g.Article+" ("+g.Ko+")")
		} else {
			grounds = append(grounds, id)
		}
	}
	if len(grounds) > 0 {
		d += " — " + strings.Join(grounds, "; ")
	}
	if !q.Decided.IsZero() {
		d += " " + kst(q.Decided)
	}
	return d + " (" + status + ")"
}

func kst(t time.Time) string { return t.In(custodian.KST).Format("2006-01-02 15:04") }

// provisionRow is the row of a provision to a third party (제공) or a use beyond purpose
// (목적 외 이용, a use).
func provisionRow(x *custodian.Index, p *custodian.Provision) *row {
	r := &row{}
	r.Type = custodian.LedgerProvision
	if p.Kind == custodian.ProvisionOtherUse {
		r.Type = custodian.LedgerUse
	}
	r.At = p.Filed
	r.Purpose = p.Purpose
	party := []string{p.Agency}
	for _, s := range []string{p.Department, p.Officer} {
		if s != "" {
			party = append(party, s)
		}
	}
	r.Party = strings.Join(party, " ")
	if p.LetterNo != "" {
		r.Party += " (공문 " + p.LetterNo + ")"
	}
	if g := custodian.ProvisionGroundOf(p.Ground); g != nil {
		r.LegalBasis = g.Name("ko")
	}
	if p.Basis != "" {
		r.LegalBasis = strings.TrimSpace(r.LegalBasis + "; " + p.Basis)
	}
	kind := custodian.ProvisionKindNames[p.Kind][0]
	form := custodian.ProvisionFormNames[p.Form][0]
	if form == "" {
		form = p.Form
	}
	r.Form = strings.TrimSpace(kind + ": " + form)
	r.Staff = firstOf(p.DeliveredBy, p.DecidedBy, p.FiledBy)
	for _, a := range []string{p.FiledBy, p.DecidedBy, p.DeliveredBy} {
		if a != "" && !slices.Contains(r.actors, a) {
			r.actors = append(r.actors, a)
		}
	}
	status := custodian.ProvisionStatusNames[p.Status][0]
	if status == "" {
		status = p.Status
	}
	d := status
	if !p.Decided.IsZero() {
		d += " — " + firstOf(p.DeciderName, p.DecidedBy) + " " + kst(p.Decided)
	}
	if p.RefusalReason != "" {
		d += " (" + p.RefusalReason + ")"
	}
	if !p.Delivered.IsZero() {
		d += "; 제공 " + kst(p.Delivered)
	}
	r.Decision = d

	if p.ExportID != "" {
		r.File, r.Format = p.ExportID, "MP4"
	}
	r.From, r.To = p.From, p.To
	r.Cameras = cameras(x, p.Cameras)
	r.Source = custodian.LedgerSource{Provision: p.ID, Opening: p.Opening}
	retention(x, &r.LedgerRow)
	return r
}

func firstOf(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// destructionRow is the row of one entry of the destruction record; recs are the
// access-log records of the destruction (retention.destroy of its key).
func destructionRow(x *custodian.Index, d *custodian.Destruction, recs []uint64) *row {
	r := &row{}
	r.Type = custodian.LedgerDestruction
	r.At = d.At
	r.File = fmt.Sprintf("암호키 %s (세그먼트 %d개, %s)", d.KeyID, d.Segments, custodian.ByteSize(d.Bytes))
	r.Format = "MP4 (암호화)"
	r.Staff = d.Actor
	r.actors = []string{d.Actor}
	r.Purpose = d.Reason
	r.Form = d.Method
	if strings.HasPrefix(d.Actor, "system:") {
		r.Form += " — 자동 파기 주기"
	}
	r.From, r.To = d.From, d.To
	if d.Camera != "" {
		r.Cameras = cameras(x, []string{d.Camera})
	}
	r.Source = custodian.LedgerSource{Destruction: d.ID, Records: slices.Clone(recs)}
	retention(x, &r.LedgerRow)
	return r
}

// cameras looks the cameras up in the registry: site and place.
func cameras(x *custodian.Index, ids []string) []custodian.LedgerCamera {
	out := make([]custodian.LedgerCamera, 0, len(ids))
	for _, id := range ids {
		c := custodian.LedgerCamera{ID: id}
		if x != nil {
			if g := x.FootageGroup(id); g != nil {
				_, site := x.CameraGroup(g.ID)
				c.Site, c.SiteName = site, x.SiteName(site)
				if cam, _ := x.Camera(id); cam != nil && cam.Location != "" {
					c.Location = cam.Location
				} else if g.Area != "" || len(g.Locations) > 0 {
					c.Location = strings.TrimSpace(g.Area + " " + strings.Join(g.Locations, ", "))
				}
			}
		}
		out = append(out, c)
	}
	return out
}

// retention fills the retention period and the planned destruction of a row's footage
// from its cameras' retention classes: the footage's last day plus the period.
func retention(x *custodian.Index, r *custodian.LedgerRow) {
	if x == nil {
		return
	}
	last := r.To
	if last.IsZero() {
		last = r.From
	} else {
		last = last.Add(-time.Nanosecond)
	}
	if last.IsZero() {
		return
	}
	var periods []string
	var planned time.Time
	for _, c := range r.Cameras {
		if c.ID == "" {
			continue
		}
		g := x.FootageGroup(c.ID)
		if g == nil {
			continue
		}
		rc := x.RetentionClass(g.RetentionClass)
		if rc == nil {
			continue
		}
		if p := rc.PeriodKorean(); !slices.Contains(periods, p) {
			periods = append(periods, p)
		}
		if t := custodian.RetentionOf(rc).Expires(custodian.DateOf(last)); t.After(planned) {
			planned = t
		}
	}
	r.Retention = strings.Join(periods, ", ")
	r.PlannedDestruction = planned
}

// basisOf is the legal basis of a stated purpose ("<name>", "<name> — <text>"): the
// registry purpose's basis; "" for 기타 or a purpose no longer in the registry.
func basisOf(purposes []custodian.Purpose, purpose string) string {
	name, _, _ := strings.Cut(purpose, " — ")
	for _, p := range purposes {
		if p.Name == name {
			return publish.BasisText(p.Basis)
		}
	}
	return ""
}

// destroyed is when the footage of a row was destroyed: the latest destruction record of
// each of its cameras that overlaps its period, when every camera has one; zero otherwise.
func destroyed(r *row, dests []custodian.Destruction) time.Time {
	if r.Type == custodian.LedgerDestruction {
		return r.At
	}
	from, to := r.From, r.To
	if to.IsZero() {
		to = from.Add(time.Nanosecond)
	}
	if from.IsZero() || len(r.Cameras) == 0 {
		return time.Time{}
	}
	var latest time.Time
	for _, c := range r.Cameras {
		if c.ID == "" {
			return time.Time{}
		}
		var t time.Time
		for _, d := range dests {
			if d.Camera == c.ID && d.From.Before(to) && d.To.After(from) && d.At.After(t) {
				t = d.At
			}
		}
		if t.IsZero() {
			return time.Time{}
		}
		if t.After(latest) {
			latest = t
		}
	}
	return latest
}

// ParseFilter reads a filter as the CLI and the console give it: from and to as dates
// (YYYY-MM-DD, KST; to includes its day) or RFC 3339 times, the type by its name (use,
// provision, request, destruction) or its Korean name, a camera ID and a staff member.
func ParseFilter(from, to, typ, camera, staff string) (custodian.LedgerFilter, error) {
	var f custodian.LedgerFilter
	parse := func(name, v string, end bool) (time.Time, error) {
		v = strings.TrimSpace(v)
		if v == "" {
			return time.Time{}, nil
		}
		if d, err := custodian.ParseDate(v); err == nil {
			if end {
				d = d.AddDays(1)
			}
			return d.Time(), nil
		}
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			return t, custodian.Errorf(custodian.EINVALID, "%s %q는 날짜(YYYY-MM-DD)나 RFC 3339 시각이 아닙니다", "%s %q is not a date (YYYY-MM-DD) or an RFC 3339 time", name, custodian.Clip(v, 64))
		}
		return t, nil
	}
	var err error
	if f.From, err = parse("from", from, false); err != nil {
		return f, err
	}
	if f.To, err = parse("to", to, true); err != nil {
		return f, err
	}
	f.Type = strings.TrimSpace(typ)
	for t, n := range custodian.LedgerTypeNames {
		if f.Type == n[0] {
			f.Type = t
		}
	}
	f.Camera, f.Staff = strings.TrimSpace(camera), strings.TrimSpace(staff)
	return f, f.Check()
}

// Conditions describes a filter's selections other than its period, in Korean (for the
// printed ledger's head): "구분: 파기, 카메라: lobby-1".
func Conditions(f custodian.LedgerFilter) string {
	var c []string
	if f.Type != "" {
		c = append(c, "구분: "+custodian.LedgerTypeNames[f.Type][0])
	}
	if f.Camera != "" {
		c = append(c, "카메라: "+f.Camera)
	}
	if f.Staff != "" {
		c = append(c, "담당자: "+f.Staff)
	}
	return strings.Join(c, ", ")
}
