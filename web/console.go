package web

import (
	"context"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"custodian"
	"custodian/auth"
	"custodian/recorder"
	"custodian/vault"
)

// consoleRoutes registers the console, the API, the media routes and the request form.
func (s *Server) consoleRoutes() {
	const (
		pub     = accessPublic
		pending = accessPending
		member  = accessMember
		act     = accessAction
	)
	add := func(method, pattern string, a access, action auth.Action, sc scope, h func(http.ResponseWriter, *http.Request, *call)) {
		s.handle(route{method: method, pattern: pattern, access: a, action: action, scope: sc, h: h})
	}
	api := func(method, pattern string, a access, action auth.Action, sc scope, summary, body string, h func(http.ResponseWriter, *http.Request, *call)) {
		s.handle(route{method: method, pattern: pattern, access: a, action: action, scope: sc, api: true, summary: summary, body: body, h: h})
	}

	// Logging in and one's own account.
	add("GET", "/login", pub, "", 0, s.loginGet)
	add("POST", "/login", pub, "", 0, s.loginPost)
	add("GET", "/login/totp", pending, "", 0, s.totpGet)
	add("POST", "/login/totp", pending, "", 0, s.totpPost)
	add("GET", "/account/totp", pending, "", 0, s.enrollGet)
	add("POST", "/account/totp", pending, "", 0, s.enrollPost)
	add("POST", "/logout", pending, "", 0, s.logout)
	add("POST", "/lang", pub, "", 0, s.setLang)
	add("GET", "/account", member, "", 0, s.accountGet)
	add("POST", "/account/password", member, "", 0, s.passwordPost)

	// The console.
	add("GET", "/console", member, "", 0, s.dashboard)
	add("GET", "/console/cameras", act, auth.CamerasHealth, scopeSome, s.camerasPage)
	add("GET", "/console/live", act, auth.FootageLive, scopeSome, s.livePage)
	add("POST", "/console/live", act, auth.FootageLive, scopeSome, s.liveOpen)
	add("GET", "/console/playback", act, auth.FootagePlayback, scopeSome, s.playbackIndex)
	add("GET", "/console/playback/{camera}", act, auth.FootagePlayback, scopeCamera, s.playbackPage)
	add("POST", "/console/playback/{camera}", act, auth.FootagePlayback, scopeCamera, s.playbackOpen)
	add("GET", "/console/watch/{ticket}", act, auth.FootageLive, scopeSome, s.watchPage)
	add("GET", "/console/view/{ticket}", act, auth.FootagePlayback, scopeSome, s.viewPage)
	add("GET", "/console/registry", act, auth.RegistryRead, scopeSome, s.registryPage)
	add("POST", "/console/registry", act, auth.RegistryEdit, scopeOrg, s.registryPost)
	add("GET", "/console/policy", act, auth.PolicyPublish, scopeOrg, s.policyPage)
	add("POST", "/console/policy", act, auth.PolicyPublish, scopeOrg, s.policyPost)
	add("GET", "/console/accesslog", act, auth.AccessLogRead, scopeOrg, s.accessLogPage)
	add("GET", "/console/accesslog/review", act, auth.AccessLogReview, scopeOrg, s.reviewPage)
	add("GET", "/console/ledger", act, auth.AccessLogRead, scopeOrg, s.ledgerPage)
	add("GET", "/console/users", act, auth.UsersManage, scopeOrg, s.usersPage)
	add("POST", "/console/users", act, auth.UsersManage, scopeOrg, s.usersCreate)
	add("POST", "/console/users/{id}/disable", act, auth.UsersManage, scopeOrg, s.userDisable)
	add("POST", "/console/users/{id}/enable", act, auth.UsersManage, scopeOrg, s.userEnable)
	add("POST", "/console/users/{id}/grants", act, auth.UsersManage, scopeOrg, s.userGrant)
	add("POST", "/console/users/{id}/grants/{grant}/revoke", act, auth.UsersManage, scopeOrg, s.userRevoke)
	add("POST", "/console/users/{id}/totp-reset", act, auth.UsersManage, scopeOrg, s.userTOTPReset)
	add("POST", "/console/deputies", act, auth.UsersManage, scopeOrg, s.deputyAssign)
	add("POST", "/console/deputies/{id}/end", act, auth.UsersManage, scopeOrg, s.deputyEnd)
	add("GET", "/console/requests", act, auth.RequestsRead, scopeSome, s.requestsPage)
	add("GET", "/console/requests/new", act, auth.RequestsDecide, scopeSome, s.requestNewPage)
	add("POST", "/console/requests", act, auth.RequestsDecide, scopeSome, s.requestNewPost)
	add("GET", "/console/requests/{id}", act, auth.RequestsRead, scopeSome, s.requestPage)
	add("GET", "/console/requests/{id}/notice.pdf", act, auth.RequestsRead, scopeSome, s.requestNoticePDF)
	add("POST", "/console/requests/{id}/{step}", act, auth.RequestsRead, scopeSome, s.requestStepPost)
	add("GET", "/metrics", act, auth.SystemManage, scopeOrg, s.metrics)

	// Footage, served only for an opening (a ticket) made with a purpose.
	api("GET", "/media/live/{ticket}/{camera}", act, auth.FootageLive, scopeCamera, "live view stream (framed fMP4 for Media Source Extensions)", "", s.mediaLive)
	api("GET", "/media/playback/{ticket}/{camera}", act, auth.FootagePlayback, scopeCamera, "recorded footage as fragmented MP4 of the window ?from=&to= (RFC 3339; at most 10 minutes), each window logged before it is sent", "", s.mediaPlayback)

	// The public request form.
	add("GET", "/request", pub, "", 0, s.requestForm)
	add("POST", "/request", pub, "", 0, s.requestSubmit)
	add("GET", "/request/{code}", pub, "", 0, s.requestStatus)
	add("GET", "/request/{code}/notice.pdf", pub, "", 0, s.publicNoticePDF)

	// The JSON API.
	api("GET", "/api/openapi.json", pub, "", 0, "this document", "", s.openAPI)
	api("POST", "/api/session", pub, "", 0, "log in (username, password, totp); sets the session cookie and returns the CSRF token", "json", s.apiLogin)
	api("DELETE", "/api/session", pending, "", 0, "log out", "", s.logout)
	api("GET", "/api/me", member, "", 0, "the caller's account, grants and allowed actions", "", s.apiMe)
	api("GET", "/api/public/policy", pub, "", 0, "the policy in effect (Markdown and its version)", "", s.apiPolicy)
	api("GET", "/api/public/policy/versions", pub, "", 0, "every published version with its announcement and effective dates", "", s.apiPolicyVersions)
	api("GET", "/api/public/policy/versions/{version}", pub, "", 0, "one published version's text (Markdown)", "", s.apiPolicyVersion)
	api("GET", "/api/public/signage", pub, "", 0, "the sites with signboards and their download links", "", s.apiSignage)
	api("POST", "/api/public/requests", pub, "", 0, "file a request (view, existence, deletion); returns the tracking code", "json", s.apiRequestCreate)
	api("GET", "/api/public/requests/{code}", pub, "", 0, "a request's status by its tracking code", "", s.apiRequestStatus)
	api("GET", "/api/dashboard", member, "", 0, "camera health, requests due, holds and today's destruction (within the caller's scope)", "", s.apiDashboard)
	api("GET", "/api/cameras", act, auth.CamerasHealth, scopeSome, "the cameras in the caller's scope with their recorder status", "", s.apiCameras)
	api("GET", "/api/cameras/{camera}/timeline", act, auth.FootagePlayback, scopeCamera, "a camera's footage and gaps over ?from=&to= (RFC 3339; default today)", "", s.apiTimeline)
	api("POST", "/api/cameras/{camera}/playback", act, auth.FootagePlayback, scopeCamera, "open recorded footage with a purpose (logged); returns the media URL", "json", s.apiPlaybackOpen)
	api("POST", "/api/live", act, auth.FootageLive, scopeSome, "open live view of cameras with a purpose (logged); returns the media URLs", "json", s.apiLiveOpen)
	api("GET", "/api/registry", act, auth.RegistryRead, scopeSome, "the registry (JSON)", "", s.apiRegistry)
	api("PUT", "/api/registry", act, auth.RegistryEdit, scopeOrg, "replace the registry (YAML or JSON body), validated as import", "yaml", s.apiRegistryPut)
	api("POST", "/api/policy/publish", act, auth.PolicyPublish, scopeOrg, "publish the registry as the next policy version (notice-period rule)", "json", s.apiPublish)
	api("GET", "/api/accesslog", act, auth.AccessLogRead, scopeOrg, "access log records (?from, to, actor, action, camera, limit)", "", s.apiAccessLog)
	api("GET", "/api/accesslog/review", act, auth.AccessLogReview, scopeOrg, "the monthly review (?month=YYYY-MM)", "", s.apiReview)
	api("GET", "/api/ledger", act, auth.AccessLogRead, scopeOrg, "the ledger (개인영상정보 관리대장): rows derived from the access log, destruction record, requests and provisions (?from, to, type, camera, staff)", "", s.apiLedger)
	api("GET", "/api/audit/checkpoints", act, auth.AccessLogRead, scopeOrg, "the access log's signed checkpoints after ?since=N, with the public key (for an external witness)", "", s.apiCheckpoints)
	api("GET", "/api/users", act, auth.UsersManage, scopeOrg, "accounts with their grants", "", s.apiUsers)
	api("POST", "/api/users", act, auth.UsersManage, scopeOrg, "create an account", "json", s.apiUserCreate)
	api("POST", "/api/users/{id}/disable", act, auth.UsersManage, scopeOrg, "disable an account (its sessions end at once)", "json", s.apiUserDisable)
	api("POST", "/api/users/{id}/enable", act, auth.UsersManage, scopeOrg, "re-enable an account", "", s.apiUserEnable)
	api("POST", "/api/users/{id}/grants", act, auth.UsersManage, scopeOrg, "add a grant", "json", s.apiUserGrant)
	api("POST", "/api/users/{id}/grants/{grant}/revoke", act, auth.UsersManage, scopeOrg, "revoke a grant", "", s.apiUserRevoke)
	api("POST", "/api/users/{id}/totp-reset", act, auth.UsersManage, scopeOrg, "remove an account's OTP (enrol again at next login)", "", s.apiUserTOTPReset)
	api("GET", "/api/deputies", act, auth.UsersManage, scopeOrg, "deputy assignments", "", s.apiDeputies)
	api("POST", "/api/deputies", act, auth.UsersManage, scopeOrg, "assign a deputy", "json", s.apiDeputyAssign)
	api("POST", "/api/deputies/{id}/end", act, auth.UsersManage, scopeOrg, "end a deputy assignment", "", s.apiDeputyEnd)
	api("GET", "/api/requests", act, auth.RequestsRead, scopeSome, "data-subject requests in the caller's scope (?open=1)", "", s.apiRequests)
	api("POST", "/api/requests", act, auth.RequestsDecide, scopeSome, "enter a request taken at the desk, by mail, phone or fax (channel, proxy_document, hold_cameras, received)", "json", s.apiRequestDesk)
	api("GET", "/api/requests/{id}", act, auth.RequestsRead, scopeSome, "a request with its history, notice, copy progress and download links", "", s.apiRequest)
	api("POST", "/api/requests/{id}/{step}", act, auth.RequestsRead, scopeSome, "a step of a request: preserve, identify, postpone, decide, existence, delete, explain, view, copy, close, withdraw (each needs its own grant)", "json", s.apiRequestStep)
	api("GET", "/api/holds", act, auth.HoldsManage, scopeSome, "legal holds in the caller's scope", "", s.apiHolds)
}

