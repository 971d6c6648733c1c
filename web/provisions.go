package web

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"custodian"
	"custodian/auth"
)

// Provision to third parties and use beyond purpose (docs/design/provisions.md): staff
// enter provisions from official letters, agencies file requests under their agreement,
// the responsible manager approves or refuses (never the filer), delivery of footage goes
// through the footage door, and the portal publishes what a public body must.

// provisionRoutes registers the provision routes; called from consoleRoutes.
func (s *Server) provisionRoutes() {
	add := func(method, pattern string, a access, action auth.Action, h func(http.ResponseWriter, *http.Request, *call)) {
		s.handle(route{method: method, pattern: pattern, access: a, action: action, scope: scopeSome, h: h})
	}
	api := func(method, pattern string, a access, action auth.Action, summary, body string, h func(http.ResponseWriter, *http.Request, *call)) {
		s.handle(route{method: method, pattern: pattern, access: a, action: action, scope: scopeSome, api: true, summary: summary, body: body, h: h})
	}
	act, pub := accessAction, accessPublic
	add("GET", "/console/provisions", act, auth.ProvisionsManage, s.provisionsPage)
	add("GET", "/console/provisions/new", act, auth.ProvisionsManage, s.provisionNewPage)
	add("POST", "/console/provisions", act, auth.ProvisionsManage, s.provisionCreate)
	add("GET", "/console/provisions/{id}", act, auth.ProvisionsManage, s.provisionPage)
	add("POST", "/console/provisions/{id}/approve", act, auth.ProvisionsApprove, s.provisionStep("approve"))
	add("POST", "/console/provisions/{id}/refuse", act, auth.ProvisionsApprove, s.provisionStep("refuse"))
	add("POST", "/console/provisions/{id}/copy", act, auth.ProvisionsManage, s.provisionCopyPost)
	add("POST", "/console/provisions/{id}/deliver", act, auth.ProvisionsManage, s.provisionStep("deliver"))
	add("POST", "/console/provisions/{id}/close", act, auth.ProvisionsManage, s.provisionStep("close"))
	add("GET", "/console/agency/provisions", act, auth.ProvisionsRequest, s.agencyProvisionsPage)
	add("POST", "/console/agency/provisions", act, auth.ProvisionsRequest, s.agencyProvisionCreate)
	add("GET", "/console/agency/provisions/{id}", act, auth.ProvisionsRequest, s.agencyProvisionPage)
	s.handle(route{method: "GET", pattern: "/provisions", access: pub, h: s.publicationsPage})

	api("GET", "/api/provisions", act, auth.ProvisionsManage, "provisions to third parties and uses beyond purpose in the caller's scope (?status=)", "", s.apiProvisions)
	api("POST", "/api/provisions", act, auth.ProvisionsManage, "enter a provision from an official letter (status requested)", "json", s.apiProvisionCreate)
	api("GET", "/api/provisions/{id}", act, auth.ProvisionsManage, "one provision", "", s.apiProvision)
	api("POST", "/api/provisions/{id}/approve", act, auth.ProvisionsApprove, "approve (the responsible manager; never the filer); {pledge, restrictions}", "json", s.provisionStep("approve"))
	api("POST", "/api/provisions/{id}/refuse", act, auth.ProvisionsApprove, "refuse with a reason; {reason}", "json", s.provisionStep("refuse"))
	api("POST", "/api/provisions/{id}/copy", act, auth.ProvisionsManage, "make the signed copy of an approved provision in the background (202); its export ID is then delivered", "", s.apiProvisionCopy)
	api("GET", "/api/provisions/{id}/copy", act, auth.ProvisionsManage, "the progress of a provision's copy and its download links", "", s.apiProvisionCopyStatus)
	api("POST", "/api/provisions/{id}/deliver", act, auth.ProvisionsManage, "deliver through the footage door (logged with provision=N); {export_id} for a copy, {attendee} for on-site viewing", "json", s.provisionStep("deliver"))
	api("POST", "/api/provisions/{id}/close", act, auth.ProvisionsManage, "close a delivered or refused provision; {note}", "json", s.provisionStep("close"))
	api("GET", "/api/agency/provisions", act, auth.ProvisionsRequest, "the calling agency's own provision requests", "", s.apiAgencyProvisions)
	api("POST", "/api/agency/provisions", act, auth.ProvisionsRequest, "file a provision request under the caller's agreement", "json", s.apiAgencyProvisionCreate)
	api("GET", "/api/agency/provisions/{id}", act, auth.ProvisionsRequest, "one of the calling agency's own requests: status and what was given", "", s.apiAgencyProvision)
	api("GET", "/api/public/provisions", pub, "", "uses beyond purpose and provisions a public body publishes (PIPA Art. 18(4)): date, legal ground, purpose, items", "", s.apiPublications)
}

