package web

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"custodian"
	"custodian/auth"
	"custodian/export"
	"custodian/pdf"
	"custodian/requests"
)

// The console's side of data-subject requests (docs/design/requests.md): intake at the
// desk, the request page with its steps (hold, identity, postponement, decision, existence
// answer, deletion, on-site viewing, copy, closing), the notices, and the JSON API beside
// them. The workflow is package requests; every step here is its call.

// Copies of footage given to requesters: how long the download link works and how often.
const (
	CopyLinkLife = 7 * 24 * time.Hour
	CopyLinkUses = 3
)

// requestSteps are the steps of the request page, with the action each needs over the
// request's cameras.
var requestSteps = map[string]auth.Action{
	"preserve":  auth.RequestsDecide,
	"identify":  auth.RequestsDecide,
	"postpone":  auth.RequestsDecide,
	"decide":    auth.RequestsDecide,
	"existence": auth.RequestsDecide,
	"delete":    auth.FootageDelete,
	"explain":   auth.RequestsDecide,
	"view":      auth.FootagePlayback,
	"copy":      auth.FootageExport,
	"close":     auth.RequestsDecide,
	"withdraw":  auth.RequestsDecide,
}

// workflow returns the request workflow: the console's, or one over its stores, vault and
// access log with the default configuration (EUNAVAILABLE without a request store).
func (s *Server) workflow() (*requests.Service, error) {
	if s.Console == nil || (s.Console.Workflow == nil && (s.Console.Requests == nil || s.Console.Log == nil)) {
		return nil, custodian.Errorf(custodian.EUNAVAILABLE, "청구 처리가 설정되지 않았습니다", "request handling is not configured")
	}
	if s.Console.Workflow != nil {
		return s.Console.Workflow, nil
	}
	wf := &requests.Service{Store: s.Console.Requests, Registry: s.Registry, Door: s.door(), Log: s.Console.Log, Now: s.Now}
	if v := s.Console.Vault; v != nil {
		wf.Holder, wf.Catalog, wf.Deleter = v, v, v
	}
	return wf, nil
}

// requestTarget is what a request is about, for grants: its cameras' targets (none: the
// whole organisation).
func (s *Server) requestTargets(ctx context.Context, q *custodian.SubjectRequest) []auth.Target {
	x, err := s.index(ctx)
	if err != nil {
		return []auth.Target{{}}
	}
	var out []auth.Target
	for _, cam := range q.Cameras() {
		if tg, err := targetOf(x, cam); err == nil {
			out = append(out, tg)
		}
	}
	if len(out) == 0 {
		out = []auth.Target{{}}
	}
	return out
}

// mayOn reports whether the caller may take action on every camera of q (a request that
// names none: over the whole organisation).
func (s *Server) mayOn(ctx context.Context, c *call, action auth.Action, q *custodian.SubjectRequest) bool {
	for _, tg := range s.requestTargets(ctx, q) {
		if !c.can(action, tg) {
			return false
		}
	}
	return true
}

// mayRead reports whether the caller may read q: requests.read over every camera of it; a
// request that names no camera (a place, not yet matched to cameras) is read by whoever
// has requests.read anywhere, so that it is handled.
func (s *Server) mayRead(ctx context.Context, c *call, q *custodian.SubjectRequest) bool {
	if len(q.Cameras()) == 0 {
		return auth.CanSome(c.grants, auth.RequestsRead, c.now)
	}
	return s.mayOn(ctx, c, auth.RequestsRead, q)
}

// requestFor returns the request of the path's {id} if the caller may read it; another
// one is "not found", as it would be outside the caller's scope.
func (s *Server) requestFor(ctx context.Context, c *call, id string) (*custodian.SubjectRequest, error) {
	wf, err := s.workflow()
	if err != nil {
		return nil, err
	}
	n, err := atoiID(id, t(c.lang, "청구 번호", "request number"))
	if err != nil {
		return nil, err
	}
	q, err := wf.Store.Request(ctx, n)
	if err != nil {
		return nil, err
	}
	if !s.mayRead(ctx, c, q) {
		return nil, custodian.Errorf(custodian.ENOTFOUND, "청구 %d이(가) 없습니다", "there is no request %d", n)
	}
	return q, nil
}

func (c *call) requestActor() requests.Actor {
	name := c.actor()
	if c.acct != nil && c.acct.Name != "" {
		name = c.acct.Username
	}
	return requests.Actor{Name: name, Source: c.source}
}