// camRow is a camera the caller may see, with what the recorder says of it.
type camRow struct {
	ID, Group, Location, Site string
	Enabled                   bool
	Status                    *recorder.Status
	Live, Playback            bool
}

// cameras lists the recorded cameras (and camera groups without listed cameras, which
// imported footage may be filed under) that the caller may take action on.
func (s *Server) cameras(ctx context.Context, c *call, action auth.Action) ([]camRow, error) {
	reg, x, _, err := s.currentRegistry(ctx)
	if err != nil {
		return nil, err
	}
	var status map[string]*recorder.Status
	if s.Console.Status != nil {
		st := s.Console.Status()
		status = make(map[string]*recorder.Status, len(st))
		for i := range st {
			status[st[i].Camera] = &st[i]
		}
	}
	var out []camRow
	for _, site := range reg.Sites {
		for _, g := range site.CameraGroups {
			ids := []string{}
			locs := map[string]string{}
			enabled := map[string]bool{}
			for _, cam := range g.Cameras {
				ids = append(ids, cam.ID)
				locs[cam.ID] = cam.Location
				enabled[cam.ID] = cam.Enabled
			}
			if len(ids) == 0 {
				ids = []string{g.ID}
				locs[g.ID] = strings.Join(g.Locations, ", ")
			}
			for _, id := range ids {
				tg, err := targetOf(x, id)
				if err != nil {
					return nil, err
				}
				if !c.can(action, tg) {
					continue
				}
				out = append(out, camRow{ID: id, Group: g.ID, Location: locs[id], Site: site.Name, Enabled: enabled[id], Status: status[id],
					Live: c.can(auth.FootageLive, tg), Playback: c.can(auth.FootagePlayback, tg)})
			}
		}
	}
	return out, nil
}

