package web

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"custodian"
	"custodian/accounts"
	"custodian/auditlog"
	"custodian/auth"
	"custodian/recorder"
	"custodian/requests"
	"custodian/vault"
)

// LiveSource streams a camera's live view (live.Hub).
type LiveSource interface {
	Stream(ctx context.Context, w io.Writer, flush func(), camera string) error
}

// Console is what the console, the API and the request form need beside the portal's
// stores. Without it (nil) only the portal is served and the console's routes answer 503.
type Console struct {
	Accounts *accounts.Manager
	Requests custodian.RequestService
	// Exports keeps the evidence packages made and their download links (GET /d/{token}).
	Exports custodian.ExportService
	// Workflow handles data-subject requests (nil: the request pages answer 503).
	Workflow *requests.Service
	// ExportDir is where the copies given to requesters are written; SigningKey signs
	// them (the organisation's key, datadir.SigningKey) and keys their download links.
	ExportDir  string
	SigningKey ed25519.PrivateKey
	Vault      *vault.Vault
	// Door is the one door to footage; nil: one over Vault and Log (footage.Door).
	Door   custodian.FootageDoor
	Log    *auditlog.Log
	LogDir string
	Live   LiveSource
	// Provisions stores provisions to third parties (nil: those routes answer 503).
	Provisions custodian.ProvisionService
	// ProvisionPublishDays is how many days the portal shows a published provision
	// (custodian.ProvisionPublishDays when 0; docs/design/provisions.md).
	ProvisionPublishDays int
	// Status reports the recorder's cameras (nil: the recorder is not running here).
	Status func() []recorder.Status
	// Metrics serves /metrics (nil: not served).
	Metrics http.Handler
	// Secure: served over TLS (Secure cookies, HSTS).
	Secure bool
}

// Who may use a route.
type access int

const (
	accessPublic  access = iota // anyone
	accessPending               // a session past the password, maybe not yet past the second factor
	accessMember                // a complete session, any role
	accessAction                // a complete session whose grants allow the route's action on its scope
)

// What a route's action is about.
type scope int

const (
	scopeOrg    scope = iota // the whole organisation: a grant over all of it
	scopeSome                // part of it: any grant with the action (contents filtered by scope)
	scopeCamera              // the camera in the path ({camera})
)

// route is one entry of the route table: the single place where each route's access is
// declared (and enforced by serve; the authorisation test walks this table).
type route struct {
	method, pattern string
	access          access
	action          auth.Action
	scope           scope
	api             bool   // a JSON API operation (described in /api/openapi.json)
	summary         string // for the OpenAPI document
	body            string // request body, for the OpenAPI document: "json", "form", ""
	h               func(w http.ResponseWriter, r *http.Request, c *call)
}

// call is what a handler knows about the request.
type call struct {
	s      *Server
	lang   string
	now    time.Time
	acct   *custodian.Account
	sess   *custodian.Session
	grants []auth.Grant
	source string
	route  *route
	// csrf is the token forms must carry (the session's, or the anonymous cookie's).
	csrf string
}

// actor names the caller in the access log.
func (c *call) actor() string {
	if c.acct == nil {
		return "anonymous"
	}
	return c.acct.Username
}

// complete reports whether the caller's session may be used beyond logging in: it has
// passed TOTP, or the account's grants at this moment need none (accounts.NeedsSecondFactor).
func (c *call) complete() bool {
	return c.sess != nil && (c.sess.SecondFactor || !accounts.NeedsSecondFactor(c.acct, c.grants))
}

// secondFactorNeeded is the answer to a session that must pass TOTP first: Enroll when the
// account has no OTP yet. The API answers 401 with fields.second_factor "enroll" or
// "verify" and fields.location, the page to go to.
type secondFactorNeeded struct {
	error
	Enroll bool
}

func errSecondFactor(c *call) error {
	if c.acct != nil && c.acct.TOTPSecret == nil {
		return secondFactorNeeded{custodian.Errorf(custodian.EUNAUTHORIZED,
			"지금의 권한으로는 영상을 볼 수 있어 OTP가 필요합니다: 먼저 OTP를 등록하십시오 (/account/totp)",
			"your grants now reach footage, so a second factor is needed: enrol an OTP first (/account/totp)"), true}
	}
	return secondFactorNeeded{custodian.Errorf(custodian.EUNAUTHORIZED, "2단계 인증(OTP)을 마쳐야 합니다 (/login/totp)", "finish the second factor (OTP) first (/login/totp)"), false}
}