// provisions returns the store, or an error when none is configured.
func (s *Server) provisions() (custodian.ProvisionService, error) {
	if s.Console == nil || s.Console.Provisions == nil {
		return nil, custodian.Errorf(custodian.EUNAVAILABLE, "제공 기록 저장소가 설정되지 않았습니다", "the provision store is not configured")
	}
	return s.Console.Provisions, nil
}

// provisionInput is the provision form (console and API).
type provisionInput struct {
	Kind         string   `json:"kind"`
	Agency       string   `json:"agency"`
	Department   string   `json:"department"`
	Officer      string   `json:"officer"`
	Contact      string   `json:"contact"`
	LetterNo     string   `json:"letter_no"`
	LetterDate   string   `json:"letter_date"` // YYYY-MM-DD
	Ground       int      `json:"ground"`
	Basis        string   `json:"basis"`
	Purpose      string   `json:"purpose"`
	Cameras      []string `json:"cameras"`
	From         string   `json:"from"` // RFC 3339, or YYYY-MM-DDTHH:MM in KST
	To           string   `json:"to"`
	Form         string   `json:"form"`
	Agreement    string   `json:"agreement"`
	Items        string   `json:"items"`
	Restrictions string   `json:"restrictions"`
	Pledge       bool     `json:"pledge"`
	Note         string   `json:"note"`
}

func provisionForm(r *http.Request) (provisionInput, error) {
	if err := r.ParseForm(); err != nil {
		return provisionInput{}, custodian.Errorf(custodian.EINVALID, "양식을 읽을 수 없습니다: %w", "cannot read the form: %w", err)
	}
	f := r.PostForm
	in := provisionInput{Kind: f.Get("kind"), Agency: f.Get("agency"), Department: f.Get("department"), Officer: f.Get("officer"), Contact: f.Get("contact"),
		LetterNo: f.Get("letter_no"), LetterDate: f.Get("letter_date"), Basis: f.Get("basis"), Purpose: f.Get("purpose"), From: f.Get("from"), To: f.Get("to"),
		Form: f.Get("form"), Agreement: f.Get("agreement"), Items: f.Get("items"), Restrictions: f.Get("restrictions"), Pledge: f.Get("pledge") == "1", Note: f.Get("note")}
	for _, c := range f["cameras"] {
		for _, x := range strings.FieldsFunc(c, func(r rune) bool { return r == ',' || r == ' ' }) {
			in.Cameras = append(in.Cameras, x)
		}
	}
	if g := strings.TrimSpace(f.Get("ground")); g != "" {
		n, err := strconv.Atoi(g)
		if err != nil {
			return in, custodian.Errorf(custodian.EINVALID, "제공 기록 ground: %q는 호 번호가 아닙니다", "provision ground: %q is not an item number", custodian.Clip(g, 16))
		}
		in.Ground = n
	}
	return in, nil
}

func provTime(field, v string) (time.Time, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, v, custodian.KST); err == nil {
			return t, nil
		}
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	return time.Time{}, custodian.Errorf(custodian.EINVALID, "제공 기록 %s: %q는 시각이 아닙니다 (YYYY-MM-DDTHH:MM, 한국 시각, 또는 RFC 3339)", "provision %s: %q is not a time (YYYY-MM-DDTHH:MM in KST, or RFC 3339)",
		field, custodian.Clip(v, 40))
}