type dashboard struct {
	Cameras     []camRow
	States      map[string]int
	Requests    []custodian.SubjectRequest
	Holds       []custodian.Hold
	Destroyed   []custodian.Destruction
	ShowCameras bool
	ShowReqs    bool
	ShowHolds   bool
	Today       custodian.Date
}

func (s *Server) dashboardData(ctx context.Context, c *call) (*dashboard, error) {
	d := &dashboard{States: map[string]int{}, Today: custodian.DateOf(c.now)}
	if auth.CanSome(c.grants, auth.CamerasHealth, c.now) {
		d.ShowCameras = true
		cams, err := s.cameras(ctx, c, auth.CamerasHealth)
		if err != nil && custodian.ErrorCode(err) != custodian.ENOTFOUND {
			return nil, err
		}
		d.Cameras = cams
		for _, cam := range cams {
			st := "not_recorded"
			if cam.Status != nil {
				st = cam.Status.State
			}
			d.States[st]++
		}
	}
	if auth.CanSome(c.grants, auth.RequestsRead, c.now) && s.Console.Requests != nil {
		d.ShowReqs = true
		rs, err := s.requestsInScope(ctx, c, true)
		if err != nil {
			return nil, err
		}
		sort.Slice(rs, func(i, j int) bool { return rs[i].Due.Before(rs[j].Due) })
		d.Requests = rs
	}
	if auth.CanSome(c.grants, auth.HoldsManage, c.now) && s.Console.Vault != nil {
		d.ShowHolds = true
		hs, err := s.holdsInScope(ctx, c)
		if err != nil {
			return nil, err
		}
		d.Holds = hs
		ds, err := s.Console.Vault.Destructions(ctx, d.Today.Time(), d.Today.AddDays(1).Time())
		if err != nil {
			return nil, err
		}
		d.Destroyed = ds
	}
	return d, nil
}