// can reports whether the caller may take action on target.
func (c *call) can(action auth.Action, t auth.Target) bool {
	return auth.Can(c.grants, action, t, c.now)
}

// RouteInfo describes a route for tests and documentation.
type RouteInfo struct {
	Method, Pattern string
	Public          bool
	// Login: any complete session; Pending: a session before its second factor.
	Login, Pending bool
	Action         auth.Action // "" unless the route needs one
	Camera         bool        // the action is checked on the {camera} path value
	Some           bool        // the action on any part of the organisation
	API            bool
}

// Routes lists the route table.
func (s *Server) Routes() []RouteInfo {
	var out []RouteInfo
	for _, rt := range s.table {
		out = append(out, RouteInfo{Method: rt.method, Pattern: rt.pattern, Public: rt.access == accessPublic, Login: rt.access == accessMember,
			Pending: rt.access == accessPending, Action: rt.action, Camera: rt.scope == scopeCamera, Some: rt.scope == scopeSome, API: rt.api})
	}
	return out
}

const (
	sessionCookie = "custodian_session"
	csrfCookie    = "custodian_csrf"
	langCookie    = "custodian_lang"
	// SessionIdle ends a session unused for this long; SessionMax ends any session.
	SessionIdle = 30 * time.Minute
	SessionMax  = 12 * time.Hour
)

func token() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func sessionID(tok string) string {
	h := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(h[:])
}

func (s *Server) cookie(w http.ResponseWriter, name, value string, maxAge int) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge, HttpOnly: true,
		Secure: s.Console != nil && s.Console.Secure, SameSite: http.SameSiteStrictMode})
}

// source returns the address a request comes from: the peer's, or, when the peer is a
// trusted proxy (SetTrustedProxies), the last address in X-Forwarded-For that is not a
// trusted proxy (addresses further left were written by the client and prove nothing).
// Rate limits, login throttling, sessions and the access log all use it.
func (s *Server) source(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if len(s.trusted) == 0 {
		return host
	}
	peer, err := netip.ParseAddr(host)
	if err != nil || !s.isTrusted(peer) {
		return host
	}
	var hops []string
	for _, v := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(v, ",")...)
	}
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			return host // a malformed hop: trust nothing beyond the proxy
		}
		a = a.Unmap()
		if !s.isTrusted(a) {
			return a.String()
		}
	}
	return host
}

