package web

import (
	"net/http"
	"net/url"
	"strings"

	"custodian"
	"custodian/auth"
)

// safeNext returns next if it is a path on this site, else the dashboard.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") || strings.ContainsAny(next, "\r\n") {
		return "/console"
	}
	u, err := url.Parse(next)
	if err != nil || u.Host != "" || u.Scheme != "" {
		return "/console"
	}
	return next
}

type loginPage struct {
	Next, Username, Error string
}

func (s *Server) loginGet(w http.ResponseWriter, r *http.Request, c *call) {
	if c.complete() {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	s.renderFor(w, r, c, http.StatusOK, "login.html", t(c.lang, "로그인", "Log in"), loginPage{Next: r.URL.Query().Get("next")})
}

func t(lang, ko, en string) string {
	if lang == "en" {
		return en
	}
	return ko
}

func msgOf(lang string, err error) string {
	if ce, ok := err.(*custodian.Error); ok {
		return t(lang, ce.Ko, ce.En)
	}
	return t(lang, "내부 오류가 발생했습니다", "internal error")
}

// login checks a username and password and starts a session (which, for an account that
// must use a second factor, can do nothing but finish logging in).
func (s *Server) login(r *http.Request, c *call, username, password string) (*custodian.Session, string, error) {
	if ok, wait := s.loginLimit.allow(c.source, c.now); !ok {
		return nil, "", errRateLimited(wait)
	}
	m := s.Console.Accounts
	acct, err := m.CheckPassword(r.Context(), username, password, c.source)
	if err != nil {
		return nil, "", err
	}
	grants, err := m.EffectiveGrants(r.Context(), acct, c.now)
	if err != nil {
		return nil, "", err
	}
	tok := token()
	// SecondFactor starts unset: it records a TOTP code accepted in this session. Whether
	// one is needed is decided on every request (call.complete).
	sess := &custodian.Session{ID: sessionID(tok), Account: acct.ID, Created: c.now, Seen: c.now, Expires: c.now.Add(SessionIdle),
		CSRF: token(), Address: c.source, UserAgent: truncate(r.UserAgent(), 200)}
	if err := m.Store.CreateSession(r.Context(), sess); err != nil {
		return nil, "", err
	}
	c.acct, c.sess, c.grants = acct, sess, grants
	if c.complete() {
		if err := m.LoggedIn(r.Context(), acct, c.source); err != nil {
			return nil, "", err
		}
	}
	return sess, tok, nil
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

func (s *Server) loginPost(w http.ResponseWriter, r *http.Request, c *call) {
	next := r.PostFormValue("next")
	_, tok, err := s.login(r, c, r.PostFormValue("username"), r.PostFormValue("password"))
	if err != nil {
		// The form again, with why: a wrong password or code is bad input to this form
		// (400), as the page itself was allowed.
		status := httpStatus(err)
		if status == http.StatusForbidden {
			status = http.StatusBadRequest
		}
		s.renderFor(w, r, c, status, "login.html", t(c.lang, "로그인", "Log in"), loginPage{Next: next, Username: r.PostFormValue("username"), Error: msgOf(c.lang, err)})
		return
	}
	s.cookie(w, sessionCookie, tok, 0)
	switch {
	case c.complete():
		http.Redirect(w, r, safeNext(next), http.StatusSeeOther)
	case c.acct.TOTPSecret == nil:
		http.Redirect(w, r, "/account/totp?next="+url.QueryEscape(safeNext(next)), http.StatusSeeOther)
	default:
		http.Redirect(w, r, "/login/totp?next="+url.QueryEscape(safeNext(next)), http.StatusSeeOther)
	}
}

func (s *Server) totpGet(w http.ResponseWriter, r *http.Request, c *call) {
	if c.sess.SecondFactor {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	if c.acct.TOTPSecret == nil {
		http.Redirect(w, r, "/account/totp?next="+url.QueryEscape(safeNext(r.URL.Query().Get("next"))), http.StatusSeeOther)
		return
	}
	s.renderFor(w, r, c, http.StatusOK, "totp.html", t(c.lang, "2단계 인증", "Second factor"), loginPage{Next: r.URL.Query().Get("next")})
}

// secondFactor checks a TOTP code for the caller's session and completes it.
func (s *Server) secondFactor(r *http.Request, c *call, code string) error {
	if ok, wait := s.loginLimit.allow(c.source, c.now); !ok {
		return errRateLimited(wait)
	}
	m := s.Console.Accounts
	if c.acct.TOTPSecret == nil {
		return custodian.Errorf(custodian.EINVALID, "OTP가 등록되지 않았습니다: 먼저 등록하십시오 (/account/totp)", "no OTP is enrolled: enrol first (/account/totp)")
	}
	if err := m.CheckTOTP(r.Context(), c.acct, code, c.source); err != nil {
		return err
	}
	if err := m.Store.PassSecondFactor(r.Context(), c.sess.ID); err != nil {
		return err
	}
	c.sess.SecondFactor = true
	return m.LoggedIn(r.Context(), c.acct, c.source)
}

func (s *Server) totpPost(w http.ResponseWriter, r *http.Request, c *call) {
	next := r.PostFormValue("next")
	if err := s.secondFactor(r, c, r.PostFormValue("code")); err != nil {
		// The form again, with why: a wrong password or code is bad input to this form
		// (400), as the page itself was allowed.
		status := httpStatus(err)
		if status == http.StatusForbidden {
			status = http.StatusBadRequest
		}
		s.renderFor(w, r, c, status, "totp.html", t(c.lang, "2단계 인증", "Second factor"), loginPage{Next: next, Error: msgOf(c.lang, err)})
		return
	}
	http.Redirect(w, r, safeNext(next), http.StatusSeeOther)
}

type enrollPage struct {
	Next, Secret, URI, Error string
	Grouped                  string
}

func (s *Server) enrollData(r *http.Request, c *call) (enrollPage, error) {
	secret, err := s.enrolling.get(c.sess.ID, c.now, auth.NewTOTPSecret)
	if err != nil {
		return enrollPage{}, err
	}
	issuer := "Custodian"
	if reg, err := s.registry(r.Context()); err == nil {
		issuer = reg.Organisation.Name
	}
	var groups []string
	for i := 0; i < len(secret); i += 4 {
		groups = append(groups, secret[i:min(i+4, len(secret))])
	}
	return enrollPage{Secret: secret, URI: auth.TOTPURI(issuer, c.acct.Username, secret), Grouped: strings.Join(groups, " ")}, nil
}

func (s *Server) enrollGet(w http.ResponseWriter, r *http.Request, c *call) {
	if c.acct.TOTPSecret != nil && !c.sess.SecondFactor {
		http.Redirect(w, r, "/login/totp", http.StatusSeeOther)
		return
	}
	if c.acct.TOTPSecret != nil {
		s.failFor(w, r, c, custodian.Errorf(custodian.ECONFLICT, "OTP가 이미 등록되어 있습니다. 바꾸려면 관리자에게 초기화를 요청하십시오",
			"an OTP is already enrolled; to change it, ask an administrator to reset it"))
		return
	}
	p, err := s.enrollData(r, c)
	if err != nil {
		s.failFor(w, r, c, err)
		return
	}
	p.Next = r.URL.Query().Get("next")
	s.renderFor(w, r, c, http.StatusOK, "enroll.html", t(c.lang, "OTP 등록", "Enrol OTP"), p)
}

func (s *Server) enrollPost(w http.ResponseWriter, r *http.Request, c *call) {
	if c.acct.TOTPSecret != nil {
		s.failFor(w, r, c, custodian.Errorf(custodian.ECONFLICT, "OTP가 이미 등록되어 있습니다", "an OTP is already enrolled"))
		return
	}
	p, err := s.enrollData(r, c)
	if err != nil {
		s.failFor(w, r, c, err)
		return
	}
	p.Next = r.PostFormValue("next")
	m := s.Console.Accounts
	if ok, wait := s.loginLimit.allow(c.source, c.now); !ok {
		err = errRateLimited(wait)
	} else {
		err = m.EnrollTOTP(r.Context(), c.acct, p.Secret, r.PostFormValue("code"), c.source)
	}
	if err == nil {
		err = m.Store.PassSecondFactor(r.Context(), c.sess.ID)
	}
	if err == nil {
		err = m.LoggedIn(r.Context(), c.acct, c.source)
	}
	if err != nil {
		p.Error = msgOf(c.lang, err)
		s.renderFor(w, r, c, httpStatus(err), "enroll.html", t(c.lang, "OTP 등록", "Enrol OTP"), p)
		return
	}
	s.enrolling.drop(c.sess.ID)
	http.Redirect(w, r, safeNext(p.Next), http.StatusSeeOther)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request, c *call) {
	s.Console.Accounts.Store.EndSession(r.Context(), c.sess.ID, c.now, "logout")
	s.cookie(w, sessionCookie, "", -1)
	if c.route.api {
		writeJSON(w, http.StatusOK, map[string]string{"status": "logged out"})
		return
	}
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// setLang stores the caller's language (a cookie, and the account's preference).
func (s *Server) setLang(w http.ResponseWriter, r *http.Request, c *call) {
	l := r.PostFormValue("lang")
	if l != "ko" && l != "en" {
		s.failFor(w, r, c, custodian.Errorf(custodian.EINVALID, "언어는 ko 또는 en입니다", "the language is ko or en"))
		return
	}
	s.cookie(w, langCookie, l, 365*24*3600)
	if c.acct != nil {
		s.Console.Accounts.Store.SetLang(r.Context(), c.acct.ID, l)
	}
	http.Redirect(w, r, safeNext(r.PostFormValue("next")), http.StatusSeeOther)
}

// accountPage shows the caller's account: grants, sessions, and the password form.
func (s *Server) accountGet(w http.ResponseWriter, r *http.Request, c *call) {
	ss, err := s.Console.Accounts.Store.Sessions(r.Context(), c.acct.ID)
	if err != nil {
		s.failFor(w, r, c, err)
		return
	}
	s.renderFor(w, r, c, http.StatusOK, "account.html", t(c.lang, "내 계정", "My account"), struct {
		Sessions []custodian.Session
		Grants   []custodian.AccountGrant
		Message  string
		Error    string
	}{ss, c.acct.Grants, r.URL.Query().Get("done"), ""})
}

func (s *Server) passwordPost(w http.ResponseWriter, r *http.Request, c *call) {
	m := s.Console.Accounts
	if _, err := m.CheckPassword(r.Context(), c.acct.Username, r.PostFormValue("current"), c.source); err != nil {
		s.failFor(w, r, c, custodian.Errorf(custodian.EINVALID, "지금의 비밀번호가 맞지 않습니다", "the current password is wrong"))
		return
	}
	if r.PostFormValue("new") != r.PostFormValue("confirm") {
		s.failFor(w, r, c, custodian.Errorf(custodian.EINVALID, "새 비밀번호와 확인이 다릅니다", "the new password and its confirmation differ"))
		return
	}
	if err := m.SetPassword(r.Context(), c.acct, r.PostFormValue("new"), c.sess.ID, c.acct.Username, c.source); err != nil {
		s.failFor(w, r, c, err)
		return
	}
	http.Redirect(w, r, "/account?done=password", http.StatusSeeOther)
}

// API: POST /api/session {"username","password","totp"} logs in in one step.
func (s *Server) apiLogin(w http.ResponseWriter, r *http.Request, c *call) {
	var body struct {
		Username string `json:"username"`
		Password string `json:"password"`
		TOTP     string `json:"totp"`
	}
	if err := readJSON(r, &body); err != nil {
		s.failFor(w, r, c, err)
		return
	}
	sess, tok, err := s.login(r, c, body.Username, body.Password)
	if err != nil {
		status := http.StatusUnauthorized
		if custodian.ErrorCode(err) == custodian.ERATELIMIT {
			status = http.StatusTooManyRequests
		}
		writeJSONError(w, c.lang, status, err)
		return
	}
	if !c.complete() {
		if c.acct.TOTPSecret == nil {
			s.Console.Accounts.Store.EndSession(r.Context(), sess.ID, c.now, "no OTP enrolled")
			writeJSONError(w, c.lang, http.StatusUnauthorized, custodian.Errorf(custodian.EUNAUTHORIZED,
				"OTP가 등록되지 않았습니다: 콘솔(/account/totp)에서 먼저 등록하십시오", "no OTP is enrolled: enrol in the console (/account/totp) first"))
			return
		}
		if err := s.secondFactor(r, c, body.TOTP); err != nil {
			s.Console.Accounts.Store.EndSession(r.Context(), sess.ID, c.now, "second factor failed")
			writeJSONError(w, c.lang, http.StatusUnauthorized, err)
			return
		}
	}
	s.cookie(w, sessionCookie, tok, 0)
	writeJSON(w, http.StatusOK, map[string]any{"username": c.acct.Username, "csrf": sess.CSRF, "expires": sess.Expires})
}

// API: GET /api/me.
func (s *Server) apiMe(w http.ResponseWriter, r *http.Request, c *call) {
	var allowed []string
	for _, a := range auth.Actions {
		if auth.CanSome(c.grants, a, c.now) {
			allowed = append(allowed, string(a))
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"account": c.acct, "csrf": c.sess.CSRF, "actions": allowed, "session_expires": c.sess.Expires})
}