// provision turns the input into a provision filed by the caller on channel, validated
// against the registry.
func (s *Server) provisionOf(ctx context.Context, c *call, in provisionInput, channel string) (*custodian.Provision, error) {
	reg, err := s.registry(ctx)
	if err != nil {
		return nil, err
	}
	p := &custodian.Provision{Kind: in.Kind, Agency: in.Agency, Department: in.Department, Officer: in.Officer, Contact: in.Contact, LetterNo: in.LetterNo,
		Ground: in.Ground, Basis: in.Basis, Purpose: in.Purpose, Cameras: in.Cameras, Form: in.Form, Agreement: strings.TrimSpace(in.Agreement), Items: in.Items,
		Restrictions: in.Restrictions, Pledge: in.Pledge, Note: in.Note, Channel: channel, FiledBy: c.acct.Username, Filed: c.now, Updated: c.now,
		Status: custodian.ProvisionRequested}
	if v := strings.TrimSpace(in.LetterDate); v != "" {
		if p.LetterDate, err = custodian.ParseDate(v); err != nil {
			return nil, custodian.Errorf(custodian.EINVALID, "제공 기록 letter_date: %q는 날짜가 아닙니다 (YYYY-MM-DD)", "provision letter_date: %q is not a date (YYYY-MM-DD)", custodian.Clip(v, 40))
		}
	}
	if p.From, err = provTime("from", in.From); err != nil {
		return nil, err
	}
	if p.To, err = provTime("to", in.To); err != nil {
		return nil, err
	}
	if channel == custodian.ProvisionByAgency {
		// An agency files only under an agreement of its own grants, in force now; the
		// recipient is the agreement's agency.
		ags := agencyAgreements(c)
		if p.Agreement == "" && len(ags) == 1 {
			p.Agreement = ags[0]
		}
		if !slices.Contains(ags, p.Agreement) {
			return nil, custodian.Errorf(custodian.EUNAUTHORIZED, "협약 %q는 이 계정의 협약이 아닙니다", "agreement %q is not this account's", custodian.Clip(p.Agreement, 64))
		}
		for _, ag := range reg.Agreements {
			if ag.ID == p.Agreement {
				p.Agency = ag.Agency
				if p.Department == "" {
					p.Department = ag.Department
				}
			}
		}
		p.Pledge = false // the pledge is received and recorded by staff
		p.Kind = custodian.ProvisionThirdParty
	}
	if err := p.Validate(reg, c.now); err != nil {
		return nil, err
	}
	// Staff enter provisions only for cameras in their scope.
	if channel == custodian.ProvisionByStaff && !s.provisionCovered(ctx, c, p, auth.ProvisionsManage) {
		return nil, custodian.Errorf(custodian.EUNAUTHORIZED, "제공 기록의 카메라 가운데 권한 밖의 것이 있습니다", "some of the provision's cameras are outside your scope")
	}
	return p, nil
}

// agencyAgreements lists the agreements of the caller's agency grants in force now.
func agencyAgreements(c *call) []string {
	var out []string
	if c.acct == nil {
		return nil
	}
	for _, g := range c.acct.Grants {
		if g.Role == string(auth.RoleAgency) && g.Agreement != "" && g.Revoked.IsZero() && (g.Until.IsZero() || c.now.Before(g.Until)) && !slices.Contains(out, g.Agreement) {
			out = append(out, g.Agreement)
		}
	}
	return out
}

// provisionCovered reports whether the caller may take action on every camera of p.
func (s *Server) provisionCovered(ctx context.Context, c *call, p *custodian.Provision, action auth.Action) bool {
	reg, err := s.registry(ctx)
	if err != nil {
		return false
	}
	x := reg.Index()
	for _, cam := range p.Cameras {
		tg, err := targetOf(x, cam)
		if err != nil {
			tg = auth.Target{Camera: cam} // no longer in the registry: organisation-wide grants only
		}
		if !c.can(action, tg) {
			return false
		}
	}
	return true
}

// staffProvision loads provision {id} within the caller's scope for action (ENOTFOUND
// for one outside it, so that numbers reveal nothing).
func (s *Server) staffProvision(ctx context.Context, c *call, idText string, action auth.Action) (*custodian.Provision, error) {
	st, err := s.provisions()
	if err != nil {
		return nil, err
	}
	id, err := atoiID(idText, "provision")
	if err != nil {
		return nil, err
	}
	p, err := st.Provision(ctx, id)
	if err != nil {
		return nil, err
	}
	if !s.provisionCovered(ctx, c, p, auth.ProvisionsManage) {
		return nil, custodian.Errorf(custodian.ENOTFOUND, "제공 기록 %d번이 없습니다", "there is no provision %d", id)
	}
	if !s.provisionCovered(ctx, c, p, action) {
		return nil, errForbidden()
	}
	return p, nil
}

