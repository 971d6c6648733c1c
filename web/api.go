package web

import (
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"custodian"
	"custodian/accounts"
	"custodian/auditlog"
	"custodian/auth"
	"custodian/publish"
)

func (s *Server) apiPolicy(w http.ResponseWriter, r *http.Request, c *call) {
	s.apiPolicyText(w, r, c, "current")
}

func (s *Server) apiPolicyVersion(w http.ResponseWriter, r *http.Request, c *call) {
	s.apiPolicyText(w, r, c, r.PathValue("version"))
}

func (s *Server) apiPolicyText(w http.ResponseWriter, r *http.Request, c *call, name string) {
	n, err := s.resolve(r.Context(), name)
	if err != nil {
		s.failFor(w, r, c, err)
		return
	}
	vs, err := s.Policies.PolicyVersions(r.Context())
	if err != nil {
		s.failFor(w, r, c, err)
		return
	}
	md, err := publish.VersionMarkdown(r.Context(), s.Registry, s.Policies, n)
	if err != nil {
		s.failFor(w, r, c, err)
		return
	}
	for _, v := range vs {
		if v.Number == n {
			writeJSON(w, http.StatusOK, map[string]any{"number": v.Number, "announced": v.Announced, "effective": v.Effective, "reason": v.Reason, "markdown": md,
				"html_url": "/policy/" + itoa(n), "pdf_url": "/policy/" + itoa(n) + "?format=pdf"})
			return
		}
	}
	s.failFor(w, r, c, custodian.Errorf(custodian.ENOTFOUND, "제%d판이 없습니다", "there is no version %d", n))
}