func (s *Server) dashboard(w http.ResponseWriter, r *http.Request, c *call) {
	d, err := s.dashboardData(r.Context(), c)
	if err != nil {
		s.failFor(w, r, c, err)
		return
	}
	s.renderFor(w, r, c, http.StatusOK, "dashboard.html", t(c.lang, "현황", "Dashboard"), d)
}

func (s *Server) holdsInScope(ctx context.Context, c *call) ([]custodian.Hold, error) {
	hs, err := s.Console.Vault.Holds(ctx, false)
	if err != nil {
		return nil, err
	}
	_, x, _, err := s.currentRegistry(ctx)
	if err != nil {
		return nil, err
	}
	var out []custodian.Hold
	for _, h := range hs {
		tg, err := targetOf(x, h.Camera)
		if err != nil {
			tg = auth.Target{Camera: h.Camera} // a camera no longer in the registry: only organisation-wide grants see it
		}
		if c.can(auth.HoldsManage, tg) {
			out = append(out, h)
		}
	}
	return out, nil
}

func (s *Server) requestsInScope(ctx context.Context, c *call, open bool) ([]custodian.SubjectRequest, error) {
	rs, err := s.Console.Requests.Requests(ctx, open)
	if err != nil {
		return nil, err
	}
	var out []custodian.SubjectRequest
	for i := range rs {
		if s.mayRead(ctx, c, &rs[i]) {
			out = append(out, rs[i])
		}
	}
	return out, nil
}

