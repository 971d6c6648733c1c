package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"custodian"
	"custodian/accounts"
	"custodian/auditlog"
	"custodian/auth"
	"custodian/publish"
	"custodian/yaml"
)

// ---- Registry ----

type registryData struct {
	Registry *custodian.Registry
	Meta     custodian.RegistryMeta
	YAML     string
	CanEdit  bool
	Problems []custodian.Problem
	Error    string
	Saved    string
}

func (s *Server) registryData(ctx context.Context, c *call) (*registryData, error) {
	reg, _, meta, err := s.currentRegistry(ctx)
	if err != nil && custodian.ErrorCode(err) != custodian.ENOTFOUND {
		return nil, err
	}
	d := &registryData{Meta: meta, CanEdit: c.can(auth.RegistryEdit, auth.Target{})}
	if reg != nil {
		// The page shows what the API gives: the caller's part, sources only to those who
		// manage the camera. The editor's text (registry.edit is organisation-wide) is the
		// whole registry, as it is saved back whole.
		d.Registry = registryInScope(reg, c)
	}
	if reg != nil && d.CanEdit {
		b, err := yaml.Encode(reg)
		if err != nil {
			return nil, err
		}
		d.YAML = string(b)
	}
	return d, nil
}

func (s *Server) registryPage(w http.ResponseWriter, r *http.Request, c *call) {
	d, err := s.registryData(r.Context(), c)
	if err != nil {
		s.failFor(w, r, c, err)
		return
	}
	d.Saved = r.URL.Query().Get("saved")
	s.renderFor(w, r, c, http.StatusOK, "registry.html", t(c.lang, "등록부", "Registry"), d)
}

// saveRegistry validates YAML text as import does and stores it; people removed from the
// registry have their accounts disabled at once.
func (s *Server) saveRegistry(ctx context.Context, c *call, text []byte, format string) (custodian.RegistryMeta, error) {
	if len(text) == 0 {
		return custodian.RegistryMeta{}, custodian.Errorf(custodian.EINVALID, "등록부 내용이 비어 있습니다", "the registry is empty")
	}
	if len(text) > 4<<20 {
		return custodian.RegistryMeta{}, custodian.Errorf(custodian.EINVALID, "등록부가 4 MiB보다 큽니다", "the registry is larger than 4 MiB")
	}
	// YAML is a superset of JSON: one decoder with line numbers for both.
	reg, err := yaml.Load("registry."+format, text)
	if err != nil {
		return custodian.RegistryMeta{}, err
	}
	// The new registry is checked against the current one and saved only over that very
	// revision: a save by someone else in between (a camera's source changed by its
	// manager) is not overwritten by a change checked against what it replaced.
	cur, _, curMeta, err := s.currentRegistry(ctx)
	if err != nil && custodian.ErrorCode(err) != custodian.ENOTFOUND {
		return custodian.RegistryMeta{}, err
	}
	if err := checkSourceChanges(c, cur, reg); err != nil {
		return custodian.RegistryMeta{}, err
	}
	meta, err := s.Registry.SaveRegistryOver(ctx, reg, "console:"+c.actor(), curMeta.Revision)
	if err != nil {
		return meta, err
	}
	if !meta.Unchanged {
		s.Console.Log.Append(ctx, auditlog.Event{Actor: c.actor(), Source: c.source, Action: "registry.save", Object: meta.Source})
		if _, _, err := s.Console.Accounts.SyncPeople(ctx, reg, c.actor(), c.source); err != nil {
			return meta, err
		}
	}
	return meta, nil
}

