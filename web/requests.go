package web

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"custodian"
	"custodian/requests"
)

// requestInput is the public request form (열람 / 존재확인 / 삭제), from the portal or the
// API.
type requestInput struct {
	Kind         string `json:"kind"`
	Name         string `json:"name"`
	Contact      string `json:"contact"`
	From         string `json:"from"` // "YYYY-MM-DDTHH:MM" (KST) or RFC 3339
	To           string `json:"to"`
	Place        string `json:"place"`
	Camera       string `json:"camera"`
	Purpose      string `json:"purpose"`
	OnBehalf     bool   `json:"on_behalf"`
	Relationship string `json:"relationship"`
	Consent      bool   `json:"consent"` // to the collection of the form's personal data
}

// fieldError is a problem with one field of a form.
type fieldError struct {
	Field, Ko, En string
}

var (
	phoneRE = regexp.MustCompile(`^0\d{1,2}-?\d{3,4}-?\d{4}$`)
	emailRE = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)
)

// parseLocal reads a form time: the datetime-local form in KST, or RFC 3339.
func parseLocal(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04"} {
		if t, err := time.ParseInLocation(layout, s, custodian.KST); err == nil {
			return t, true
		}
	}
	t, err := time.Parse(time.RFC3339, s)
	return t, err == nil
}

func textField(errs *[]fieldError, field, v string, min, max int, ko, en string) string {
	v = strings.TrimSpace(v)
	n := utf8.RuneCountInString(v)
	switch {
	case n < min:
		*errs = append(*errs, fieldError{field, ko + "을(를) 적어 주십시오", "enter the " + en})
	case n > max:
		*errs = append(*errs, fieldError{field, ko + "은(는) " + itoa(max) + "자 이내로 적어 주십시오", "the " + en + " may have at most " + itoa(max) + " characters"})
	case strings.ContainsAny(v, "\x00\r\n\t<>") || custodian.CheckText(v, max, false) != nil:
		*errs = append(*errs, fieldError{field, ko + "에 쓸 수 없는 문자가 있습니다", "the " + en + " contains characters that are not allowed"})
	}
	return v
}

// check validates the form against the registry and now: every problem is reported at
// once, with its field.
func (in requestInput) check(reg *custodian.Registry, now time.Time) (*custodian.SubjectRequest, []fieldError) {
	var errs []fieldError
	q := &custodian.SubjectRequest{Kind: in.Kind}
	if _, ok := custodian.RequestKindNames[in.Kind]; !ok {
		errs = append(errs, fieldError{"kind", "청구 종류(열람·존재확인·삭제)를 고르십시오", "choose the kind of request (view, existence, deletion)"})
	}
	q.Name = textField(&errs, "name", in.Name, 1, 50, "성명", "name")
	q.Contact = strings.TrimSpace(in.Contact)
	if !phoneRE.MatchString(q.Contact) && !(emailRE.MatchString(q.Contact) && len(q.Contact) <= 100) {
		errs = append(errs, fieldError{"contact", "연락처는 전화번호(예: 010-1234-5678)나 전자우편 주소여야 합니다", "the contact must be a phone number (e.g. 010-1234-5678) or an e-mail address"})
	}
	from, okF := parseLocal(in.From)
	to, okT := parseLocal(in.To)
	if !okF {
		errs = append(errs, fieldError{"from", "시작 일시가 올바르지 않습니다", "the start date and time is not valid"})
	}
	if !okT {
		errs = append(errs, fieldError{"to", "종료 일시가 올바르지 않습니다", "the end date and time is not valid"})
	}
	if okF && okT {
		switch {
		case !to.After(from):
			errs = append(errs, fieldError{"to", "종료 일시는 시작 일시보다 뒤여야 합니다", "the end must be after the start"})
		case to.Sub(from) > 24*time.Hour:
			errs = append(errs, fieldError{"to", "한 번에 24시간 이내의 영상만 청구할 수 있습니다", "a request may cover at most 24 hours"})
		case from.After(now):
			errs = append(errs, fieldError{"from", "미래의 영상은 청구할 수 없습니다", "the period is in the future"})
		}
	}
	q.From, q.To = from, to
	q.Place = textField(&errs, "place", in.Place, 0, 200, "장소", "place")
	q.Camera = strings.TrimSpace(in.Camera)
	if q.Camera != "" {
		if reg == nil {
			errs = append(errs, fieldError{"camera", "카메라를 확인할 수 없습니다", "the camera cannot be checked"})
		} else if _, err := targetOf(reg.Index(), q.Camera); err != nil {
			errs = append(errs, fieldError{"camera", "그런 카메라가 없습니다: 장소를 글로 적어 주셔도 됩니다", "there is no such camera: you may describe the place instead"})
		}
	}
	if q.Place == "" && q.Camera == "" {
		errs = append(errs, fieldError{"place", "장소나 카메라를 적어 주십시오", "give the place or the camera"})
	}
	q.Purpose = textField(&errs, "purpose", in.Purpose, 2, 500, "청구 목적(사유)", "purpose")
	if in.OnBehalf {
		q.Relationship = textField(&errs, "relationship", in.Relationship, 1, 50, "정보주체와의 관계", "relationship to the data subject")
	} else if strings.TrimSpace(in.Relationship) != "" {
		errs = append(errs, fieldError{"relationship", "대리 청구가 아니면 관계를 적지 않습니다", "the relationship is only for a request filed for someone else"})
	}
	if !in.Consent {
		errs = append(errs, fieldError{"consent", "청구 처리를 위한 개인정보 수집·이용에 동의하셔야 접수할 수 있습니다", "the request can be filed only with consent to the collection and use of these details"})
	}
	return q, errs
}