// requestStepInput is a step's input, from the form or the JSON body.
type requestStepInput struct {
	Cameras      []string `json:"cameras"`
	Method       string   `json:"method"`
	Note         string   `json:"note"`
	Reason       string   `json:"reason"`
	Until        string   `json:"until"`
	NotifiedHow  string   `json:"notified_how"`
	Decision     string   `json:"decision"`
	Grounds      []string `json:"grounds"`
	Objection    string   `json:"objection"`
	Text         string   `json:"text"`
	Attendee     string   `json:"attendee"`
	Fee          string   `json:"fee"`
	Passphrase   string   `json:"passphrase"`
	ConfirmWords string   `json:"confirm"`
}

func stepInputOf(r *http.Request) requestStepInput {
	r.ParseForm()
	f := r.PostForm
	return requestStepInput{Cameras: f["camera"], Method: f.Get("method"), Note: f.Get("note"), Reason: f.Get("reason"), Until: f.Get("until"),
		NotifiedHow: f.Get("notified_how"), Decision: f.Get("decision"), Grounds: f["ground"], Objection: f.Get("objection"), Text: f.Get("text"),
		Attendee: f.Get("attendee"), Fee: f.Get("fee"), Passphrase: f.Get("passphrase"), ConfirmWords: f.Get("confirm")}
}

// stepResult is what a step leaves for the caller: the request, and for an on-site viewing
// the ticket to open, for a copy the export being made.
type stepResult struct {
	Request *custodian.SubjectRequest
	Ticket  *viewTicket
	Export  string
}

// requestStep runs one step of the workflow on q for the caller.
func (s *Server) requestStep(ctx context.Context, c *call, q *custodian.SubjectRequest, step string, in requestStepInput) (*stepResult, error) {
	action, ok := requestSteps[step]
	if !ok {
		return nil, custodian.Errorf(custodian.ENOTFOUND, "청구 처리 단계 %q가 없습니다", "there is no request step %q", custodian.Clip(step, 32))
	}
	if !s.mayOn(ctx, c, action, q) {
		return nil, custodian.Errorf(custodian.EUNAUTHORIZED, "이 청구에 대해 %s 권한이 없습니다", "you may not do this on this request (%s)", string(action))
	}
	wf, err := s.workflow()
	if err != nil {
		return nil, err
	}
	a := c.requestActor()
	res := &stepResult{}
	switch step {
	case "preserve":
		res.Request, err = wf.Preserve(ctx, q.ID, in.Cameras, a)
	case "identify":
		res.Request, err = wf.Identify(ctx, q.ID, custodian.IdentityCheck{By: c.acct.Name, Method: in.Method, At: c.now, Note: in.Note}, a)
	case "postpone":
		until, perr := custodian.ParseDate(strings.TrimSpace(in.Until))
		if perr != nil {
			return nil, custodian.Errorf(custodian.EINVALID, "연기한 기한 %q가 날짜(YYYY-MM-DD)가 아닙니다", "the new due date %q is not a date (YYYY-MM-DD)", custodian.Clip(in.Until, 32))
		}
		res.Request, err = wf.Postpone(ctx, q.ID, in.Reason, until, in.NotifiedHow, c.now, a)
	case "decide":
		res.Request, err = wf.Decide(ctx, q.ID, in.Decision, in.Grounds, in.Note, in.Objection, a)
	case "existence":
		res.Request, err = wf.AnswerExistence(ctx, q.ID, a)
	case "delete":
		if strings.TrimSpace(in.ConfirmWords) != q.Code {
			return nil, custodian.Errorf(custodian.EINVALID, "삭제는 되돌릴 수 없습니다: 확인란에 접수 번호 %s를 적으십시오", "deletion cannot be undone: type the tracking code %s to confirm", q.Code)
		}
		res.Request, err = wf.Delete(ctx, q.ID, a)
	case "explain":
		res.Request, err = wf.ExplainNoDeletion(ctx, q.ID, in.Text, a)
	case "view":
		return s.openViewing(ctx, c, q, in)
	case "copy":
		return s.startCopy(ctx, c, q, in)
	case "close":
		res.Request, err = wf.Close(ctx, q.ID, a)
	case "withdraw":
		res.Request, err = wf.Withdraw(ctx, q.ID, in.Reason, a)
	}
	return res, err
}