// checkSourceChanges refuses a registry that changes a camera's source, credentials or
// recording (custodian.SourceChanges) unless the caller has cameras.manage over that
// camera, where it was and where it is now: the registry editor does not choose what is
// recorded or where a stored camera password goes (docs/PERMISSIONS.md). A password_file
// is refused from the console in any case: only 'custodian import' on the server reads
// one.
func checkSourceChanges(c *call, cur, next *custodian.Registry) error {
	var files []string
	for i, st := range next.Sites {
		for j, g := range st.CameraGroups {
			for k, cam := range g.Cameras {
				if cam.Source != nil && cam.Source.PasswordFile != "" {
					files = append(files, fmt.Sprintf("sites[%d].camera_groups[%d].cameras[%d].source.password_file (%s)", i, j, k, cam.ID))
				}
			}
		}
	}
	if len(files) > 0 {
		list := strings.Join(files[:min(len(files), custodian.MaxListed)], ", ")
		return custodian.Errorf(custodian.EINVALID,
			"콘솔에서는 password_file을 쓸 수 없습니다 (서버의 'custodian import'만 읽습니다; 비밀번호는 'custodian cameras set-source --password-file'로 정하십시오): %s",
			"password_file cannot be used from the console (only 'custodian import' on the server reads it; set a password with 'custodian cameras set-source --password-file'): %s", list)
	}
	var refused []custodian.SourceChange
	xn := next.Index()
	var xo *custodian.Index
	if cur != nil {
		xo = cur.Index()
	}
	for _, ch := range custodian.SourceChanges(cur, next) {
		ok := true
		for _, x := range []*custodian.Index{xo, xn} {
			if x == nil {
				continue
			}
			if t, err := targetOf(x, ch.Camera); err == nil && !c.can(auth.CamerasManage, t) {
				ok = false
			}
		}
		if !ok {
			refused = append(refused, ch)
		}
	}
	if len(refused) == 0 {
		return nil
	}
	text := custodian.SourceChangesText(refused)
	return custodian.Errorf(custodian.EUNAUTHORIZED,
		"카메라의 영상 출처, 인증 정보, 녹화 여부(enabled)는 cameras.manage 권한으로만 바꿀 수 있습니다. 등록부를 저장하지 않았습니다. 권한 없이 바뀐 항목:%s",
		"a camera's source, credentials and recording (enabled) can be changed only with cameras.manage; the registry was not saved. Changed without it:%s", text)
}

func (s *Server) registryPost(w http.ResponseWriter, r *http.Request, c *call) {
	text := r.PostFormValue("yaml")
	_, err := s.saveRegistry(r.Context(), c, []byte(text), "yaml")
	if err != nil {
		d, derr := s.registryData(r.Context(), c)
		if derr != nil {
			s.failFor(w, r, c, derr)
			return
		}
		d.YAML = text
		var ve *custodian.ValidationError
		if errors.As(err, &ve) {
			d.Problems = ve.Problems
		} else {
			d.Error = msgOf(c.lang, err)
		}
		s.renderFor(w, r, c, httpStatus(err), "registry.html", t(c.lang, "등록부", "Registry"), d)
		return
	}
	http.Redirect(w, r, "/console/registry?saved=1", http.StatusSeeOther)
}

// ---- Policy ----

type policyData struct {
	Versions []versionRow
	Current  *custodian.PolicyVersion
	Today    custodian.Date
	Announce string
	Effect   string
	Reason   string
	Error    string
	Done     string
	Notice   int
}

func (s *Server) policyData(ctx context.Context, c *call) (*policyData, error) {
	rows, cur, err := s.versionRows(ctx)
	if err != nil {
		return nil, err
	}
	today := custodian.DateOf(c.now)
	notice := 7
	if reg, err := s.registry(ctx); err == nil {
		notice = reg.NoticePeriod()
	}
	d := &policyData{Versions: rows, Current: cur, Today: today, Announce: today.String(), Effect: today.AddDays(notice).String(), Notice: notice}
	return d, nil
}

func (s *Server) policyPage(w http.ResponseWriter, r *http.Request, c *call) {
	d, err := s.policyData(r.Context(), c)
	if err != nil {
		s.failFor(w, r, c, err)
		return
	}
	d.Done = r.URL.Query().Get("published")
	s.renderFor(w, r, c, http.StatusOK, "policy_admin.html", t(c.lang, "방침 공고", "Publish the policy"), d)
}