var codeRE = regexp.MustCompile(`^[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}$`)

// fileRequest validates and stores a request; nil errors means it was filed.
func (s *Server) fileRequest(ctx context.Context, c *call, in requestInput, channel string) (*custodian.SubjectRequest, []fieldError, error) {
	if s.Console == nil || s.Console.Requests == nil {
		return nil, nil, custodian.Errorf(custodian.EINTERNAL, "청구 접수가 설정되지 않았습니다", "request filing is not configured")
	}
	if ok, wait := s.formLimit.allow(c.source, c.now); !ok {
		return nil, nil, errRateLimited(wait)
	}
	reg, err := s.registry(ctx)
	if err != nil && custodian.ErrorCode(err) != custodian.ENOTFOUND {
		return nil, nil, err
	}
	q, errs := in.check(reg, c.now)
	if len(errs) > 0 {
		return nil, errs, custodian.Errorf(custodian.EINVALID, "입력에 문제가 있습니다", "the form has problems")
	}
	// The workflow files it: the deadline as the decree counts it, the history, the access
	// log, and the hold on the camera named, at once.
	wf, err := s.workflow()
	if err != nil {
		return nil, nil, err
	}
	q.Channel = channel
	if err := wf.File(ctx, q, nil, requests.Actor{Name: "public", Source: c.source}); err != nil && q.ID == 0 {
		return nil, nil, err
	} else if err != nil {
		s.Logger.Error("request filed without its hold", "request", q.ID, "err", err)
	}
	return q, nil, nil
}

type requestFormData struct {
	In       requestInput
	Errors   []fieldError
	ErrorMap map[string]string
	Error    string
	Cameras  []camOption
	Notice   string
}

type camOption struct{ ID, Label string }

func (s *Server) requestFormData(ctx context.Context, lang string) requestFormData {
	d := requestFormData{ErrorMap: map[string]string{}}
	if x, err := s.index(ctx); err == nil {
		d.Cameras = camOptions(x)
	}
	return d
}

func (s *Server) requestForm(w http.ResponseWriter, r *http.Request, c *call) {
	d := s.requestFormData(r.Context(), c.lang)
	d.In.Kind = r.URL.Query().Get("kind")
	s.renderFor(w, r, c, http.StatusOK, "request_form.html", t(c.lang, "개인영상정보 열람 등 청구", "Request footage of yourself"), d)
}

func (s *Server) requestSubmit(w http.ResponseWriter, r *http.Request, c *call) {
	in := requestInput{Kind: r.PostFormValue("kind"), Name: r.PostFormValue("name"), Contact: r.PostFormValue("contact"), From: r.PostFormValue("from"),
		To: r.PostFormValue("to"), Place: r.PostFormValue("place"), Camera: r.PostFormValue("camera"), Purpose: r.PostFormValue("purpose"),
		OnBehalf: r.PostFormValue("on_behalf") == "1", Relationship: r.PostFormValue("relationship"), Consent: r.PostFormValue("consent") == "1"}
	q, errs, err := s.fileRequest(r.Context(), c, in, "portal")
	if err != nil {
		d := s.requestFormData(r.Context(), c.lang)
		d.In, d.Errors = in, errs
		for _, e := range errs {
			d.ErrorMap[e.Field] = t(c.lang, e.Ko, e.En)
		}
		if len(errs) == 0 {
			d.Error = msgOf(c.lang, err)
		}
		s.renderFor(w, r, c, httpStatus(err), "request_form.html", t(c.lang, "개인영상정보 열람 등 청구", "Request footage of yourself"), d)
		return
	}
	http.Redirect(w, r, "/request/"+q.Code+"?new=1", http.StatusSeeOther)
}