func (s *Server) isTrusted(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range s.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// SetTrustedProxies sets the reverse proxies whose X-Forwarded-For is believed: a comma-
// separated list of CIDR prefixes or addresses ("10.0.0.5,192.168.1.0/24"; "" for none,
// the default). A request from any other peer is taken to come from that peer.
func (s *Server) SetTrustedProxies(list string) error {
	var out []netip.Prefix
	for i, f := range strings.Split(list, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if len(f) > 64 {
			f = f[:64] + "…"
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			a, aerr := netip.ParseAddr(f)
			if aerr != nil {
				return custodian.Errorf(custodian.EINVALID, "신뢰할 프록시 목록의 %d번째 항목 %q는 CIDR(예: 10.0.0.0/8)이나 IP 주소가 아닙니다",
					"trusted proxy %d, %q, is not a CIDR prefix (such as 10.0.0.0/8) or an IP address", i+1, f)
			}
			p = netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen())
		}
		if p.Addr().Is4In6() && p.Bits() >= 96 {
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		out = append(out, p.Masked())
	}
	s.trusted = out
	return nil
}

func isUnsafe(method string) bool {
	return method != http.MethodGet && method != http.MethodHead && method != http.MethodOptions
}

// errUnauthenticated, errForbidden are the answers to a missing login and a denied action.
func errUnauthenticated() error {
	return custodian.Errorf(custodian.EUNAUTHORIZED, "로그인이 필요합니다", "you need to log in")
}

func errForbidden() error {
	return custodian.Errorf(custodian.EUNAUTHORIZED, "이 작업을 할 권한이 없습니다", "you are not allowed to do this")
}

// handle registers rt and serves it through the access checks.
func (s *Server) handle(rt route) {
	rt2 := rt
	s.table = append(s.table, &rt2)
	s.mux.HandleFunc(rt.method+" "+rt.pattern, func(w http.ResponseWriter, r *http.Request) { s.serveRoute(w, r, &rt2) })
}

// status401 marks an authentication failure (as opposed to a denied action).
type status401 struct{ error }

func (s *Server) serveRoute(w http.ResponseWriter, r *http.Request, rt *route) {
	// Nothing the server answers is kept by a browser or a proxy (pages show names,
	// requests and the access log; the static files say otherwise for themselves).
	w.Header().Set("Cache-Control", "no-store")
	c := &call{s: s, lang: lang(r), now: s.Now(), source: s.source(r), route: rt}
	if ck, err := r.Cookie(langCookie); err == nil && r.URL.Query().Get("lang") == "" && (ck.Value == "en" || ck.Value == "ko") {
		c.lang = ck.Value
	}
	if rt.access != accessPublic && s.Console == nil {
		s.failFor(w, r, c, custodian.Errorf(custodian.EINTERNAL, "콘솔이 설정되지 않았습니다", "the console is not configured"))
		return
	}
	// Cross-site requests that change something are refused outright (CSRF, first line).
	if isUnsafe(r.Method) && r.Header.Get("Sec-Fetch-Site") == "cross-site" {
		s.failFor(w, r, c, custodian.Errorf(custodian.EUNAUTHORIZED, "다른 사이트에서 보낸 요청은 받지 않습니다", "requests from other sites are refused"))
		return
	}
	if s.Console != nil {
		if err := s.loadSession(w, r, c); err != nil {
			s.failFor(w, r, c, err)
			return
		}
	}
	if c.sess == nil {
		// The anonymous CSRF token (double-submit cookie) for public forms and the login.
		if ck, err := r.Cookie(csrfCookie); err == nil && len(ck.Value) >= 32 {
			c.csrf = ck.Value
		} else {
			c.csrf = token()
			s.cookie(w, csrfCookie, c.csrf, 0)
		}
	}
	// A JSON body cannot be sent across sites without a CORS preflight, which this server
	// never grants: anonymous JSON API calls (logging in, filing a request) need no token.
	// With a session, the token is always required.
	jsonAnon := c.sess == nil && strings.HasPrefix(r.Header.Get("Content-Type"), "application/json")
	if isUnsafe(r.Method) && !jsonAnon {
		got := r.Header.Get("X-CSRF-Token")
		if got == "" && !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
			got = r.PostFormValue("csrf")
		}
		if got == "" || !accounts.ConstantTimeEqual(got, c.csrf) {
			s.failFor(w, r, c, custodian.Errorf(custodian.EUNAUTHORIZED, "요청 확인 토큰(CSRF)이 없거나 맞지 않습니다: 페이지를 새로 고친 뒤 다시 하십시오",
				"the request check token (CSRF) is missing or wrong: reload the page and try again"))
			return
		}
	}
	if rt.access != accessPublic {
		if c.sess == nil {
			s.failFor(w, r, c, status401{errUnauthenticated()})
			return
		}
		// The second factor is decided on every request, from the grants in force now: a
		// session whose grants have grown to reach footage since it logged in (a grant, a
		// deputy assignment) must enrol or step up before anything else.
		if rt.access != accessPending && !c.complete() {
			s.failFor(w, r, c, errSecondFactor(c))
			return
		}
	}
	if rt.access == accessAction {
		ok := false
		switch rt.scope {
		case scopeOrg:
			ok = c.can(rt.action, auth.Target{})
		case scopeSome:
			ok = auth.CanSome(c.grants, rt.action, c.now)
		case scopeCamera:
			t, err := s.cameraTarget(r.Context(), r.PathValue("camera"))
			if err != nil {
				s.failFor(w, r, c, err)
				return
			}
			ok = c.can(rt.action, t)
		}
		if !ok {
			if isFootage(rt.action) {
				var cams []string
				if cam := r.PathValue("camera"); cam != "" {
					cams = []string{cam}
				}
				s.door().Deny(r.Context(), c.access(strings.TrimPrefix(string(rt.action), "footage."), cams, time.Time{}, time.Time{}, "", rt.method+" "+r.URL.Path, ""), nil)
			}
			s.failFor(w, r, c, errForbidden())
			return
		}
	}
	rt.h(w, r, c)
}