// fee reads a fee in won ("" is 0).
func fee(s string) (int64, error) {
	s = strings.ReplaceAll(strings.TrimSpace(s), ",", "")
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || n > 10_000_000 {
		return 0, custodian.Errorf(custodian.EINVALID, "수수료 %q는 0 이상 1,000만 이하의 원 단위 숫자여야 합니다", "the fee %q must be a number of won from 0 to 10,000,000", custodian.Clip(s, 32))
	}
	return n, nil
}

// requestPurpose is the purpose an opening for a request is logged with.
func requestPurpose(q *custodian.SubjectRequest) string {
	return fmt.Sprintf("정보주체 %s 청구 (청구 %s)", custodian.RequestKindNames[q.Kind][0], q.Code)
}

// openViewing opens an on-site viewing of the request's footage (through the door, use
// "view", tied to the request) with the staff member present, records it as the delivery,
// and returns the viewing's ticket.
func (s *Server) openViewing(ctx context.Context, c *call, q *custodian.SubjectRequest, in requestStepInput) (*stepResult, error) {
	wf, err := s.workflow()
	if err != nil {
		return nil, err
	}
	cams := q.Cameras()
	if len(cams) == 0 {
		return nil, custodian.Errorf(custodian.EINVALID, "청구에 카메라가 정해지지 않았습니다: 먼저 보존 조치로 카메라를 정하십시오", "the request names no camera: choose its cameras with the hold step first")
	}
	if err := q.CanDeliver(); err != nil {
		return nil, err
	}
	f, err := fee(in.Fee)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(in.Attendee) == "" {
		return nil, custodian.Errorf(custodian.EINVALID, "현장 열람에 입회하는 직원을 적으십시오", "name the staff member present at the viewing")
	}
	purpose := requestPurpose(q)
	tk := &viewTicket{ID: token(), Session: c.sess.ID, Account: c.acct.ID, Kind: "playback", Use: custodian.UseView, Request: q.ID, Cameras: cams,
		From: q.From, To: q.To, Purpose: purpose, Opened: c.now, Expires: c.now.Add(ViewTicketLife)}
	a := c.access(custodian.UseView, cams, q.From, q.To, purpose, "view:"+tk.ID[:12], "attendee="+strings.TrimSpace(in.Attendee))
	a.Request = q.ID
	if _, err := s.door().Open(ctx, a); err != nil {
		return nil, err
	}
	p, err := wf.Deliver(ctx, q.ID, custodian.Delivery{Viewing: &custodian.Viewing{Attendee: in.Attendee, At: c.now}}, f, c.requestActor())
	if err != nil {
		return nil, err
	}
	s.views.add(tk)
	return &stepResult{Request: p, Ticket: tk}, nil
}

// ---- Copies: signed exports made in the background, with progress ----

// copyJob is a copy being made for a request.
type copyJob struct {
	Export   string
	Started  time.Time
	Progress export.Progress
	Done     bool
	Err      error
}

// copyJobs are the copies being made, by what they are for: "request:N", "provision:N".
type copyJobs struct {
	mu sync.Mutex
	m  map[string]*copyJob
}

func (j *copyJobs) get(id string) *copyJob {
	j.mu.Lock()
	defer j.mu.Unlock()
	if x := j.m[id]; x != nil {
		c := *x
		return &c
	}
	return nil
}

func (j *copyJobs) update(id string, f func(*copyJob)) {
	j.mu.Lock()
	defer j.mu.Unlock()
	if x := j.m[id]; x != nil {
		f(x)
	}
}

// start registers a job for id; false when one is already running.
func (j *copyJobs) start(id string, job *copyJob) bool {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.m == nil {
		j.m = map[string]*copyJob{}
	}
	if x := j.m[id]; x != nil && !x.Done {
		return false
	}
	j.m[id] = job
	return true
}

func requestJob(id int64) string { return "request:" + strconv.FormatInt(id, 10) }

// exportIDOf is the export ID of a request's copy: the same for every attempt, so that an
// interrupted copy resumes (export.Build keeps the MP4s already written).
func exportIDOf(q *custodian.SubjectRequest) string {
	return "req-" + strings.ToLower(strings.ReplaceAll(q.Code, "-", ""))
}