// lookupRequest finds a request by its tracking code, rate-limited per address.
func (s *Server) lookupRequest(ctx context.Context, c *call, code string) (*custodian.SubjectRequest, error) {
	if s.Console == nil || s.Console.Requests == nil {
		return nil, custodian.Errorf(custodian.EINTERNAL, "청구 조회가 설정되지 않았습니다", "request lookup is not configured")
	}
	if ok, wait := s.lookupLimit.allow(c.source, c.now); !ok {
		return nil, errRateLimited(wait)
	}
	code = strings.ToUpper(strings.TrimSpace(code))
	if !codeRE.MatchString(code) {
		return nil, custodian.Errorf(custodian.EINVALID, "접수 번호 %q의 형식이 맞지 않습니다 (예: ABCD-EFGH-JKLM)", "the tracking code %q is not in the right form (e.g. ABCD-EFGH-JKLM)", code)
	}
	return s.Console.Requests.RequestByCode(ctx, code)
}

// publicStatus is what the status page and the API show of a request: no personal data
// beyond the initial of the name.
type publicStatus struct {
	Code     string         `json:"code"`
	Kind     string         `json:"kind"`
	Status   string         `json:"status"`
	Filed    time.Time      `json:"filed"`
	Due      custodian.Date `json:"due"`
	Updated  time.Time      `json:"updated"`
	Decision string         `json:"decision,omitempty"`
	Note     string         `json:"note,omitempty"`
	Name     string         `json:"name"` // masked: 김**
}

func statusOf(q *custodian.SubjectRequest) publicStatus {
	name := []rune(q.Name)
	masked := ""
	if len(name) > 0 {
		masked = string(name[0]) + strings.Repeat("*", len(name)-1)
	}
	return publicStatus{Code: q.Code, Kind: q.Kind, Status: q.Status, Filed: q.Filed, Due: q.Due, Updated: q.Updated, Decision: q.Decision, Note: q.Note, Name: masked}
}

// publicNotice is the request's notice (decision or postponement) as the requester sees it
// on the status page and in its PDF: the name masked as on the rest of the page.
func (s *Server) publicNotice(ctx context.Context, q *custodian.SubjectRequest) *custodian.RequestNotice {
	reg, err := s.registry(ctx)
	if err != nil {
		return nil
	}
	n, err := custodian.NoticeOf(q, reg.Organisation, q.Updated)
	if err != nil {
		return nil
	}
	masked := statusOf(q).Name
	for i := range n.Fields {
		if n.Fields[i].Value == q.Name {
			n.Fields[i].Value = masked
		}
	}
	return n
}

func (s *Server) requestStatus(w http.ResponseWriter, r *http.Request, c *call) {
	q, err := s.lookupRequest(r.Context(), c, r.PathValue("code"))
	if err != nil {
		s.failFor(w, r, c, err)
		return
	}
	s.renderFor(w, r, c, http.StatusOK, "request_status.html", t(c.lang, "청구 처리 상황", "Request status"), struct {
		publicStatus
		New    bool
		Notice *custodian.RequestNotice
		Links  []copyLink
	}{statusOf(q), r.URL.Query().Get("new") == "1", s.publicNotice(r.Context(), q), s.copyLinks(r.Context(), q, c.now)})
}

func (s *Server) apiRequestCreate(w http.ResponseWriter, r *http.Request, c *call) {
	var in requestInput
	if err := readJSON(r, &in); err != nil {
		s.failFor(w, r, c, err)
		return
	}
	q, errs, err := s.fileRequest(r.Context(), c, in, "portal")
	if err != nil {
		if len(errs) > 0 {
			var body apiError
			body.Error.Code = custodian.EINVALID
			body.Error.Message, body.Error.MessageEn = "입력에 문제가 있습니다", "the form has problems"
			body.Error.Fields = map[string]any{}
			for _, e := range errs {
				body.Error.Problems = append(body.Error.Problems, problemJSON{Field: e.Field, Message: t(c.lang, e.Ko, e.En)})
			}
			if c.lang == "en" {
				body.Error.Message = body.Error.MessageEn
			}
			writeJSON(w, http.StatusBadRequest, body)
			return
		}
		s.failFor(w, r, c, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"code": q.Code, "status_url": "/request/" + q.Code, "due": q.Due})
}

func (s *Server) apiRequestStatus(w http.ResponseWriter, r *http.Request, c *call) {
	q, err := s.lookupRequest(r.Context(), c, r.PathValue("code"))
	if err != nil {
		s.failFor(w, r, c, err)
		return
	}
	writeJSON(w, http.StatusOK, statusOf(q))
}