func isFootage(a auth.Action) bool {
	for _, f := range auth.FootageActions {
		if f == a {
			return true
		}
	}
	return false
}

// loadSession finds the caller's session, if any: an ended, expired or disabled one is
// ended and dropped (the cookie is cleared).
func (s *Server) loadSession(w http.ResponseWriter, r *http.Request, c *call) error {
	ck, err := r.Cookie(sessionCookie)
	if err != nil || ck.Value == "" || len(ck.Value) > 100 {
		return nil
	}
	ctx := r.Context()
	store := s.Console.Accounts.Store
	sess, err := store.Session(ctx, sessionID(ck.Value))
	if custodian.ErrorCode(err) == custodian.ENOTFOUND {
		s.cookie(w, sessionCookie, "", -1)
		return nil
	}
	if err != nil {
		return err
	}
	drop := func(reason string) error {
		if sess.Ended.IsZero() {
			store.EndSession(ctx, sess.ID, c.now, reason)
		}
		s.cookie(w, sessionCookie, "", -1)
		return nil
	}
	if !sess.Ended.IsZero() {
		return drop("")
	}
	if !c.now.Before(sess.Expires) || !c.now.Before(sess.Created.Add(SessionMax)) {
		return drop("expired")
	}
	acct, err := store.Account(ctx, sess.Account)
	if err != nil {
		return err
	}
	if !acct.Active() {
		return drop("account disabled")
	}
	grants, err := s.Console.Accounts.EffectiveGrants(ctx, acct, c.now)
	if err != nil {
		return err
	}
	c.acct, c.sess, c.grants, c.csrf = acct, sess, grants, sess.CSRF
	if r.URL.Query().Get("lang") == "" {
		if ck, err := r.Cookie(langCookie); err != nil || ck.Value == "" {
			if acct.Lang == "en" {
				c.lang = "en"
			}
		}
	}
	// Touch at most once a minute: each use pushes the idle expiry. The write is not
	// waited for: it may queue behind the recorder's commits for the database's write
	// lock, and a request must not (docs/BENCHMARKS.md, "The console"); a touch that
	// fails only leaves the idle expiry where it was.
	if c.now.Sub(sess.Seen) >= time.Minute {
		exp := c.now.Add(SessionIdle)
		if max := sess.Created.Add(SessionMax); exp.After(max) {
			exp = max
		}
		if _, busy := s.touching.LoadOrStore(sess.ID, true); !busy {
			go func(id string, now time.Time) {
				defer s.touching.Delete(id)
				tctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
				defer cancel()
				if err := store.TouchSession(tctx, id, now, exp); err != nil && s.Logger != nil {
					s.Logger.Warn("recording a session's use failed", "err", err)
				}
			}(sess.ID, c.now)
		}
	}
	return nil
}

// cameraTarget returns what a camera (or camera group) ID is in, for auth.Can.
func (s *Server) cameraTarget(ctx context.Context, id string) (auth.Target, error) {
	x, err := s.index(ctx)
	if err != nil {
		return auth.Target{}, err
	}
	return targetOf(x, id)
}

func targetOf(x *custodian.Index, id string) (auth.Target, error) {
	t := auth.Target{Camera: id}
	site := ""
	if cam, grp := x.Camera(id); cam != nil {
		t.Group = grp
		_, site = x.CameraGroup(grp)
	} else if g, st := x.CameraGroup(id); g != nil {
		site = st
	} else {
		return t, custodian.Errorf(custodian.ENOTFOUND, "카메라 %q가 없습니다", "there is no camera %q", id)
	}
	t.Sites = append([]string{site}, x.Ancestors(site)...)
	return t, nil
}