// startCopy opens the request's footage for export through the door and builds the signed
// package in the background; when it is done the export is recorded, a download link is
// made and the delivery is recorded. The request page shows its progress.
func (s *Server) startCopy(ctx context.Context, c *call, q *custodian.SubjectRequest, in requestStepInput) (*stepResult, error) {
	if s.Console.Exports == nil || s.Console.ExportDir == "" || len(s.Console.SigningKey) == 0 {
		return nil, custodian.Errorf(custodian.EUNAVAILABLE, "사본 반출이 설정되지 않았습니다", "copies are not configured on this server")
	}
	cams := q.Cameras()
	if len(cams) == 0 {
		return nil, custodian.Errorf(custodian.EINVALID, "청구에 카메라가 정해지지 않았습니다: 먼저 보존 조치로 카메라를 정하십시오", "the request names no camera: choose its cameras with the hold step first")
	}
	if err := q.CanDeliver(); err != nil {
		return nil, err
	}
	f, err := fee(in.Fee)
	if err != nil {
		return nil, err
	}
	reg, err := s.registry(ctx)
	if err != nil {
		return nil, err
	}
	var pass []byte
	if p := strings.TrimSpace(in.Passphrase); p != "" {
		if len([]rune(p)) < 8 {
			return nil, custodian.Errorf(custodian.EINVALID, "사본을 잠글 암호는 8자 이상이어야 합니다 (청구인에게 따로 알립니다)", "the passphrase of the copy must have at least 8 characters (tell it to the requester separately)")
		}
		pass = []byte(p)
	}
	id := exportIDOf(q)
	if _, err := s.Console.Exports.Export(ctx, id); err == nil {
		return nil, custodian.Errorf(custodian.ECONFLICT, "청구 %s의 사본은 이미 만들어졌습니다 (%s)", "the copy of request %s was already made (%s)", q.Code, id)
	}
	job := &copyJob{Export: id, Started: c.now}
	if !s.copies.start(requestJob(q.ID), job) {
		return nil, custodian.Errorf(custodian.ECONFLICT, "청구 %s의 사본을 만드는 중입니다", "the copy of request %s is being made", q.Code)
	}
	purpose := requestPurpose(q)
	a := c.access(custodian.UseExport, cams, q.From, q.To, purpose, id, "copy for the requester")
	spec := export.Spec{ID: id, Organisation: reg.Organisation.Name, Request: q.ID, Recipient: q.Name, LegalGround: "개인정보 보호법 제35조 (개인정보의 열람)",
		Purpose: purpose, Cameras: cams, From: q.From, To: q.To, ExportedBy: c.actor(), ApprovedBy: q.DecidedBy}
	out := filepath.Join(s.Console.ExportDir, id+".zip")
	actor := c.requestActor()
	go func() {
		ctx := context.WithoutCancel(ctx)
		err := s.makeCopy(ctx, q, a, spec, out, pass, f, actor)
		s.copies.update(requestJob(q.ID), func(j *copyJob) { j.Done, j.Err = true, err })
		if err != nil {
			s.Logger.Warn("request copy", "request", q.ID, "export", id, "err", err)
		}
	}()
	return &stepResult{Request: q, Export: id}, nil
}

func (s *Server) makeCopy(ctx context.Context, q *custodian.SubjectRequest, a custodian.FootageAccess, spec export.Spec, out string, pass []byte, fee int64, ra requests.Actor) error {
	wf, err := s.workflow()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(s.Console.ExportDir, 0o700); err != nil {
		return err
	}
	e, _, err := export.Make(ctx, s.door(), s.Console.Exports, a, spec, s.Console.SigningKey, out, export.Options{Passphrase: pass, Now: s.Now,
		Progress: func(p export.Progress) { s.copies.update(requestJob(q.ID), func(j *copyJob) { j.Progress = p }) }})
	if err != nil {
		return err
	}
	if _, err := s.newCopyLink(ctx, e.ID, a.Actor); err != nil {
		return err
	}
	_, err = wf.Deliver(ctx, q.ID, custodian.Delivery{Export: e.ID}, fee, ra)
	return err
}

// newCopyLink makes a download link to an export. Its token is derived from the server's
// link key, the export and the link's creation time, so that the requester's status page
// (reached with the tracking code) can show it again; only its SHA-256 is stored.
func (s *Server) newCopyLink(ctx context.Context, export, by string) (*custodian.DownloadLink, error) {
	l, _, err := custodian.NewDownloadLink(export, CopyLinkLife, CopyLinkUses, by, s.Now())
	if err != nil {
		return nil, err
	}
	l.TokenSHA256 = custodian.TokenHash(s.linkToken(l))
	if err := s.Console.Exports.CreateDownloadLink(ctx, l); err != nil {
		return nil, err
	}
	return l, nil
}