func (s *Server) publish(ctx context.Context, c *call, announced, effective, reason string) (*custodian.PolicyVersion, error) {
	a, err := custodian.ParseDate(strings.TrimSpace(announced))
	if err != nil {
		return nil, custodian.Errorf(custodian.EINVALID, "공고일 %q가 올바르지 않습니다 (YYYY-MM-DD)", "announcement date %q is not valid (YYYY-MM-DD)", announced)
	}
	e, err := custodian.ParseDate(strings.TrimSpace(effective))
	if err != nil {
		return nil, custodian.Errorf(custodian.EINVALID, "시행일 %q가 올바르지 않습니다 (YYYY-MM-DD)", "effective date %q is not valid (YYYY-MM-DD)", effective)
	}
	reason = strings.TrimSpace(reason)
	if reason == "" || len([]rune(reason)) > 500 {
		return nil, custodian.Errorf(custodian.EINVALID, "변경 사유를 1~500자로 적어 주십시오", "give the reason for the change in 1 to 500 characters")
	}
	v, err := publish.PublishPolicy(ctx, s.Registry, s.Policies, publish.PublishRequest{Announced: a, Effective: e, Reason: reason, By: c.actor()})
	if err != nil {
		return nil, err
	}
	s.Console.Log.Append(ctx, auditlog.Event{Actor: c.actor(), Source: c.source, Action: "policy.publish", Object: "v" + itoa(v.Number),
		Detail: "announced " + v.Announced.String() + " effective " + v.Effective.String()})
	return v, nil
}

func itoa(n int) string { return strconv.Itoa(n) }

func (s *Server) policyPost(w http.ResponseWriter, r *http.Request, c *call) {
	v, err := s.publish(r.Context(), c, r.PostFormValue("announced"), r.PostFormValue("effective"), r.PostFormValue("reason"))
	if err != nil {
		d, derr := s.policyData(r.Context(), c)
		if derr != nil {
			s.failFor(w, r, c, derr)
			return
		}
		d.Announce, d.Effect, d.Reason = r.PostFormValue("announced"), r.PostFormValue("effective"), r.PostFormValue("reason")
		d.Error = msgOf(c.lang, err)
		if ve := (*custodian.ValidationError)(nil); errors.As(err, &ve) {
			d.Error = ve.Error()
		}
		s.renderFor(w, r, c, httpStatus(err), "policy_admin.html", t(c.lang, "방침 공고", "Publish the policy"), d)
		return
	}
	http.Redirect(w, r, "/console/policy?published="+itoa(v.Number), http.StatusSeeOther)
}

// ---- Access log ----

type logQuery struct {
	From, To              time.Time
	Actor, Action, Camera string
	Limit                 int
	FromText, ToText      string
}

// parseLogQuery reads the access log filters: from/to as dates (KST) or RFC 3339 times;
// default the last 7 days.
func parseLogQuery(r *http.Request, now time.Time) (logQuery, error) {
	q := r.URL.Query()
	lq := logQuery{Actor: strings.TrimSpace(q.Get("actor")), Action: strings.TrimSpace(q.Get("action")), Camera: strings.TrimSpace(q.Get("camera")), Limit: 500}
	parse := func(name, v string, end bool) (time.Time, error) {
		if v == "" {
			return time.Time{}, nil
		}
		if d, err := custodian.ParseDate(v); err == nil {
			if end {
				return d.AddDays(1).Time(), nil
			}
			return d.Time(), nil
		}
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return t, custodian.Errorf(custodian.EINVALID, "%s=%q는 날짜(YYYY-MM-DD)나 RFC 3339 시각이 아닙니다", "%s=%q is not a date (YYYY-MM-DD) or an RFC 3339 time", name, v)
		}
		return t, nil
	}
	var err error
	lq.FromText, lq.ToText = q.Get("from"), q.Get("to")
	if lq.From, err = parse("from", lq.FromText, false); err != nil {
		return lq, err
	}
	if lq.To, err = parse("to", lq.ToText, true); err != nil {
		return lq, err
	}
	if lq.From.IsZero() {
		lq.From = custodian.DateOf(now).AddDays(-6).Time()
		lq.FromText = custodian.DateOf(lq.From).String()
	}
	if lq.To.IsZero() {
		lq.To = custodian.DateOf(now).AddDays(1).Time()
		lq.ToText = custodian.DateOf(now).String()
	}
	if !lq.To.After(lq.From) {
		return lq, custodian.Errorf(custodian.EINVALID, "to가 from보다 뒤여야 합니다", "to must be after from")
	}
	if l := q.Get("limit"); l != "" {
		n, err := atoiID(l, "limit")
		if err != nil || n > 5000 {
			return lq, custodian.Errorf(custodian.EINVALID, "limit은 1~5000입니다", "limit is 1 to 5000")
		}
		lq.Limit = int(n)
	}
	for name, v := range map[string]string{"actor": lq.Actor, "action": lq.Action, "camera": lq.Camera} {
		if len(v) > 100 {
			return lq, custodian.Errorf(custodian.EINVALID, "%s가 너무 깁니다", "%s is too long", name)
		}
	}
	return lq, nil
}