// failFor answers an error as the route expects: JSON for the API, a page (or the login
// page, when not logged in) for the console.
func (s *Server) failFor(w http.ResponseWriter, r *http.Request, c *call, err error) {
	var u status401
	var sf secondFactorNeeded
	unauth := errors.As(err, &u)
	if unauth {
		err = u.error
	} else if errors.As(err, &sf) {
		unauth = true
	}
	stepUp := "/login/totp"
	if c.acct != nil && c.acct.TOTPSecret == nil {
		stepUp = "/account/totp"
	}
	if c.route != nil && c.route.api || strings.HasPrefix(r.URL.Path, "/api/") || strings.HasPrefix(r.URL.Path, "/media/") {
		status := httpStatus(err)
		if unauth {
			status = http.StatusUnauthorized
		}
		if sf.error != nil {
			need := "verify"
			if sf.Enroll {
				need = "enroll"
			}
			writeJSONErrorFields(w, c.lang, status, sf.error, map[string]any{"second_factor": need, "location": stepUp})
			return
		}
		writeJSONError(w, c.lang, status, err)
		return
	}
	if unauth && r.Method == http.MethodGet {
		next := "/login"
		if c.sess != nil {
			next = stepUp
		}
		http.Redirect(w, r, next+"?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return
	}
	if sf.error != nil {
		err = sf.error
	}
	s.failPage(w, r, c, err, unauth)
}

func httpStatus(err error) int {
	switch custodian.ErrorCode(err) {
	case custodian.EINVALID:
		return http.StatusBadRequest
	case custodian.ENOTFOUND:
		return http.StatusNotFound
	case custodian.ECONFLICT:
		return http.StatusConflict
	case custodian.EUNAUTHORIZED:
		return http.StatusForbidden
	case custodian.ERATELIMIT:
		return http.StatusTooManyRequests
	case custodian.EUNAVAILABLE:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// apiError is the body of every API error.
type apiError struct {
	Error struct {
		Code      string         `json:"code"`
		Message   string         `json:"message"`
		MessageEn string         `json:"message_en"`
		Problems  []problemJSON  `json:"problems,omitempty"`
		Fields    map[string]any `json:"fields,omitempty"`
	} `json:"error"`
}

type problemJSON struct {
	Field   string `json:"field"`
	Line    int    `json:"line,omitempty"`
	Message string `json:"message"`
}

func writeJSONError(w http.ResponseWriter, lang string, status int, err error) {
	writeJSONErrorFields(w, lang, status, err, nil)
}

// writeJSONErrorFields is writeJSONError with fields that say more (what to do next).
func writeJSONErrorFields(w http.ResponseWriter, lang string, status int, err error, fields map[string]any) {
	var body apiError
	body.Error.Fields = fields
	body.Error.Code = custodian.ErrorCode(err)
	var ce *custodian.Error
	var ve *custodian.ValidationError
	switch {
	case errors.As(err, &ce):
		body.Error.Message, body.Error.MessageEn = ce.Ko, ce.En
	case errors.As(err, &ve):
		body.Error.Code = custodian.EINVALID
		status = http.StatusBadRequest
		body.Error.Message, body.Error.MessageEn = "등록부에 문제가 있습니다", "the registry has problems"
		for _, p := range ve.Problems {
			body.Error.Problems = append(body.Error.Problems, problemJSON{Field: p.Path, Line: p.Line, Message: p.String()})
		}
	default:
		body.Error.Code = custodian.EINTERNAL
		body.Error.Message, body.Error.MessageEn = "내부 오류가 발생했습니다", "internal error"
	}
	if lang == "en" {
		body.Error.Message = body.Error.MessageEn
	}
	writeJSON(w, status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

// readJSON decodes a JSON request body (at most 1 MiB) into v, refusing unknown fields.
func readJSON(r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return custodian.Errorf(custodian.EINVALID, "JSON 본문의 %d번째 바이트에 문법 오류가 있습니다: %v", "the JSON body has a syntax error at byte %d: %v", se.Offset, se)
		case errors.As(err, &te):
			return custodian.Errorf(custodian.EINVALID, "JSON 필드 %q의 형식이 맞지 않습니다 (%s가 와야 합니다)", "JSON field %q has the wrong type (want %s)", te.Field, te.Type.String())
		case errors.Is(err, io.EOF):
			return custodian.Errorf(custodian.EINVALID, "JSON 본문이 비어 있습니다", "the JSON body is empty")
		default:
			return custodian.Errorf(custodian.EINVALID, "JSON 본문을 읽을 수 없습니다: %w", "cannot read the JSON body: %w", err)
		}
	}
	if dec.More() {
		return custodian.Errorf(custodian.EINVALID, "JSON 본문 뒤에 다른 내용이 있습니다", "there is more after the JSON body")
	}
	return nil
}