func (s *Server) camerasPage(w http.ResponseWriter, r *http.Request, c *call) {
	cams, err := s.cameras(r.Context(), c, auth.CamerasHealth)
	if err != nil {
		s.failFor(w, r, c, err)
		return
	}
	s.renderFor(w, r, c, http.StatusOK, "cameras.html", t(c.lang, "카메라 상태", "Cameras"), struct {
		Cameras  []camRow
		Recorder bool
	}{cams, s.Console.Status != nil})
}

// purposeForm is what every opening of footage asks.
type purposeForm struct {
	Purposes []custodian.Purpose
	Error    string
}

func (s *Server) purposes(ctx context.Context) []custodian.Purpose {
	reg, err := s.registry(ctx)
	if err != nil {
		return nil
	}
	return reg.Purposes
}

// statedPurpose checks the purpose of an opening (custodian.StatedPurpose) against the
// registry's purposes.
func (s *Server) statedPurpose(ctx context.Context, id, text string) (string, error) {
	return custodian.StatedPurpose(s.purposes(ctx), id, text)
}

// openFootage opens footage through the door (which logs it first) and returns its ticket.
// Nothing is shown unless the opening was logged.
func (s *Server) openFootage(ctx context.Context, c *call, kind string, cameras []string, from, to time.Time, purpose string) (*viewTicket, error) {
	tk := &viewTicket{ID: token(), Session: c.sess.ID, Account: c.acct.ID, Kind: kind, Cameras: cameras, From: from, To: to, Purpose: purpose,
		Opened: c.now, Expires: c.now.Add(ViewTicketLife)}
	use := custodian.UseLive
	if kind == "playback" {
		use = custodian.UsePlayback
	}
	if _, err := s.door().Open(ctx, c.access(use, cameras, from, to, purpose, "view:"+tk.ID[:12], c.acct.Name)); err != nil {
		return nil, err
	}
	s.views.add(tk)
	return tk, nil
}

func (s *Server) livePage(w http.ResponseWriter, r *http.Request, c *call) {
	cams, err := s.cameras(r.Context(), c, auth.FootageLive)
	if err != nil {
		s.failFor(w, r, c, err)
		return
	}
	s.renderFor(w, r, c, http.StatusOK, "live.html", t(c.lang, "실시간 영상", "Live view"), struct {
		Cameras  []camRow
		Selected []string
		purposeForm
	}{cams, r.URL.Query()["camera"], purposeForm{Purposes: s.purposes(r.Context())}})
}