// linkToken is the token of a link made by newCopyLink.
func (s *Server) linkToken(l *custodian.DownloadLink) string {
	key := sha256.Sum256(append([]byte("custodian download link key\x00"), s.Console.SigningKey.Seed()...))
	m := hmac.New(sha256.New, key[:])
	fmt.Fprintf(m, "%s\x00%d", l.Export, l.Created.UnixNano())
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// copyLinks are a request's copy download links that still work, with their URLs.
type copyLink struct {
	URL     string
	Expires time.Time
	Left    int
}

func (s *Server) copyLinks(ctx context.Context, q *custodian.SubjectRequest, now time.Time) []copyLink {
	if q.Delivery == nil {
		return nil
	}
	return s.linksOf(ctx, q.Delivery.Export, now)
}

// linksOf are the working download links of an export made in the console (newCopyLink),
// with their URLs.
func (s *Server) linksOf(ctx context.Context, export string, now time.Time) []copyLink {
	if s.Console.Exports == nil || export == "" || len(s.Console.SigningKey) == 0 {
		return nil
	}
	ls, err := s.Console.Exports.DownloadLinks(ctx, export)
	if err != nil {
		return nil
	}
	var out []copyLink
	for i := range ls {
		l := &ls[i]
		if !now.Before(l.Expires) || l.Uses >= l.MaxUses {
			continue
		}
		tok := s.linkToken(l)
		if !hmac.Equal(custodian.TokenHash(tok), l.TokenSHA256) {
			continue // a link made otherwise (the CLI's): its token was given once
		}
		out = append(out, copyLink{URL: "/d/" + tok, Expires: l.Expires, Left: l.MaxUses - l.Uses})
	}
	return out
}

// ---- Pages ----

type requestPageData struct {
	Q         *custodian.SubjectRequest
	Events    []custodian.RequestEvent
	Today     custodian.Date
	Cameras   []camOption
	Grounds   []custodian.RefusalGround
	Methods   [][3]string
	Can       map[string]bool
	Notice    *custodian.RequestNotice
	Copy      *copyJob
	Links     []copyLink
	NoSelDel  bool
	Error     string
	Done      string
	TicketURL string
}

func (s *Server) requestPageData(ctx context.Context, c *call, q *custodian.SubjectRequest) *requestPageData {
	d := &requestPageData{Q: q, Today: custodian.DateOf(c.now), Can: map[string]bool{}, Copy: s.copies.get(requestJob(q.ID)), Links: s.copyLinks(ctx, q, c.now)}
	if wf, err := s.workflow(); err == nil {
		d.Events, _ = wf.Store.RequestEvents(ctx, q.ID)
	}
	for step, action := range requestSteps {
		d.Can[step] = s.mayOn(ctx, c, action, q)
	}
	for _, g := range custodian.RefusalGrounds {
		if slices.Contains(g.Kinds, q.Kind) {
			d.Grounds = append(d.Grounds, g)
		}
	}
	for _, m := range []string{custodian.IdentityInPerson, custodian.IdentityVideoCall, custodian.IdentityDocuments} {
		n := custodian.IdentityMethodNames[m]
		d.Methods = append(d.Methods, [3]string{m, n[0], n[1]})
	}
	if reg, x, _, err := s.currentRegistry(ctx); err == nil {
		d.NoSelDel = reg.Requests.NoSelectiveDeletion
		if n, err := custodian.NoticeOf(q, reg.Organisation, c.now); err == nil {
			d.Notice = n
		}
		for _, cam := range camOptions(x) {
			if tg, err := targetOf(x, cam.ID); err == nil && c.can(auth.RequestsDecide, tg) {
				d.Cameras = append(d.Cameras, cam)
			}
		}
	}
	return d
}

func camOptions(x *custodian.Index) []camOption {
	var out []camOption
	cams, _ := x.Cameras()
	for _, cam := range cams {
		label := cam.ID
		if cam.Location != "" {
			label = cam.Location + " (" + cam.ID + ")"
		}
		out = append(out, camOption{cam.ID, label})
	}
	return out
}

func (s *Server) requestPage(w http.ResponseWriter, r *http.Request, c *call) {
	q, err := s.requestFor(r.Context(), c, r.PathValue("id"))
	if err != nil {
		s.failFor(w, r, c, err)
		return
	}
	d := s.requestPageData(r.Context(), c, q)
	d.Done = r.URL.Query().Get("done")
	s.renderFor(w, r, c, http.StatusOK, "request.html", t(c.lang, "청구", "Request")+" "+q.Code, d)
}

func (s *Server) requestStepPost(w http.ResponseWriter, r *http.Request, c *call) {
	q, err := s.requestFor(r.Context(), c, r.PathValue("id"))
	if err != nil {
		s.failFor(w, r, c, err)
		return
	}
	step := r.PathValue("step")
	res, err := s.requestStep(r.Context(), c, q, step, stepInputOf(r))
	if err != nil {
		if st := httpStatus(err); st == http.StatusBadRequest || st == http.StatusConflict {
			if fresh, ferr := s.requestFor(r.Context(), c, r.PathValue("id")); ferr == nil {
				q = fresh
			}
			d := s.requestPageData(r.Context(), c, q)
			d.Error = msgOf(c.lang, err)
			s.renderFor(w, r, c, st, "request.html", t(c.lang, "청구", "Request")+" "+q.Code, d)
			return
		}
		s.failFor(w, r, c, err)
		return
	}
	if res.Ticket != nil {
		http.Redirect(w, r, "/console/view/"+res.Ticket.ID, http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/console/requests/"+strconv.FormatInt(q.ID, 10)+"?done="+step, http.StatusSeeOther)
}

// deskInput is a request entered at the desk (or from a letter, a call, a fax).
func deskInputOf(r *http.Request) (requestInput, string, string, []string, string) {
	r.ParseForm()
	f := r.PostForm
	in := requestInput{Kind: f.Get("kind"), Name: f.Get("name"), Contact: f.Get("contact"), From: f.Get("from"), To: f.Get("to"), Place: f.Get("place"),
		Camera: f.Get("camera"), Purpose: f.Get("purpose"), OnBehalf: f.Get("on_behalf") == "1", Relationship: f.Get("relationship"), Consent: f.Get("consent") == "1"}
	return in, f.Get("channel"), f.Get("proxy_document"), f["hold_camera"], f.Get("received")
}

// fileAtDesk files a request taken by staff: the form's checks, the channel, the proxy's
// document, the receipt time of a letter, and the cameras to hold.
func (s *Server) fileAtDesk(ctx context.Context, c *call, in requestInput, channel, proxyDoc string, cams []string, received string) (*custodian.SubjectRequest, []fieldError, error) {
	wf, err := s.workflow()
	if err != nil {
		return nil, nil, err
	}
	reg, err := s.registry(ctx)
	if err != nil && custodian.ErrorCode(err) != custodian.ENOTFOUND {
		return nil, nil, err
	}
	q, errs := in.check(reg, c.now)
	if _, ok := custodian.RequestChannelNames[channel]; !ok || channel == custodian.ChannelPortal {
		errs = append(errs, fieldError{"channel", "접수 경로(방문·우편·전화·팩스)를 고르십시오", "choose the channel (desk, mail, phone, fax)"})
	}
	if in.OnBehalf {
		q.ProxyDocument = textField(&errs, "proxy_document", proxyDoc, 1, 100, "대리인이 제출한 서류(위임장 등)", "document the proxy showed (power of attorney)")
	}
	if strings.TrimSpace(received) != "" {
		at, ok := parseLocal(received)
		if !ok || at.After(c.now) || c.now.Sub(at) > 60*24*time.Hour {
			errs = append(errs, fieldError{"received", "접수 일시가 올바르지 않습니다 (지금 이전, 60일 이내)", "the receipt time is not valid (before now, within 60 days)"})
		}
		q.Filed = at
	}
	if len(errs) > 0 {
		return nil, errs, custodian.Errorf(custodian.EINVALID, "입력에 문제가 있습니다", "the form has problems")
	}
	for _, cam := range cams {
		tg, err := targetOf(reg.Index(), cam)
		if err != nil {
			return nil, nil, err
		}
		if !c.can(auth.RequestsDecide, tg) {
			return nil, nil, custodian.Errorf(custodian.EUNAUTHORIZED, "카메라 %s의 청구를 처리할 권한이 없습니다", "you may not handle requests for camera %s", cam)
		}
	}
	q.Channel = channel
	err = wf.File(ctx, q, cams, c.requestActor())
	if err != nil && q.ID == 0 {
		return nil, nil, err
	}
	// Filed but the hold failed: the request exists; the page says what went wrong.
	return q, nil, err
}

type deskData struct {
	requestFormData
	Channel, ProxyDocument, Received string
	Channels                         [][3]string
	HoldCameras                      []string
}

func (s *Server) deskData(ctx context.Context, c *call) deskData {
	d := deskData{requestFormData: s.requestFormData(ctx, c.lang)}
	for _, ch := range []string{custodian.ChannelDesk, custodian.ChannelMail, custodian.ChannelPhone, custodian.ChannelFax} {
		n := custodian.RequestChannelNames[ch]
		d.Channels = append(d.Channels, [3]string{ch, n[0], n[1]})
	}
	return d
}

func (s *Server) requestNewPage(w http.ResponseWriter, r *http.Request, c *call) {
	d := s.deskData(r.Context(), c)
	d.Channel = custodian.ChannelDesk
	d.In.Consent = true
	s.renderFor(w, r, c, http.StatusOK, "request_new.html", t(c.lang, "청구 접수 (방문·우편·전화)", "Enter a request (desk, mail, phone)"), d)
}

func (s *Server) requestNewPost(w http.ResponseWriter, r *http.Request, c *call) {
	in, channel, proxyDoc, cams, received := deskInputOf(r)
	q, errs, err := s.fileAtDesk(r.Context(), c, in, channel, proxyDoc, cams, received)
	if err != nil && q == nil {
		d := s.deskData(r.Context(), c)
		d.In, d.Errors, d.Channel, d.ProxyDocument, d.Received, d.HoldCameras = in, errs, channel, proxyDoc, received, cams
		for _, e := range errs {
			d.ErrorMap[e.Field] = t(c.lang, e.Ko, e.En)
		}
		if len(errs) == 0 {
			d.Error = msgOf(c.lang, err)
		}
		s.renderFor(w, r, c, httpStatus(err), "request_new.html", t(c.lang, "청구 접수 (방문·우편·전화)", "Enter a request (desk, mail, phone)"), d)
		return
	}
	done := "file"
	if err != nil {
		done = "file-nohold"
	}
	http.Redirect(w, r, "/console/requests/"+strconv.FormatInt(q.ID, 10)+"?done="+done, http.StatusSeeOther)
}

// requestNoticePDF is the notice of a request as PDF, for staff.
func (s *Server) requestNoticePDF(w http.ResponseWriter, r *http.Request, c *call) {
	q, err := s.requestFor(r.Context(), c, r.PathValue("id"))
	if err != nil {
		s.failFor(w, r, c, err)
		return
	}
	s.writeNotice(w, r, c, q, nil)
}

// publicNoticePDF is the notice of a request as PDF, for the requester (by tracking code),
// the name masked as on the status page.
func (s *Server) publicNoticePDF(w http.ResponseWriter, r *http.Request, c *call) {
	q, err := s.lookupRequest(r.Context(), c, r.PathValue("code"))
	if err != nil {
		s.failFor(w, r, c, err)
		return
	}
	n := s.publicNotice(r.Context(), q)
	if n == nil {
		s.failFor(w, r, c, custodian.Errorf(custodian.ENOTFOUND, "아직 통지서가 없습니다 (결정이나 연기 뒤에 나옵니다)", "there is no notice yet (there is one after a decision or a postponement)"))
		return
	}
	s.writeNotice(w, r, c, q, n)
}

func (s *Server) writeNotice(w http.ResponseWriter, r *http.Request, c *call, q *custodian.SubjectRequest, n *custodian.RequestNotice) {
	if n == nil {
		reg, err := s.registry(r.Context())
		if err != nil {
			s.failFor(w, r, c, err)
			return
		}
		if n, err = custodian.NoticeOf(q, reg.Organisation, q.Updated); err != nil {
			s.failFor(w, r, c, err)
			return
		}
	}
	b, err := pdf.Notice(n, pdf.Options{})
	if err != nil {
		s.failFor(w, r, c, err)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`inline; filename="notice-%s.pdf"`, q.Code))
	w.Write(b)
}

// ---- JSON ----

// requestJSON is a request as the API gives it to staff: the record, its history, its
// notice, its copy's progress and working links.
type requestJSON struct {
	Request *custodian.SubjectRequest `json:"request"`
	Events  []custodian.RequestEvent  `json:"events"`
	Notice  *custodian.RequestNotice  `json:"notice,omitempty"`
	Copy    *copyJobJSON              `json:"copy,omitempty"`
	Links   []copyLinkJSON            `json:"download_links,omitempty"`
	Ticket  string                    `json:"viewing_url,omitempty"`
}

type copyJobJSON struct {
	Export string `json:"export"`
	Camera string `json:"camera,omitempty"`
	Index  int    `json:"index"`
	Total  int    `json:"total"`
	Bytes  int64  `json:"bytes"`
	Done   bool   `json:"done"`
	Error  string `json:"error,omitempty"`
}

type copyLinkJSON struct {
	URL     string    `json:"url"`
	Expires time.Time `json:"expires"`
	Left    int       `json:"uses_left"`
}

func (s *Server) requestJSONOf(ctx context.Context, c *call, q *custodian.SubjectRequest) requestJSON {
	d := s.requestPageData(ctx, c, q)
	out := requestJSON{Request: q, Events: d.Events, Notice: d.Notice}
	if out.Events == nil {
		out.Events = []custodian.RequestEvent{}
	}
	if j := d.Copy; j != nil {
		out.Copy = &copyJobJSON{Export: j.Export, Camera: j.Progress.Camera, Index: j.Progress.Index, Total: j.Progress.Total, Bytes: j.Progress.Bytes, Done: j.Done}
		if j.Err != nil {
			out.Copy.Error = msgOf(c.lang, j.Err)
		}
	}
	for _, l := range d.Links {
		out.Links = append(out.Links, copyLinkJSON{l.URL, l.Expires, l.Left})
	}
	return out
}

func (s *Server) apiRequest(w http.ResponseWriter, r *http.Request, c *call) {
	q, err := s.requestFor(r.Context(), c, r.PathValue("id"))
	if err != nil {
		s.failFor(w, r, c, err)
		return
	}
	writeJSON(w, http.StatusOK, s.requestJSONOf(r.Context(), c, q))
}

func (s *Server) apiRequestStep(w http.ResponseWriter, r *http.Request, c *call) {
	q, err := s.requestFor(r.Context(), c, r.PathValue("id"))
	if err != nil {
		s.failFor(w, r, c, err)
		return
	}
	var in requestStepInput
	if err := readJSON(r, &in); err != nil {
		s.failFor(w, r, c, err)
		return
	}
	res, err := s.requestStep(r.Context(), c, q, r.PathValue("step"), in)
	if err != nil {
		s.failFor(w, r, c, err)
		return
	}
	if res.Request != nil {
		q = res.Request
	}
	out := s.requestJSONOf(r.Context(), c, q)
	if res.Ticket != nil {
		out.Ticket = "/console/view/" + res.Ticket.ID
	}
	status := http.StatusOK
	if res.Export != "" {
		status = http.StatusAccepted // the copy is being made: GET the request for its progress
	}
	writeJSON(w, status, out)
}

// deskJSON is a request entered by staff through the API.
type deskJSON struct {
	requestInput
	Channel       string   `json:"channel"`
	ProxyDocument string   `json:"proxy_document"`
	HoldCameras   []string `json:"hold_cameras"`
	Received      string   `json:"received"`
}

func (s *Server) apiRequestDesk(w http.ResponseWriter, r *http.Request, c *call) {
	var in deskJSON
	if err := readJSON(r, &in); err != nil {
		s.failFor(w, r, c, err)
		return
	}
	q, errs, err := s.fileAtDesk(r.Context(), c, in.requestInput, in.Channel, in.ProxyDocument, in.HoldCameras, in.Received)
	if err != nil && q == nil {
		if len(errs) > 0 {
			fields := map[string]any{}
			for _, e := range errs {
				fields[e.Field] = t(c.lang, e.Ko, e.En)
			}
			writeJSONErrorFields(w, c.lang, http.StatusBadRequest, err, fields)
			return
		}
		s.failFor(w, r, c, err)
		return
	}
	out := s.requestJSONOf(r.Context(), c, q)
	if err != nil {
		writeJSON(w, http.StatusCreated, map[string]any{"request": out.Request, "events": out.Events, "warning": msgOf(c.lang, err)})
		return
	}
	writeJSON(w, http.StatusCreated, out)
}