// logRecords reads the newest records matching lq (at most lq.Limit), newest first; more
// reports whether there were more.
func (s *Server) logRecords(ctx context.Context, lq logQuery) (recs []auditlog.Event, more bool, err error) {
	f := auditlog.Filter{From: lq.From, To: lq.To, Actor: lq.Actor, Camera: lq.Camera}
	if strings.HasSuffix(lq.Action, ".") {
		f.ActionPrefix = lq.Action
	} else {
		f.Action = lq.Action
	}
	err = auditlog.Scan(ctx, s.Console.LogDir, f, func(e auditlog.Event) error {
		recs = append(recs, e)
		if len(recs) > lq.Limit {
			recs = recs[1:]
			more = true
		}
		return nil
	})
	for i, j := 0, len(recs)-1; i < j; i, j = i+1, j-1 {
		recs[i], recs[j] = recs[j], recs[i]
	}
	return recs, more, err
}

func (s *Server) accessLogPage(w http.ResponseWriter, r *http.Request, c *call) {
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
	s.renderFor(w, r, c, http.StatusOK, "accesslog.html", t(c.lang, "접근 기록", "Access log"), struct {
		Q       logQuery
		Records []auditlog.Event
		More    bool
		Month   string
		Review  bool
	}{lq, recs, more, c.now.In(custodian.KST).Format("2006-01"), c.can(auth.AccessLogReview, auth.Target{})})
}

func (s *Server) review(ctx context.Context, month string, now time.Time) (*auditlog.ReviewReport, error) {
	if month == "" {
		month = now.In(custodian.KST).AddDate(0, -1, 0).Format("2006-01")
	}
	return auditlog.Review(ctx, s.Console.LogDir, month, auditlog.ReviewOptions{})
}

func (s *Server) reviewPage(w http.ResponseWriter, r *http.Request, c *call) {
	rep, err := s.review(r.Context(), r.URL.Query().Get("month"), c.now)
	if err != nil {
		s.failFor(w, r, c, err)
		return
	}
	s.renderFor(w, r, c, http.StatusOK, "review.html", t(c.lang, "월간 점검", "Monthly review"), rep)
}

// ---- Users ----

type usersData struct {
	Accounts []custodian.Account
	Deputies []custodian.Deputy
	Names    map[int64]string
	Roles    []auth.Role
	People   []custodian.Person
	Error    string
	Secret   string // a new account's OTP secret, shown once
	URI      string
	Done     string
}

func (s *Server) usersData(ctx context.Context) (*usersData, error) {
	m := s.Console.Accounts
	as, err := m.Store.Accounts(ctx)
	if err != nil {
		return nil, err
	}
	ds, err := m.Store.AllDeputies(ctx)
	if err != nil {
		return nil, err
	}
	d := &usersData{Accounts: as, Deputies: ds, Names: map[int64]string{}, Roles: auth.Roles}
	for _, a := range as {
		d.Names[a.ID] = a.Username
	}
	if reg, err := s.registry(ctx); err == nil {
		d.People = reg.People
	}
	return d, nil
}

func (s *Server) usersPage(w http.ResponseWriter, r *http.Request, c *call) {
	d, err := s.usersData(r.Context())
	if err != nil {
		s.failFor(w, r, c, err)
		return
	}
	d.Done = r.URL.Query().Get("done")
	s.renderFor(w, r, c, http.StatusOK, "users.html", t(c.lang, "사용자·권한", "Users and roles"), d)
}

func (s *Server) usersFail(w http.ResponseWriter, r *http.Request, c *call, err error) {
	d, derr := s.usersData(r.Context())
	if derr != nil {
		s.failFor(w, r, c, derr)
		return
	}
	d.Error = msgOf(c.lang, err)
	s.renderFor(w, r, c, httpStatus(err), "users.html", t(c.lang, "사용자·권한", "Users and roles"), d)
}

// grantInput is a grant as forms and the API give it.
type grantInput struct {
	Role      string   `json:"role"`
	All       bool     `json:"all"`
	Sites     []string `json:"sites"`
	Cameras   []string `json:"cameras"`
	Until     string   `json:"until"` // YYYY-MM-DD (KST), through that day
	Agreement string   `json:"agreement"`
}