// ownProvision loads the calling agency's own provision {id} (ENOTFOUND for any other).
func (s *Server) ownProvision(ctx context.Context, c *call, idText string) (*custodian.Provision, error) {
	st, err := s.provisions()
	if err != nil {
		return nil, err
	}
	id, err := atoiID(idText, "provision")
	if err != nil {
		return nil, err
	}
	p, err := st.Provision(ctx, id)
	if err != nil {
		return nil, err
	}
	if p.Channel != custodian.ProvisionByAgency || p.FiledBy != c.acct.Username {
		return nil, custodian.Errorf(custodian.ENOTFOUND, "제공 기록 %d번이 없습니다", "there is no provision %d", id)
	}
	return p, nil
}

// staffProvisions lists the provisions in the caller's scope.
func (s *Server) staffProvisions(ctx context.Context, c *call, status string) ([]custodian.Provision, error) {
	st, err := s.provisions()
	if err != nil {
		return nil, err
	}
	if status != "" {
		if _, ok := custodian.ProvisionStatusNames[status]; !ok {
			return nil, custodian.Errorf(custodian.EINVALID, "status=%q는 상태가 아닙니다 (requested, approved, refused, delivered, closed)", "status=%q is not a status (requested, approved, refused, delivered, closed)", custodian.Clip(status, 32))
		}
	}
	ps, err := st.Provisions(ctx, custodian.ProvisionFilter{Status: status})
	if err != nil {
		return nil, err
	}
	out := []custodian.Provision{}
	for i := range ps {
		if s.provisionCovered(ctx, c, &ps[i], auth.ProvisionsManage) {
			out = append(out, ps[i])
		}
	}
	return out, nil
}

// agencyView is what an agency sees of its own request: its status and what it was given,
// not the staff's accounts or the footage door's internals.
type agencyView struct {
	ID            int64          `json:"id"`
	Kind          string         `json:"kind"`
	Status        string         `json:"status"`
	Agreement     string         `json:"agreement"`
	Ground        int            `json:"ground"`
	Purpose       string         `json:"purpose"`
	Cameras       []string       `json:"cameras"`
	From          time.Time      `json:"from,omitzero"`
	To            time.Time      `json:"to,omitzero"`
	Form          string         `json:"form"`
	Items         string         `json:"items"`
	Officer       string         `json:"officer,omitempty"`
	LetterNo      string         `json:"letter_no,omitempty"`
	LetterDate    custodian.Date `json:"letter_date,omitzero"`
	Filed         time.Time      `json:"filed"`
	Decided       time.Time      `json:"decided,omitzero"`
	RefusalReason string         `json:"refusal_reason,omitempty"`
	Restrictions  string         `json:"restrictions,omitempty"`
	Delivered     time.Time      `json:"delivered,omitzero"`
	ExportID      string         `json:"export_id,omitempty"`
	Attendee      string         `json:"attendee,omitempty"`
	Closed        time.Time      `json:"closed,omitzero"`
}

func viewForAgency(p *custodian.Provision) agencyView {
	return agencyView{ID: p.ID, Kind: p.Kind, Status: p.Status, Agreement: p.Agreement, Ground: p.Ground, Purpose: p.Purpose, Cameras: p.Cameras, From: p.From, To: p.To,
		Form: p.Form, Items: p.Items, Officer: p.Officer, LetterNo: p.LetterNo, LetterDate: p.LetterDate, Filed: p.Filed, Decided: p.Decided,
		RefusalReason: p.RefusalReason, Restrictions: p.Restrictions, Delivered: p.Delivered, ExportID: p.ExportID, Attendee: p.Attendee, Closed: p.Closed}
}

// stepInput is the body of a workflow step.
type stepInput struct {
	Pledge       bool   `json:"pledge"`
	Restrictions string `json:"restrictions"`
	Reason       string `json:"reason"`
	ExportID     string `json:"export_id"`
	Attendee     string `json:"attendee"`
	Note         string `json:"note"`
}