func (s *Server) apiPolicyVersions(w http.ResponseWriter, r *http.Request, c *call) {
	rows, _, err := s.versionRows(r.Context())
	if err != nil {
		s.failFor(w, r, c, err)
		return
	}
	type row struct {
		Number    int            `json:"number"`
		Announced custodian.Date `json:"announced"`
		Effective custodian.Date `json:"effective"`
		Reason    string         `json:"reason"`
		Status    string         `json:"status"`
		DiffURL   string         `json:"diff_url,omitempty"`
	}
	out := []row{}
	for _, v := range rows {
		x := row{v.Number, v.Announced, v.Effective, v.Reason, v.Status, ""}
		if v.Number > 1 {
			x.DiffURL = "/policy/diff?a=" + itoa(v.Number-1) + "&b=" + itoa(v.Number)
		}
		out = append(out, x)
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiSignage(w http.ResponseWriter, r *http.Request, c *call) {
	reg, x, _, err := s.currentRegistry(r.Context())
	if err != nil {
		s.failFor(w, r, c, err)
		return
	}
	type sign struct {
		Site    string `json:"site"`
		Name    string `json:"name"`
		Cameras int    `json:"cameras"`
		PDF     string `json:"pdf_url"`
		SVG     string `json:"svg_url"`
	}
	out := []sign{}
	for _, site := range reg.Sites {
		if n := x.SignboardTotal(site.ID); n > 0 {
			out = append(out, sign{site.ID, site.Name, n, "/signage/" + site.ID + "?format=pdf", "/signage/" + site.ID + "?format=svg"})
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiDashboard(w http.ResponseWriter, r *http.Request, c *call) {
	d, err := s.dashboardData(r.Context(), c)
	if err != nil {
		s.failFor(w, r, c, err)
		return
	}
	out := map[string]any{"today": d.Today}
	if d.ShowCameras {
		out["camera_states"] = d.States
	}
	if d.ShowReqs {
		out["requests_open"] = d.Requests
	}
	if d.ShowHolds {
		out["holds"] = d.Holds
		out["destroyed_today"] = d.Destroyed
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiCameras(w http.ResponseWriter, r *http.Request, c *call) {
	cams, err := s.cameras(r.Context(), c, auth.CamerasHealth)
	if err != nil {
		s.failFor(w, r, c, err)
		return
	}
	type cam struct {
		ID       string `json:"id"`
		Group    string `json:"group"`
		Site     string `json:"site"`
		Location string `json:"location,omitempty"`
		Enabled  bool   `json:"enabled"`
		Live     bool   `json:"live"`
		Playback bool   `json:"playback"`
		Status   any    `json:"status,omitempty"`
	}
	out := []cam{}
	for _, x := range cams {
		cm := cam{ID: x.ID, Group: x.Group, Site: x.Site, Location: x.Location, Enabled: x.Enabled, Live: x.Live, Playback: x.Playback}
		if x.Status != nil {
			cm.Status = x.Status
		}
		out = append(out, cm)
	}
	writeJSON(w, http.StatusOK, out)
}

func parseRange(r *http.Request, now time.Time) (time.Time, time.Time, error) {
	q := r.URL.Query()
	if q.Get("from") == "" && q.Get("to") == "" {
		return dayOf(q.Get("day"), now)
	}
	from, err := time.Parse(time.RFC3339, q.Get("from"))
	if err != nil {
		return from, from, custodian.Errorf(custodian.EINVALID, "from=%q는 RFC 3339 시각이 아닙니다", "from=%q is not an RFC 3339 time", q.Get("from"))
	}
	to, err := time.Parse(time.RFC3339, q.Get("to"))
	if err != nil {
		return from, to, custodian.Errorf(custodian.EINVALID, "to=%q는 RFC 3339 시각이 아닙니다", "to=%q is not an RFC 3339 time", q.Get("to"))
	}
	if !to.After(from) || to.Sub(from) > 31*24*time.Hour {
		return from, to, custodian.Errorf(custodian.EINVALID, "to는 from 뒤 31일 이내여야 합니다", "to must be after from, by at most 31 days")
	}
	return from, to, nil
}

func (s *Server) apiTimeline(w http.ResponseWriter, r *http.Request, c *call) {
	from, to, err := parseRange(r, c.now)
	if err != nil {
		s.failFor(w, r, c, err)
		return
	}
	tl, err := s.timelineOf(r.Context(), r.PathValue("camera"), from, to)
	if err != nil {
		s.failFor(w, r, c, err)
		return
	}
	writeJSON(w, http.StatusOK, tl)
}

type openInput struct {
	Cameras     []string `json:"cameras"`
	Day         string   `json:"day"`
	At          string   `json:"at"`
	Purpose     string   `json:"purpose"`
	PurposeText string   `json:"purpose_text"`
}

func (s *Server) apiPlaybackOpen(w http.ResponseWriter, r *http.Request, c *call) {
	var in openInput
	if err := readJSON(r, &in); err != nil {
		s.failFor(w, r, c, err)
		return
	}
	camera := r.PathValue("camera")
	tk, start, err := s.openPlayback(r.Context(), c, camera, in.Day, in.At, in.Purpose, in.PurposeText)
	if err != nil {
		s.failFor(w, r, c, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"ticket": tk.ID, "expires": tk.Expires, "from": tk.From, "to": tk.To, "purpose": tk.Purpose,
		"media_url": "/media/playback/" + tk.ID + "/" + camera + "?from=" + start.UTC().Format(time.RFC3339), "window_seconds": int(PlaybackWindow.Seconds())})
}

func (s *Server) apiLiveOpen(w http.ResponseWriter, r *http.Request, c *call) {
	var in openInput
	if err := readJSON(r, &in); err != nil {
		s.failFor(w, r, c, err)
		return
	}
	tk, err := s.openLive(r.Context(), c, in.Cameras, in.Purpose, in.PurposeText)
	if err != nil {
		s.failFor(w, r, c, err)
		return
	}
	urls := map[string]string{}
	for _, cam := range tk.Cameras {
		urls[cam] = "/media/live/" + tk.ID + "/" + cam
	}
	writeJSON(w, http.StatusCreated, map[string]any{"ticket": tk.ID, "expires": tk.Expires, "purpose": tk.Purpose, "media_urls": urls})
}

func (s *Server) apiRegistry(w http.ResponseWriter, r *http.Request, c *call) {
	reg, _, meta, err := s.currentRegistry(r.Context())
	if err != nil {
		s.failFor(w, r, c, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"revision": meta, "registry": registryInScope(reg, c)})
}

// registryInScope is the part of reg that the caller may read: with registry.read over the
// whole organisation, all of it; otherwise the sites in the caller's scope (and the sites
// above them, by name only, so the tree holds together), the camera groups and cameras in
// it, the people of those sites and the organisation-wide ones, and the agreements that
// name visible camera groups. Cameras' sources (URLs, users, transport) are shown only to
// those who may manage that camera (cameras.manage).
func registryInScope(reg *custodian.Registry, c *call) *custodian.Registry {
	x := reg.Index()
	out := *reg
	all := c.can(auth.RegistryRead, auth.Target{})
	groups := map[string]bool{}
	visibleSites := map[string]bool{}
	out.Sites = nil
	for _, site := range reg.Sites {
		st := site
		st.CameraGroups = nil
		siteTarget := auth.Target{Sites: append([]string{site.ID}, x.Ancestors(site.ID)...)}
		wholeSite := all || c.can(auth.RegistryRead, siteTarget)
		for _, g := range site.CameraGroups {
			gt := auth.Target{Camera: g.ID, Sites: siteTarget.Sites}
			wholeGroup := wholeSite || c.can(auth.RegistryRead, gt)
			ng := g
			ng.Cameras = nil
			for _, cam := range g.Cameras {
				ct := auth.Target{Camera: cam.ID, Group: g.ID, Sites: siteTarget.Sites}
				if !wholeGroup && !c.can(auth.RegistryRead, ct) {
					continue
				}
				if cam.Source != nil && !c.can(auth.CamerasManage, ct) {
					cam.Source = nil
				}
				ng.Cameras = append(ng.Cameras, cam)
			}
			if wholeGroup || len(ng.Cameras) > 0 {
				st.CameraGroups = append(st.CameraGroups, ng)
				groups[g.ID] = true
			}
		}
		if wholeSite || len(st.CameraGroups) > 0 {
			out.Sites = append(out.Sites, st)
			visibleSites[site.ID] = true
		}
	}
	if all {
		return &out
	}
	// The sites above a visible one, by name only.
	var parents []custodian.Site
	for _, site := range reg.Sites {
		if visibleSites[site.ID] {
			continue
		}
		for _, v := range out.Sites {
			if slices.Contains(x.Ancestors(v.ID), site.ID) {
				parents = append(parents, custodian.Site{ID: site.ID, Name: site.Name, Kind: site.Kind, Parent: site.Parent})
				break
			}
		}
	}
	out.Sites = append(parents, out.Sites...)
	out.People = nil
	for _, p := range reg.People {
		keep := len(p.Sites) == 0
		for _, st := range p.Sites {
			keep = keep || visibleSites[st]
		}
		if keep {
			out.People = append(out.People, p)
		}
	}
	out.Agreements = nil
	for _, ag := range reg.Agreements {
		for _, g := range ag.CameraGroups {
			if groups[g] {
				out.Agreements = append(out.Agreements, ag)
				break
			}
		}
	}
	return &out
}

func (s *Server) apiRegistryPut(w http.ResponseWriter, r *http.Request, c *call) {
	b, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, 4<<20+1))
	if err != nil {
		s.failFor(w, r, c, custodian.Errorf(custodian.EINVALID, "본문을 읽을 수 없습니다: %w", "cannot read the body: %w", err))
		return
	}
	format := "yaml"
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		format = "json"
	}
	meta, err := s.saveRegistry(r.Context(), c, b, format)
	if err != nil {
		s.failFor(w, r, c, err)
		return
	}
	writeJSON(w, http.StatusOK, meta)
}

func (s *Server) apiPublish(w http.ResponseWriter, r *http.Request, c *call) {
	var in struct {
		Announced string `json:"announced"`
		Effective string `json:"effective"`
		Reason    string `json:"reason"`
	}
	if err := readJSON(r, &in); err != nil {
		s.failFor(w, r, c, err)
		return
	}
	v, err := s.publish(r.Context(), c, in.Announced, in.Effective, in.Reason)
	if err != nil {
		s.failFor(w, r, c, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"number": v.Number, "announced": v.Announced, "effective": v.Effective, "reason": v.Reason})
}

func (s *Server) apiAccessLog(w http.ResponseWriter, r *http.Request, c *call) {
	lq, err := parseLogQuery(r, c.now)
	if err != nil {
		s.failFor(w, r, c, err)
		return
	}
	recs, more, err := s.logRecords(r.Context(), lq)
	if err != nil {
		s.failFor(w, r, c, err)
		return
	}
	// Each record in its one JSON shape (auditlog.Event.MarshalJSON), as the CLI's
	// 'audit log --json' and 'audit export' write it.
	out := recs
	if out == nil {
		out = []auditlog.Event{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"records": out, "more": more})
}

func (s *Server) apiReview(w http.ResponseWriter, r *http.Request, c *call) {
	rep, err := s.review(r.Context(), r.URL.Query().Get("month"), c.now)
	if err != nil {
		s.failFor(w, r, c, err)
		return
	}
	writeJSON(w, http.StatusOK, rep)
}

func (s *Server) apiUsers(w http.ResponseWriter, r *http.Request, c *call) {
	as, err := s.Console.Accounts.Store.Accounts(r.Context())
	if err != nil {
		s.failFor(w, r, c, err)
		return
	}
	if as == nil {
		as = []custodian.Account{}
	}
	writeJSON(w, http.StatusOK, as)
}

func (s *Server) apiUserCreate(w http.ResponseWriter, r *http.Request, c *call) {
	var in struct {
		Username string       `json:"username"`
		Name     string       `json:"name"`
		Person   string       `json:"person"`
		Email    string       `json:"email"`
		Password string       `json:"password"`
		TOTP     bool         `json:"totp"`
		Grants   []grantInput `json:"grants"`
	}
	if err := readJSON(r, &in); err != nil {
		s.failFor(w, r, c, err)
		return
	}
	var grants []custodian.AccountGrant
	for _, gi := range in.Grants {
		g, err := gi.grant()
		if err != nil {
			s.failFor(w, r, c, err)
			return
		}
		grants = append(grants, g)
	}
	a, secret, err := s.Console.Accounts.Create(r.Context(), accounts.NewAccount{Username: in.Username, Name: in.Name, Person: strings.TrimSpace(in.Person),
		Email: strings.TrimSpace(in.Email), Password: in.Password, TOTP: in.TOTP, Grants: grants}, c.actor(), c.source)
	if err != nil {
		s.failFor(w, r, c, err)
		return
	}
	out := map[string]any{"account": a}
	if secret != "" {
		out["totp_secret"] = secret
		out["totp_uri"] = auth.TOTPURI("Custodian", a.Username, secret)
	}
	writeJSON(w, http.StatusCreated, out)
}

// apiUser runs fn on the account in the path and answers with the account as it is after.
func (s *Server) apiUser(w http.ResponseWriter, r *http.Request, c *call, fn func(*custodian.Account) (any, error)) {
	a, err := s.accountParam(r)
	var extra any
	if err == nil {
		extra, err = fn(a)
	}
	if err != nil {
		s.failFor(w, r, c, err)
		return
	}
	a, err = s.Console.Accounts.Store.Account(r.Context(), a.ID)
	if err != nil {
		s.failFor(w, r, c, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"account": a, "result": extra})
}

func (s *Server) apiUserDisable(w http.ResponseWriter, r *http.Request, c *call) {
	var in struct {
		Reason string `json:"reason"`
	}
	if err := readJSON(r, &in); err != nil {
		s.failFor(w, r, c, err)
		return
	}
	s.apiUser(w, r, c, func(a *custodian.Account) (any, error) {
		if a.ID == c.acct.ID {
			return nil, custodian.Errorf(custodian.EINVALID, "자기 계정은 비활성화할 수 없습니다", "you cannot disable your own account")
		}
		n, err := s.Console.Accounts.Disable(r.Context(), a, in.Reason, c.actor(), c.source)
		return map[string]int{"sessions_ended": n}, err
	})
}

func (s *Server) apiUserEnable(w http.ResponseWriter, r *http.Request, c *call) {
	s.apiUser(w, r, c, func(a *custodian.Account) (any, error) {
		return nil, s.Console.Accounts.Enable(r.Context(), a, c.actor(), c.source)
	})
}

func (s *Server) apiUserGrant(w http.ResponseWriter, r *http.Request, c *call) {
	var in grantInput
	if err := readJSON(r, &in); err != nil {
		s.failFor(w, r, c, err)
		return
	}
	s.apiUser(w, r, c, func(a *custodian.Account) (any, error) {
		g, err := in.grant()
		if err != nil {
			return nil, err
		}
		return s.Console.Accounts.Grant(r.Context(), a, g, c.actor(), c.source)
	})
}

func (s *Server) apiUserRevoke(w http.ResponseWriter, r *http.Request, c *call) {
	s.apiUser(w, r, c, func(a *custodian.Account) (any, error) {
		id, err := atoiID(r.PathValue("grant"), "grant")
		if err != nil {
			return nil, err
		}
		return nil, s.Console.Accounts.Revoke(r.Context(), a, id, c.actor(), c.source)
	})
}

func (s *Server) apiUserTOTPReset(w http.ResponseWriter, r *http.Request, c *call) {
	s.apiUser(w, r, c, func(a *custodian.Account) (any, error) {
		return nil, s.Console.Accounts.ResetTOTP(r.Context(), a, c.actor(), c.source)
	})
}

func (s *Server) apiDeputies(w http.ResponseWriter, r *http.Request, c *call) {
	ds, err := s.Console.Accounts.Store.AllDeputies(r.Context())
	if err != nil {
		s.failFor(w, r, c, err)
		return
	}
	if ds == nil {
		ds = []custodian.Deputy{}
	}
	writeJSON(w, http.StatusOK, ds)
}

func (s *Server) apiDeputyAssign(w http.ResponseWriter, r *http.Request, c *call) {
	var in struct {
		Deputy  string `json:"deputy"`
		Primary string `json:"primary"`
		Until   string `json:"until"`
		Reason  string `json:"reason"`
	}
	if err := readJSON(r, &in); err != nil {
		s.failFor(w, r, c, err)
		return
	}
	d, err := s.assignDeputy(r.Context(), c, in.Deputy, in.Primary, in.Until, in.Reason)
	if err != nil {
		s.failFor(w, r, c, err)
		return
	}
	writeJSON(w, http.StatusCreated, d)
}

func (s *Server) apiDeputyEnd(w http.ResponseWriter, r *http.Request, c *call) {
	id, err := atoiID(r.PathValue("id"), "deputy")
	if err == nil {
		err = s.Console.Accounts.EndDeputy(r.Context(), id, c.actor(), c.source)
	}
	if err != nil {
		s.failFor(w, r, c, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"ended": id})
}

func (s *Server) apiRequests(w http.ResponseWriter, r *http.Request, c *call) {
	if s.Console.Requests == nil {
		s.failFor(w, r, c, custodian.Errorf(custodian.EINTERNAL, "청구 저장소가 설정되지 않았습니다", "the request store is not configured"))
		return
	}
	rs, err := s.requestsInScope(r.Context(), c, r.URL.Query().Get("open") == "1")
	if err != nil {
		s.failFor(w, r, c, err)
		return
	}
	if rs == nil {
		rs = []custodian.SubjectRequest{}
	}
	writeJSON(w, http.StatusOK, rs)
}

func (s *Server) apiHolds(w http.ResponseWriter, r *http.Request, c *call) {
	hs, err := s.holdsInScope(r.Context(), c)
	if err != nil {
		s.failFor(w, r, c, err)
		return
	}
	if hs == nil {
		hs = []custodian.Hold{}
	}
	writeJSON(w, http.StatusOK, hs)
}