func (g grantInput) grant() (custodian.AccountGrant, error) {
	out := custodian.AccountGrant{Role: strings.TrimSpace(g.Role), All: g.All, Sites: cleanList(g.Sites), Cameras: cleanList(g.Cameras), Agreement: strings.TrimSpace(g.Agreement)}
	if u := strings.TrimSpace(g.Until); u != "" {
		d, err := custodian.ParseDate(u)
		if err != nil {
			return out, custodian.Errorf(custodian.EINVALID, "종료일 %q가 올바르지 않습니다 (YYYY-MM-DD)", "the end date %q is not valid (YYYY-MM-DD)", u)
		}
		out.Until = d.AddDays(1).Time()
	}
	return out, nil
}

func cleanList(xs []string) []string {
	var out []string
	for _, x := range xs {
		for _, p := range strings.Split(x, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

func formGrant(r *http.Request) grantInput {
	return grantInput{Role: r.PostFormValue("role"), All: r.PostFormValue("scope") == "all", Sites: []string{r.PostFormValue("sites")},
		Cameras: []string{r.PostFormValue("cameras")}, Until: r.PostFormValue("until"), Agreement: r.PostFormValue("agreement")}
}

func (s *Server) usersCreate(w http.ResponseWriter, r *http.Request, c *call) {
	gi := formGrant(r)
	var grants []custodian.AccountGrant
	if gi.Role != "" {
		g, err := gi.grant()
		if err != nil {
			s.usersFail(w, r, c, err)
			return
		}
		grants = append(grants, g)
	}
	if r.PostFormValue("password") != r.PostFormValue("confirm") {
		s.usersFail(w, r, c, custodian.Errorf(custodian.EINVALID, "비밀번호와 확인이 다릅니다", "the password and its confirmation differ"))
		return
	}
	a, secret, err := s.Console.Accounts.Create(r.Context(), accounts.NewAccount{Username: r.PostFormValue("username"), Name: r.PostFormValue("name"),
		Person: strings.TrimSpace(r.PostFormValue("person")), Email: strings.TrimSpace(r.PostFormValue("email")), Password: r.PostFormValue("password"),
		TOTP: r.PostFormValue("totp") == "1", Grants: grants}, c.actor(), c.source)
	if err != nil {
		s.usersFail(w, r, c, err)
		return
	}
	d, err := s.usersData(r.Context())
	if err != nil {
		s.failFor(w, r, c, err)
		return
	}
	d.Done = "created:" + a.Username
	if secret != "" {
		d.Secret = secret
		d.URI = auth.TOTPURI("Custodian", a.Username, secret)
	}
	s.renderFor(w, r, c, http.StatusOK, "users.html", t(c.lang, "사용자·권한", "Users and roles"), d)
}

func (s *Server) accountParam(r *http.Request) (*custodian.Account, error) {
	id, err := atoiID(r.PathValue("id"), "account")
	if err != nil {
		return nil, err
	}
	return s.Console.Accounts.Store.Account(r.Context(), id)
}

// userAction runs fn on the account in the path and answers for the console.
func (s *Server) userAction(w http.ResponseWriter, r *http.Request, c *call, done string, fn func(*custodian.Account) error) {
	a, err := s.accountParam(r)
	if err == nil {
		err = fn(a)
	}
	if err != nil {
		s.usersFail(w, r, c, err)
		return
	}
	http.Redirect(w, r, "/console/users?done="+done, http.StatusSeeOther)
}

func (s *Server) userDisable(w http.ResponseWriter, r *http.Request, c *call) {
	s.userAction(w, r, c, "disabled", func(a *custodian.Account) error {
		if a.ID == c.acct.ID {
			return custodian.Errorf(custodian.EINVALID, "자기 계정은 비활성화할 수 없습니다", "you cannot disable your own account")
		}
		_, err := s.Console.Accounts.Disable(r.Context(), a, r.PostFormValue("reason"), c.actor(), c.source)
		return err
	})
}

func (s *Server) userEnable(w http.ResponseWriter, r *http.Request, c *call) {
	s.userAction(w, r, c, "enabled", func(a *custodian.Account) error {
		return s.Console.Accounts.Enable(r.Context(), a, c.actor(), c.source)
	})
}

func (s *Server) userGrant(w http.ResponseWriter, r *http.Request, c *call) {
	s.userAction(w, r, c, "granted", func(a *custodian.Account) error {
		g, err := formGrant(r).grant()
		if err != nil {
			return err
		}
		_, err = s.Console.Accounts.Grant(r.Context(), a, g, c.actor(), c.source)
		return err
	})
}

func (s *Server) userRevoke(w http.ResponseWriter, r *http.Request, c *call) {
	s.userAction(w, r, c, "revoked", func(a *custodian.Account) error {
		id, err := atoiID(r.PathValue("grant"), "grant")
		if err != nil {
			return err
		}
		return s.Console.Accounts.Revoke(r.Context(), a, id, c.actor(), c.source)
	})
}

func (s *Server) userTOTPReset(w http.ResponseWriter, r *http.Request, c *call) {
	s.userAction(w, r, c, "totp-reset", func(a *custodian.Account) error {
		return s.Console.Accounts.ResetTOTP(r.Context(), a, c.actor(), c.source)
	})
}

// assignDeputy assigns by usernames.
func (s *Server) assignDeputy(ctx context.Context, c *call, deputy, primary, until, reason string) (*custodian.Deputy, error) {
	store := s.Console.Accounts.Store
	d, err := store.AccountByUsername(ctx, strings.TrimSpace(deputy))
	if err != nil {
		return nil, err
	}
	p, err := store.AccountByUsername(ctx, strings.TrimSpace(primary))
	if err != nil {
		return nil, err
	}
	var u time.Time
	if until = strings.TrimSpace(until); until != "" {
		day, err := custodian.ParseDate(until)
		if err != nil {
			return nil, custodian.Errorf(custodian.EINVALID, "종료일 %q가 올바르지 않습니다 (YYYY-MM-DD)", "the end date %q is not valid (YYYY-MM-DD)", until)
		}
		u = day.AddDays(1).Time()
	}
	return s.Console.Accounts.AssignDeputy(ctx, d, p, u, reason, c.actor(), c.source)
}

func (s *Server) deputyAssign(w http.ResponseWriter, r *http.Request, c *call) {
	if _, err := s.assignDeputy(r.Context(), c, r.PostFormValue("deputy"), r.PostFormValue("primary"), r.PostFormValue("until"), r.PostFormValue("reason")); err != nil {
		s.usersFail(w, r, c, err)
		return
	}
	http.Redirect(w, r, "/console/users?done=deputy", http.StatusSeeOther)
}

func (s *Server) deputyEnd(w http.ResponseWriter, r *http.Request, c *call) {
	id, err := atoiID(r.PathValue("id"), "deputy")
	if err == nil {
		err = s.Console.Accounts.EndDeputy(r.Context(), id, c.actor(), c.source)
	}
	if err != nil {
		s.usersFail(w, r, c, err)
		return
	}
	http.Redirect(w, r, "/console/users?done=deputy-ended", http.StatusSeeOther)
}

// ---- Requests (staff view) ----

func (s *Server) requestsPage(w http.ResponseWriter, r *http.Request, c *call) {
	if s.Console.Requests == nil {
		s.failFor(w, r, c, custodian.Errorf(custodian.EINTERNAL, "청구 저장소가 설정되지 않았습니다", "the request store is not configured"))
		return
	}
	all := r.URL.Query().Get("all") == "1"
	rs, err := s.requestsInScope(r.Context(), c, !all)
	if err != nil {
		s.failFor(w, r, c, err)
		return
	}
	sort.SliceStable(rs, func(i, j int) bool { return rs[i].Filed.After(rs[j].Filed) })
	today := custodian.DateOf(c.now)
	d := struct {
		Requests               []custodian.SubjectRequest
		All, CanFile           bool
		Today                  custodian.Date
		Open, DueSoon, Overdue int
	}{Requests: rs, All: all, Today: today, CanFile: auth.CanSome(c.grants, auth.RequestsDecide, c.now)}
	for i := range rs {
		switch q := &rs[i]; {
		case !q.Open():
		case q.Overdue(today):
			d.Open++
			d.Overdue++
		case !today.AddDays(3).Before(q.Due):
			d.Open++
			d.DueSoon++
		default:
			d.Open++
		}
	}
	s.renderFor(w, r, c, http.StatusOK, "requests.html", t(c.lang, "열람 등 청구", "Requests"), d)
}