// provisionStep handles approve, refuse, deliver and close, for the console (a form;
// redirect to the provision) and the API (JSON; the provision).
func (s *Server) provisionStep(step string) func(http.ResponseWriter, *http.Request, *call) {
	return func(w http.ResponseWriter, r *http.Request, c *call) {
		var in stepInput
		if c.route.api {
			if err := readJSON(r, &in); err != nil {
				s.failFor(w, r, c, err)
				return
			}
		} else {
			r.ParseForm()
			in = stepInput{Pledge: r.PostFormValue("pledge") == "1", Restrictions: r.PostFormValue("restrictions"), Reason: r.PostFormValue("reason"), ExportID: r.PostFormValue("export_id"),
				Attendee: r.PostFormValue("attendee"), Note: r.PostFormValue("note")}
		}
		p, view, err := s.doStep(r.Context(), c, step, r.PathValue("id"), in)
		if err != nil {
			if !c.route.api && p != nil && (httpStatus(err) == http.StatusBadRequest || httpStatus(err) == http.StatusConflict || httpStatus(err) == http.StatusForbidden) {
				s.renderProvision(w, r, c, httpStatus(err), p, msgOf(c.lang, err), "")
				return
			}
			s.failFor(w, r, c, err)
			return
		}
		if c.route.api {
			out := map[string]any{"provision": p}
			if view != "" {
				out["view_url"] = view
			}
			writeJSON(w, http.StatusOK, out)
			return
		}
		to := "/console/provisions/" + strconv.FormatInt(p.ID, 10)
		if view != "" {
			to += "?view=" + view
		}
		http.Redirect(w, r, to, http.StatusSeeOther)
	}
}

// doStep takes one step of the workflow. It returns the provision (also when the step is
// refused, for the page), and for an on-site delivery the console page that shows it.
func (s *Server) doStep(ctx context.Context, c *call, step, idText string, in stepInput) (*custodian.Provision, string, error) {
	action := auth.ProvisionsManage
	if step == "approve" || step == "refuse" {
		action = auth.ProvisionsApprove
	}
	p, err := s.staffProvision(ctx, c, idText, action)
	if err != nil {
		return nil, "", err
	}
	from := p.Status
	q := *p
	view := ""
	switch step {
	case "approve":
		err = q.Approve(c.acct.Username, c.acct.Name, in.Pledge, in.Restrictions, c.now)
	case "refuse":
		err = q.Refuse(c.acct.Username, c.acct.Name, in.Reason, c.now)
	case "close":
		err = q.Close(c.acct.Username, in.Note, c.now)
	case "deliver":
		// Checked before the door is opened, so that a bad delivery logs nothing.
		if err = q.Deliver(c.acct.Username, in.ExportID, in.Attendee, "", c.now); err != nil {
			break
		}
		if p.Form == custodian.ProvisionCopy && s.Console.Exports != nil {
			// A copy is an export package made for this provision (footage export
			// --provision N), of its cameras and within its period.
			var e *custodian.Export
			if e, err = s.Console.Exports.Export(ctx, q.ExportID); err != nil {
				if custodian.ErrorCode(err) == custodian.ENOTFOUND {
					err = custodian.Errorf(custodian.EINVALID, "제공 기록 export_id: 반출 %s가 없습니다 (footage export --provision %d로 만드십시오)",
						"provision export_id: there is no export %s (make it with footage export --provision %d)", custodian.Clip(q.ExportID, 64), p.ID)
				}
				break
			}
			if err = p.CheckExport(e); err != nil {
				break
			}
		}
		var o *custodian.FootageOpening
		o, err = s.door().Open(ctx, p.DeliveryAccess(c.actor(), c.source, in.ExportID, in.Attendee, c.now))
		if err != nil {
			break
		}
		q.Opening = o.ID
		if p.Form == custodian.ProvisionOnSite && o.Reader != nil {
			// The on-site viewing is shown in the console as a playback of exactly the
			// provision's cameras and period.
			tk := &viewTicket{ID: token(), Session: c.sess.ID, Account: c.acct.ID, Kind: "playback", Cameras: p.Cameras, From: p.From, To: p.To,
				Purpose: o.Access.Purpose, Opened: c.now, Expires: c.now.Add(ViewTicketLife)}
			s.views.add(tk)
			view = "/console/view/" + tk.ID
		}
	default:
		err = custodian.Errorf(custodian.ENOTFOUND, "%s 단계는 없습니다", "there is no step %s", step)
	}
	if err != nil {
		return p, "", err
	}
	st, _ := s.provisions()
	if err := st.UpdateProvision(ctx, &q, from); err != nil {
		return p, "", err
	}
	return &q, view, nil
}