// openLive checks and opens live view of cameras.
func (s *Server) openLive(ctx context.Context, c *call, cameras []string, purposeID, text string) (*viewTicket, error) {
	if len(cameras) == 0 {
		return nil, custodian.Errorf(custodian.EINVALID, "카메라를 하나 이상 고르십시오", "choose at least one camera")
	}
	if len(cameras) > 16 {
		return nil, custodian.Errorf(custodian.EINVALID, "한 번에 16대까지 볼 수 있습니다", "at most 16 cameras at once")
	}
	slices.Sort(cameras)
	cameras = slices.Compact(cameras)
	for _, cam := range cameras {
		tg, err := s.cameraTarget(ctx, cam)
		if err != nil {
			return nil, err
		}
		if !c.can(auth.FootageLive, tg) {
			return nil, s.door().Deny(ctx, c.access(custodian.UseLive, []string{cam}, time.Time{}, time.Time{}, "", "", ""),
				custodian.Errorf(custodian.EUNAUTHORIZED, "카메라 %s의 실시간 영상을 볼 권한이 없습니다", "you may not view camera %s live", cam))
		}
	}
	purpose, err := s.statedPurpose(ctx, purposeID, text)
	if err != nil {
		return nil, err
	}
	return s.openFootage(ctx, c, "live", cameras, c.now, time.Time{}, purpose)
}

func (s *Server) liveOpen(w http.ResponseWriter, r *http.Request, c *call) {
	r.ParseForm()
	tk, err := s.openLive(r.Context(), c, r.PostForm["camera"], r.PostFormValue("purpose"), r.PostFormValue("purpose_text"))
	if err != nil {
		if httpStatus(err) == http.StatusBadRequest {
			cams, _ := s.cameras(r.Context(), c, auth.FootageLive)
			s.renderFor(w, r, c, http.StatusBadRequest, "live.html", t(c.lang, "실시간 영상", "Live view"), struct {
				Cameras  []camRow
				Selected []string
				purposeForm
			}{cams, r.PostForm["camera"], purposeForm{Purposes: s.purposes(r.Context()), Error: msgOf(c.lang, err)}})
			return
		}
		s.failFor(w, r, c, err)
		return
	}
	http.Redirect(w, r, "/console/watch/"+tk.ID, http.StatusSeeOther)
}

// ticketFor returns the caller's ticket (ENOTFOUND for any other: expired, another
// session's, or unknown).
func (s *Server) ticketFor(c *call, id, kind string) (*viewTicket, error) {
	tk := s.views.get(id, c.now)
	if tk == nil || tk.Session != c.sess.ID || tk.Kind != kind {
		return nil, custodian.Errorf(custodian.ENOTFOUND, "영상 열람이 끝났거나 없습니다. 목적을 밝히고 다시 여십시오", "this viewing has ended or does not exist; open it again with its purpose")
	}
	return tk, nil
}

func (s *Server) watchPage(w http.ResponseWriter, r *http.Request, c *call) {
	tk, err := s.ticketFor(c, r.PathValue("ticket"), "live")
	if err != nil {
		s.failFor(w, r, c, err)
		return
	}
	s.renderFor(w, r, c, http.StatusOK, "watch.html", t(c.lang, "실시간 영상", "Live view"), tk)
}

func (s *Server) playbackIndex(w http.ResponseWriter, r *http.Request, c *call) {
	cams, err := s.cameras(r.Context(), c, auth.FootagePlayback)
	if err != nil {
		s.failFor(w, r, c, err)
		return
	}
	s.renderFor(w, r, c, http.StatusOK, "playback_index.html", t(c.lang, "녹화 영상", "Playback"), cams)
}

// timeline is a camera's footage over a period: the spans with footage and the gaps.
type timeline struct {
	Camera   string        `json:"camera"`
	From     time.Time     `json:"from"`
	To       time.Time     `json:"to"`
	Spans    []vault.Gap   `json:"footage"`
	Gaps     []vault.Gap   `json:"gaps"`
	Segments int           `json:"segments"`
	Bars     []timelineBar `json:"-"`
	Hours    []timelineBar `json:"-"`
}

type timelineBar struct {
	X, W  float64
	Label string
	From  time.Time
}