// Pages.

type provisionRow struct {
	custodian.Provision
	KindName, StatusName, FormName, GroundName string
}

func provRow(lang string, p custodian.Provision) provisionRow {
	pick := func(n [2]string) string {
		if lang == "en" {
			return n[1]
		}
		return n[0]
	}
	r := provisionRow{Provision: p, KindName: pick(custodian.ProvisionKindNames[p.Kind]), StatusName: pick(custodian.ProvisionStatusNames[p.Status]),
		FormName: pick(custodian.ProvisionFormNames[p.Form])}
	if g := custodian.ProvisionGroundOf(p.Ground); g != nil {
		r.GroundName = g.Name(lang)
	}
	return r
}

type groundOption struct {
	Item int
	Name string
}

func groundOptions(lang string) []groundOption {
	var out []groundOption
	for _, g := range custodian.ProvisionGrounds {
		if !g.Deleted {
			out = append(out, groundOption{g.Item, g.Name(lang)})
		}
	}
	return out
}

func (s *Server) provisionsPage(w http.ResponseWriter, r *http.Request, c *call) {
	ps, err := s.staffProvisions(r.Context(), c, r.URL.Query().Get("status"))
	if err != nil {
		s.failFor(w, r, c, err)
		return
	}
	rows := make([]provisionRow, len(ps))
	for i := range ps {
		rows[i] = provRow(c.lang, ps[i])
	}
	s.renderFor(w, r, c, http.StatusOK, "provisions.html", t(c.lang, "제3자 제공·목적 외 이용", "Provisions"), struct {
		Rows   []provisionRow
		Status string
	}{rows, r.URL.Query().Get("status")})
}

type provisionFormData struct {
	In         provisionInput
	Grounds    []groundOption
	Cameras    []string
	Agreements []custodian.Agreement
	Agency     bool
	Action     string
	Error      string
	Mine       []provisionRow // the agency's own requests
}

func (s *Server) provisionFormData(ctx context.Context, c *call, agency bool) provisionFormData {
	d := provisionFormData{Grounds: groundOptions(c.lang), Agency: agency, Action: "/console/provisions",
		In: provisionInput{Kind: custodian.ProvisionThirdParty, Form: custodian.ProvisionOnSite, Ground: 7}}
	if agency {
		d.Action = "/console/agency/provisions"
	}
	reg, err := s.registry(ctx)
	if err != nil {
		return d
	}
	mine := agencyAgreements(c)
	for _, ag := range reg.Agreements {
		if !agency || slices.Contains(mine, ag.ID) {
			d.Agreements = append(d.Agreements, ag)
		}
	}
	x := reg.Index()
	cams, groups := x.Cameras()
	for i, cam := range cams {
		if agency {
			ok := false
			for _, ag := range d.Agreements {
				ok = ok || slices.Contains(ag.CameraGroups, groups[i])
			}
			if !ok {
				continue
			}
		} else if tg, err := targetOf(x, cam.ID); err != nil || !c.can(auth.ProvisionsManage, tg) {
			continue
		}
		d.Cameras = append(d.Cameras, cam.ID)
	}
	return d
}

func (s *Server) provisionNewPage(w http.ResponseWriter, r *http.Request, c *call) {
	s.renderFor(w, r, c, http.StatusOK, "provision_new.html", t(c.lang, "제공 기록 입력", "New provision"), s.provisionFormData(r.Context(), c, false))
}

func (s *Server) createProvision(ctx context.Context, c *call, in provisionInput, channel string) (*custodian.Provision, error) {
	st, err := s.provisions()
	if err != nil {
		return nil, err
	}
	p, err := s.provisionOf(ctx, c, in, channel)
	if err != nil {
		return nil, err
	}
	if err := st.CreateProvision(ctx, p); err != nil {
		return nil, err
	}
	return p, nil
}

func (s *Server) provisionCreateForm(w http.ResponseWriter, r *http.Request, c *call, channel string) {
	in, err := provisionForm(r)
	var p *custodian.Provision
	if err == nil {
		p, err = s.createProvision(r.Context(), c, in, channel)
	}
	agency := channel == custodian.ProvisionByAgency
	if err != nil {
		if st := httpStatus(err); st == http.StatusBadRequest || st == http.StatusForbidden {
			d := s.provisionFormData(r.Context(), c, agency)
			d.In, d.Error = in, msgOf(c.lang, err)
			name := "provision_new.html"
			if agency {
				name = "provision_agency.html"
				d.Mine = s.agencyRows(r.Context(), c)
			}
			s.renderFor(w, r, c, st, name, t(c.lang, "제공 기록 입력", "New provision"), d)
			return
		}
		s.failFor(w, r, c, err)
		return
	}
	to := "/console/provisions/"
	if agency {
		to = "/console/agency/provisions/"
	}
	http.Redirect(w, r, to+strconv.FormatInt(p.ID, 10), http.StatusSeeOther)
}

func (s *Server) provisionCreate(w http.ResponseWriter, r *http.Request, c *call) {
	s.provisionCreateForm(w, r, c, custodian.ProvisionByStaff)
}

func (s *Server) agencyProvisionCreate(w http.ResponseWriter, r *http.Request, c *call) {
	s.provisionCreateForm(w, r, c, custodian.ProvisionByAgency)
}

type provisionPageData struct {
	P          provisionRow
	CanApprove bool
	Self       bool // the caller filed it (may not decide)
	View       string
	Error      string
	Agency     bool
	Copy       *copyJob   // the copy being made in the console (provisions_copy.go)
	Links      []copyLink // the copy's download links
	ExportID   string     // the export ID of the copy made in the console
}

func (s *Server) renderProvision(w http.ResponseWriter, r *http.Request, c *call, status int, p *custodian.Provision, msg, view string) {
	d := provisionPageData{P: provRow(c.lang, *p), CanApprove: s.provisionCovered(r.Context(), c, p, auth.ProvisionsApprove), Self: p.FiledBy == c.acct.Username,
		View: view, Error: msg, Copy: s.copies.get(provisionJob(p.ID)), Links: s.linksOf(r.Context(), provisionExportID(p.ID), c.now)}
	if d.Copy != nil && d.Copy.Done && d.Copy.Err == nil || len(d.Links) > 0 {
		d.ExportID = provisionExportID(p.ID)
	}
	s.renderFor(w, r, c, status, "provision.html", fmt.Sprintf("%s %d", t(c.lang, "제공 기록", "Provision"), p.ID), d)
}

func (s *Server) provisionPage(w http.ResponseWriter, r *http.Request, c *call) {
	p, err := s.staffProvision(r.Context(), c, r.PathValue("id"), auth.ProvisionsManage)
	if err != nil {
		s.failFor(w, r, c, err)
		return
	}
	view := r.URL.Query().Get("view")
	if !strings.HasPrefix(view, "/console/view/") {
		view = ""
	}
	s.renderProvision(w, r, c, http.StatusOK, p, "", view)
}

func (s *Server) agencyRows(ctx context.Context, c *call) []provisionRow {
	st, err := s.provisions()
	if err != nil {
		return nil
	}
	ps, err := st.Provisions(ctx, custodian.ProvisionFilter{FiledBy: c.acct.Username})
	if err != nil {
		return nil
	}
	var out []provisionRow
	for _, p := range ps {
		if p.Channel == custodian.ProvisionByAgency {
			out = append(out, provRow(c.lang, p))
		}
	}
	return out
}

func (s *Server) agencyProvisionsPage(w http.ResponseWriter, r *http.Request, c *call) {
	if _, err := s.provisions(); err != nil {
		s.failFor(w, r, c, err)
		return
	}
	d := s.provisionFormData(r.Context(), c, true)
	d.Mine = s.agencyRows(r.Context(), c)
	s.renderFor(w, r, c, http.StatusOK, "provision_agency.html", t(c.lang, "영상정보 제공 요청", "Provision requests"), d)
}

func (s *Server) agencyProvisionPage(w http.ResponseWriter, r *http.Request, c *call) {
	p, err := s.ownProvision(r.Context(), c, r.PathValue("id"))
	if err != nil {
		s.failFor(w, r, c, err)
		return
	}
	s.renderFor(w, r, c, http.StatusOK, "provision.html", fmt.Sprintf("%s %d", t(c.lang, "제공 요청", "Provision request"), p.ID),
		provisionPageData{P: provRow(c.lang, *p), Agency: true, Links: s.linksOf(r.Context(), p.ExportID, c.now)})
}