// timelineOf computes a camera's timeline over [from, to).
func (s *Server) timelineOf(ctx context.Context, camera string, from, to time.Time) (*timeline, error) {
	segs, err := s.Console.Vault.Find(ctx, camera, from, to)
	if err != nil {
		return nil, err
	}
	tl := &timeline{Camera: camera, From: from, To: to, Segments: len(segs), Spans: []vault.Gap{}, Gaps: []vault.Gap{}}
	sort.Slice(segs, func(i, j int) bool { return segs[i].Start.Before(segs[j].Start) })
	const join = 2 * time.Second // holes shorter than this are not gaps
	for _, sg := range segs {
		st, en := maxTime(sg.Start, from), minTime(sg.End, to)
		if !en.After(st) {
			continue
		}
		if n := len(tl.Spans); n > 0 && !st.After(tl.Spans[n-1].To.Add(join)) {
			if en.After(tl.Spans[n-1].To) {
				tl.Spans[n-1].To = en
			}
			continue
		}
		tl.Spans = append(tl.Spans, vault.Gap{From: st, To: en})
	}
	at := from
	for _, sp := range tl.Spans {
		if sp.From.After(at) {
			tl.Gaps = append(tl.Gaps, vault.Gap{From: at, To: sp.From})
		}
		at = sp.To
	}
	if to.After(at) {
		tl.Gaps = append(tl.Gaps, vault.Gap{From: at, To: to})
	}
	total := float64(to.Sub(from))
	for _, sp := range tl.Spans {
		tl.Bars = append(tl.Bars, timelineBar{X: 1000 * float64(sp.From.Sub(from)) / total, W: max(1000*float64(sp.To.Sub(sp.From))/total, 2), From: sp.From})
	}
	for h := from; h.Before(to); h = h.Add(3 * time.Hour) {
		tl.Hours = append(tl.Hours, timelineBar{X: 1000 * float64(h.Sub(from)) / total, Label: h.In(custodian.KST).Format("15:04"), From: h})
	}
	return tl, nil
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// dayOf parses ?day=YYYY-MM-DD (KST; default today) into its bounds.
func dayOf(q string, now time.Time) (time.Time, time.Time, error) {
	d := custodian.DateOf(now)
	if q != "" {
		var err error
		if d, err = custodian.ParseDate(q); err != nil {
			return time.Time{}, time.Time{}, custodian.Errorf(custodian.EINVALID, "날짜 %q가 올바르지 않습니다 (YYYY-MM-DD)", "the date %q is not valid (YYYY-MM-DD)", q)
		}
	}
	return d.Time(), d.AddDays(1).Time(), nil
}

type playbackData struct {
	Camera   string
	Location string
	Day      string
	PrevDay  string
	NextDay  string
	Timeline *timeline
	At       string // the time to open at (HH:MM:SS), from the form
	purposeForm
}

func (s *Server) playbackData(ctx context.Context, c *call, camera, day string) (*playbackData, error) {
	from, to, err := dayOf(day, c.now)
	if err != nil {
		return nil, err
	}
	tl, err := s.timelineOf(ctx, camera, from, to)
	if err != nil {
		return nil, err
	}
	d := custodian.DateOf(from)
	p := &playbackData{Camera: camera, Day: d.String(), PrevDay: d.AddDays(-1).String(), NextDay: d.AddDays(1).String(), Timeline: tl,
		purposeForm: purposeForm{Purposes: s.purposes(ctx)}}
	if len(tl.Spans) > 0 {
		p.At = tl.Spans[0].From.In(custodian.KST).Format("15:04:05")
	}
	if reg, err := s.registry(ctx); err == nil {
		if cam, _ := reg.Index().Camera(camera); cam != nil {
			p.Location = cam.Location
		}
	}
	return p, nil
}

func (s *Server) playbackPage(w http.ResponseWriter, r *http.Request, c *call) {
	p, err := s.playbackData(r.Context(), c, r.PathValue("camera"), r.URL.Query().Get("day"))
	if err != nil {
		s.failFor(w, r, c, err)
		return
	}
	s.renderFor(w, r, c, http.StatusOK, "playback.html", t(c.lang, "녹화 영상", "Playback")+" · "+p.Camera, p)
}

// openPlayback checks and opens a camera's recorded footage of one day from at.
func (s *Server) openPlayback(ctx context.Context, c *call, camera, day, at, purposeID, text string) (*viewTicket, time.Time, error) {
	from, to, err := dayOf(day, c.now)
	if err != nil {
		return nil, time.Time{}, err
	}
	start := from
	if at != "" {
		tm, err := time.ParseInLocation("2006-01-02 15:04:05", custodian.DateOf(from).String()+" "+normClock(at), custodian.KST)
		if err != nil {
			return nil, time.Time{}, custodian.Errorf(custodian.EINVALID, "시각 %q가 올바르지 않습니다 (HH:MM 또는 HH:MM:SS)", "the time %q is not valid (HH:MM or HH:MM:SS)", at)
		}
		start = tm
	}
	purpose, err := s.statedPurpose(ctx, purposeID, text)
	if err != nil {
		return nil, time.Time{}, err
	}
	tk, err := s.openFootage(ctx, c, "playback", []string{camera}, from, to, purpose)
	return tk, start, err
}

func normClock(s string) string {
	s = strings.TrimSpace(s)
	if strings.Count(s, ":") == 1 {
		s += ":00"
	}
	return s
}

func (s *Server) playbackOpen(w http.ResponseWriter, r *http.Request, c *call) {
	camera := r.PathValue("camera")
	tk, start, err := s.openPlayback(r.Context(), c, camera, r.PostFormValue("day"), r.PostFormValue("at"), r.PostFormValue("purpose"), r.PostFormValue("purpose_text"))
	if err != nil {
		if httpStatus(err) == http.StatusBadRequest {
			p, perr := s.playbackData(r.Context(), c, camera, r.PostFormValue("day"))
			if perr != nil {
				s.failFor(w, r, c, err)
				return
			}
			p.Error = msgOf(c.lang, err)
			s.renderFor(w, r, c, http.StatusBadRequest, "playback.html", t(c.lang, "녹화 영상", "Playback")+" · "+camera, p)
			return
		}
		s.failFor(w, r, c, err)
		return
	}
	http.Redirect(w, r, "/console/view/"+tk.ID+"?at="+start.UTC().Format(time.RFC3339), http.StatusSeeOther)
}

type viewData struct {
	Ticket   *viewTicket
	Camera   string
	At       time.Time
	Timeline *timeline
	Next     string // the URL of the playback media, without from
}

func (s *Server) viewPage(w http.ResponseWriter, r *http.Request, c *call) {
	tk, err := s.ticketFor(c, r.PathValue("ticket"), "playback")
	if err != nil {
		s.failFor(w, r, c, err)
		return
	}
	at := tk.From
	if q := r.URL.Query().Get("at"); q != "" {
		if at, err = time.Parse(time.RFC3339, q); err != nil || at.Before(tk.From) || !at.Before(tk.To) {
			s.failFor(w, r, c, custodian.Errorf(custodian.EINVALID, "시각 at=%q가 열람 범위 밖이거나 올바르지 않습니다", "at=%q is not a time within this viewing", q))
			return
		}
	}
	tl, err := s.timelineOf(r.Context(), tk.Cameras[0], tk.From, tk.To)
	if err != nil {
		s.failFor(w, r, c, err)
		return
	}
	s.renderFor(w, r, c, http.StatusOK, "view.html", t(c.lang, "녹화 영상", "Playback")+" · "+tk.Cameras[0], viewData{Ticket: tk, Camera: tk.Cameras[0], At: at, Timeline: tl,
		Next: "/media/playback/" + tk.ID + "/" + tk.Cameras[0]})
}

func (s *Server) metrics(w http.ResponseWriter, r *http.Request, c *call) {
	if s.Console.Metrics == nil {
		s.failFor(w, r, c, custodian.Errorf(custodian.ENOTFOUND, "녹화기가 실행 중이 아닙니다", "the recorder is not running"))
		return
	}
	s.Console.Metrics.ServeHTTP(w, r)
}

func atoiID(s, what string) (int64, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, custodian.Errorf(custodian.EINVALID, "%s %q는 번호가 아닙니다", "%s %q is not a number", what, s)
	}
	return n, nil
}