// publications returns what the portal publishes now.
func (s *Server) publications(ctx context.Context) ([]custodian.Publication, *custodian.Registry, error) {
	reg, err := s.registry(ctx)
	if custodian.ErrorCode(err) == custodian.ENOTFOUND {
		return []custodian.Publication{}, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	if reg.Organisation.Sector != custodian.SectorPublic || s.Console == nil || s.Console.Provisions == nil {
		return []custodian.Publication{}, reg, nil
	}
	ps, err := s.Console.Provisions.Provisions(ctx, custodian.ProvisionFilter{})
	if err != nil {
		return nil, nil, err
	}
	out := custodian.Publications(reg, ps, s.Now(), s.Console.ProvisionPublishDays)
	if out == nil {
		out = []custodian.Publication{}
	}
	return out, reg, nil
}

func (s *Server) publicationsPage(w http.ResponseWriter, r *http.Request, c *call) {
	pubs, reg, err := s.publications(r.Context())
	if err != nil {
		s.failFor(w, r, c, err)
		return
	}
	days := custodian.ProvisionPublishDays
	if s.Console != nil && s.Console.ProvisionPublishDays > 0 {
		days = s.Console.ProvisionPublishDays
	}
	s.renderFor(w, r, c, http.StatusOK, "provision_public.html", t(c.lang, "목적 외 이용 및 제3자 제공 공고", "Uses beyond purpose and provisions"), struct {
		Rows   []custodian.Publication
		Public bool
		Days   int
	}{pubs, reg != nil && reg.Organisation.Sector == custodian.SectorPublic, days})
}

// API.

func (s *Server) apiProvisions(w http.ResponseWriter, r *http.Request, c *call) {
	ps, err := s.staffProvisions(r.Context(), c, r.URL.Query().Get("status"))
	if err != nil {
		s.failFor(w, r, c, err)
		return
	}
	writeJSON(w, http.StatusOK, ps)
}

func (s *Server) apiProvisionCreate(w http.ResponseWriter, r *http.Request, c *call) {
	var in provisionInput
	if err := readJSON(r, &in); err != nil {
		s.failFor(w, r, c, err)
		return
	}
	p, err := s.createProvision(r.Context(), c, in, custodian.ProvisionByStaff)
	if err != nil {
		s.failFor(w, r, c, err)
		return
	}
	writeJSON(w, http.StatusCreated, p)
}

func (s *Server) apiProvision(w http.ResponseWriter, r *http.Request, c *call) {
	p, err := s.staffProvision(r.Context(), c, r.PathValue("id"), auth.ProvisionsManage)
	if err != nil {
		s.failFor(w, r, c, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}

func (s *Server) apiAgencyProvisions(w http.ResponseWriter, r *http.Request, c *call) {
	if _, err := s.provisions(); err != nil {
		s.failFor(w, r, c, err)
		return
	}
	out := []agencyView{}
	for _, row := range s.agencyRows(r.Context(), c) {
		out = append(out, viewForAgency(&row.Provision))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiAgencyProvisionCreate(w http.ResponseWriter, r *http.Request, c *call) {
	var in provisionInput
	if err := readJSON(r, &in); err != nil {
		s.failFor(w, r, c, err)
		return
	}
	p, err := s.createProvision(r.Context(), c, in, custodian.ProvisionByAgency)
	if err != nil {
		s.failFor(w, r, c, err)
		return
	}
	writeJSON(w, http.StatusCreated, viewForAgency(p))
}

func (s *Server) apiAgencyProvision(w http.ResponseWriter, r *http.Request, c *call) {
	p, err := s.ownProvision(r.Context(), c, r.PathValue("id"))
	if err != nil {
		s.failFor(w, r, c, err)
		return
	}
	writeJSON(w, http.StatusOK, viewForAgency(p))
}

func (s *Server) apiPublications(w http.ResponseWriter, r *http.Request, c *call) {
	pubs, _, err := s.publications(r.Context())
	if err != nil {
		s.failFor(w, r, c, err)
		return
	}
	writeJSON(w, http.StatusOK, pubs)
}
