package web_test

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"

	"custodian"
	"custodian/auth"
	"custodian/web"
)

// sample is how the matrix calls a route: a concrete path and a body that passes the
// access checks but changes nothing that matters (most are rejected by validation after
// authorisation, which proves they got past it).
type sample struct {
	path string
	body any
}

// matrixSamples has one entry per route of the route table; a route missing here fails
// TestAuthorisationMatrix. {victim} is replaced by the ID of an account made for the
// purpose.
var matrixSamples = map[string]sample{
	"GET /static/":                                   {"/static/site.css", nil},
	"GET /static/policy.css":                         {"/static/policy.css", nil},
	"GET /{$}":                                       {"/", nil},
	"GET /policy":                                    {"/policy", nil},
	"GET /policy/{version}":                          {"/policy/1", nil},
	"GET /policy/diff":                               {"/policy/diff?a=1&b=1", nil},
	"GET /signage/{site}":                            {"/signage/office?format=svg", nil},
	"GET /":                                          {"/no/such/page", nil},
	"GET /healthz":                                   {"/healthz", nil},
	"GET /login":                                     {"/login", nil},
	"POST /login":                                    {"/login", "{}"},
	"GET /login/totp":                                {"/login/totp", nil},
	"POST /login/totp":                               {"/login/totp", "{}"},
	"GET /account/totp":                              {"/account/totp", nil},
	"POST /account/totp":                             {"/account/totp", "{}"},
	"POST /logout":                                   {"/logout", "{}"},
	"POST /lang":                                     {"/lang", "{}"},
	"GET /account":                                   {"/account", nil},
	"POST /account/password":                         {"/account/password", "{}"},
	"GET /console":                                   {"/console", nil},
	"GET /console/cameras":                           {"/console/cameras", nil},
	"GET /console/live":                              {"/console/live", nil},
	"POST /console/live":                             {"/console/live", "{}"},
	"GET /console/playback":                          {"/console/playback", nil},
	"GET /console/playback/{camera}":                 {"/console/playback/street-1", nil},
	"POST /console/playback/{camera}":                {"/console/playback/street-1", "{}"},
	"GET /console/watch/{ticket}":                    {"/console/watch/nosuchticket", nil},
	"GET /console/view/{ticket}":                     {"/console/view/nosuchticket", nil},
	"GET /console/registry":                          {"/console/registry", nil},
	"POST /console/registry":                         {"/console/registry", "{}"},
	"GET /console/policy":                            {"/console/policy", nil},
	"POST /console/policy":                           {"/console/policy", "{}"},
	"GET /console/accesslog":                         {"/console/accesslog", nil},
	"GET /console/accesslog/review":                  {"/console/accesslog/review?month=2026-10", nil},
	"GET /console/ledger":                            {"/console/ledger", nil},
	"GET /console/users":                             {"/console/users", nil},
	"POST /console/users":                            {"/console/users", "{}"},
	"POST /console/users/{id}/disable":               {"/console/users/{victim}/disable", "{}"},
	"POST /console/users/{id}/enable":                {"/console/users/{victim}/enable", "{}"},
	"POST /console/users/{id}/grants":                {"/console/users/{victim}/grants", "{}"},
	"POST /console/users/{id}/grants/{grant}/revoke": {"/console/users/{victim}/grants/999999/revoke", "{}"},
	"POST /console/users/{id}/totp-reset":            {"/console/users/999999/totp-reset", "{}"},
	"POST /console/deputies":                         {"/console/deputies", "{}"},
	"POST /console/deputies/{id}/end":                {"/console/deputies/999999/end", "{}"},
	"GET /console/requests":                          {"/console/requests", nil},
	"GET /metrics":                                   {"/metrics", nil},
	"GET /media/live/{ticket}/{camera}":              {"/media/live/nosuchticket/street-1", nil},
	"GET /media/playback/{ticket}/{camera}":          {"/media/playback/nosuchticket/street-1", nil},
	"GET /request":                                   {"/request", nil},
	"POST /request":                                  {"/request", "{}"},
	"GET /request/{code}":                            {"/request/AAAA-BBBB-CCCC", nil},
	"GET /api/openapi.json":                          {"/api/openapi.json", nil},
	"POST /api/session":                              {"/api/session", "{}"},
	"DELETE /api/session":                            {"/api/session", nil},
	"GET /api/me":                                    {"/api/me", nil},
	"GET /api/public/policy":                         {"/api/public/policy", nil},
	"GET /api/public/policy/versions":                {"/api/public/policy/versions", nil},
	"GET /api/public/policy/versions/{version}":      {"/api/public/policy/versions/1", nil},
	"GET /api/public/signage":                        {"/api/public/signage", nil},
	"POST /api/public/requests":                      {"/api/public/requests", "{}"},
	"GET /api/public/requests/{code}":                {"/api/public/requests/AAAA-BBBB-CCCC", nil},
	"GET /api/dashboard":                             {"/api/dashboard", nil},
	"GET /api/cameras":                               {"/api/cameras", nil},
	"GET /api/cameras/{camera}/timeline":             {"/api/cameras/street-1/timeline", nil},
	"POST /api/cameras/{camera}/playback":            {"/api/cameras/street-1/playback", "{}"},
	"POST /api/live":                                 {"/api/live", "{}"},
	"GET /api/registry":                              {"/api/registry", nil},
	"PUT /api/registry":                              {"/api/registry", []byte("")},
	"POST /api/policy/publish":                       {"/api/policy/publish", "{}"},
	"GET /api/accesslog":                             {"/api/accesslog", nil},
	"GET /api/accesslog/review":                      {"/api/accesslog/review?month=2026-10", nil},
	"GET /api/ledger":                                {"/api/ledger", nil},
	"GET /api/audit/checkpoints":                     {"/api/audit/checkpoints?since=0", nil},
	"GET /api/users":                                 {"/api/users", nil},
	"POST /api/users":                                {"/api/users", "{}"},
	"POST /api/users/{id}/disable":                   {"/api/users/{victim}/disable", "{}"},
	"POST /api/users/{id}/enable":                    {"/api/users/{victim}/enable", nil},
	"POST /api/users/{id}/grants":                    {"/api/users/{victim}/grants", "{}"},
	"POST /api/users/{id}/grants/{grant}/revoke":     {"/api/users/{victim}/grants/999999/revoke", nil},
	"POST /api/users/{id}/totp-reset":                {"/api/users/999999/totp-reset", nil},
	"GET /api/deputies":                              {"/api/deputies", nil},
	"POST /api/deputies":                             {"/api/deputies", "{}"},
	"POST /api/deputies/{id}/end":                    {"/api/deputies/999999/end", nil},
	"GET /api/requests":                              {"/api/requests", nil},
	"POST /console/provisions/{id}/copy":             {"/console/provisions/999999/copy", "{}"},
	"POST /api/provisions/{id}/copy":                 {"/api/provisions/999999/copy", "{}"},
	"GET /api/provisions/{id}/copy":                  {"/api/provisions/999999/copy", nil},
	"POST /api/requests":                             {"/api/requests", "{}"},
	"GET /api/requests/{id}":                         {"/api/requests/999", nil},
	"POST /api/requests/{id}/{step}":                 {"/api/requests/999/decide", "{}"},
	"GET /console/requests/new":                      {"/console/requests/new", nil},
	"POST /console/requests":                         {"/console/requests", "{}"},
	"GET /console/requests/{id}":                     {"/console/requests/999", nil},
	"GET /console/requests/{id}/notice.pdf":          {"/console/requests/999/notice.pdf", nil},
	"POST /console/requests/{id}/{step}":             {"/console/requests/999/decide", "{}"},
	"GET /request/{code}/notice.pdf":                 {"/request/AAAA-BBBB-CCCC/notice.pdf", nil},
	"GET /api/holds":                                 {"/api/holds", nil},
	"GET /console/provisions":                        {"/console/provisions", nil},
	"GET /console/provisions/new":                    {"/console/provisions/new", nil},
	"POST /console/provisions":                       {"/console/provisions", "{}"},
	"GET /console/provisions/{id}":                   {"/console/provisions/999999", nil},
	"POST /console/provisions/{id}/approve":          {"/console/provisions/999999/approve", "{}"},
	"POST /console/provisions/{id}/refuse":           {"/console/provisions/999999/refuse", "{}"},
	"POST /console/provisions/{id}/deliver":          {"/console/provisions/999999/deliver", "{}"},
	"POST /console/provisions/{id}/close":            {"/console/provisions/999999/close", "{}"},
	"GET /console/agency/provisions":                 {"/console/agency/provisions", nil},
	"POST /console/agency/provisions":                {"/console/agency/provisions", "{}"},
	"GET /console/agency/provisions/{id}":            {"/console/agency/provisions/999999", nil},
	"GET /provisions":                                {"/provisions", nil},
	"GET /d/{token}":                                 {"/d/forged-token", nil},
	"GET /signing-key.pub":                           {"/signing-key.pub", nil},
	"GET /api/provisions":                            {"/api/provisions", nil},
	"POST /api/provisions":                           {"/api/provisions", "{}"},
	"GET /api/provisions/{id}":                       {"/api/provisions/999999", nil},
	"POST /api/provisions/{id}/approve":              {"/api/provisions/999999/approve", "{}"},
	"POST /api/provisions/{id}/refuse":               {"/api/provisions/999999/refuse", "{}"},
	"POST /api/provisions/{id}/deliver":              {"/api/provisions/999999/deliver", "{}"},
	"POST /api/provisions/{id}/close":                {"/api/provisions/999999/close", "{}"},
	"GET /api/agency/provisions":                     {"/api/agency/provisions", nil},
	"POST /api/agency/provisions":                    {"/api/agency/provisions", "{}"},
	"GET /api/agency/provisions/{id}":                {"/api/agency/provisions/999999", nil},
	"GET /api/public/provisions":                     {"/api/public/provisions", nil},
}

// denied reports whether a response refuses the caller: 401, 403, or a redirect to log in.
func denied(res *http.Response) bool {
	if res.StatusCode == 401 || res.StatusCode == 403 {
		return true
	}
	loc := res.Header.Get("Location")
	return res.StatusCode == 303 && (strings.HasPrefix(loc, "/login") || strings.HasPrefix(loc, "/account/totp"))
}

// TestAuthorisationMatrix calls every route of the route table as every role, as an
// anonymous visitor and as a disabled account, and checks each answer against the
// permission table (auth.Allows, docs/PERMISSIONS.md): the roles' grants cover street-1;
// only chief, manager, auditor and admin have organisation-wide grants.
func TestAuthorisationMatrix(t *testing.T) {
	e := newConsole(t)
	ctx := context.Background()
	roles := map[auth.Role]custodian.AccountGrant{
		auth.RoleChief:          {Role: "chief", All: true},
		auth.RoleManager:        {Role: "manager", All: true},
		auth.RoleOperationsLead: {Role: "operations_lead", Sites: []string{"streets"}},
		auth.RoleAccessHolder:   {Role: "access_holder", Cameras: []string{"street-1"}},
		auth.RoleAuditor:        {Role: "auditor", All: true},
		auth.RoleAgency:         {Role: "agency", Agreement: "police"},
		auth.RoleAdmin:          {Role: "admin", All: true},
	}
	victim := e.account("victim", custodian.AccountGrant{Role: "auditor", All: true})
	clients := map[string]*client{}
	for r, g := range roles {
		e.account(string(r), g)
		c := e.client()
		c.login(string(r))
		clients[string(r)] = c
	}
	anon := e.client()
	anon.anonCSRF()
	e.account("gone", custodian.AccountGrant{Role: "chief", All: true})
	gone := e.client()
	gone.login("gone")
	acct, _ := e.db.AccountByUsername(ctx, "gone")
	if n, err := e.m.Disable(ctx, acct, "퇴직", "test", "test"); err != nil || n != 1 {
		t.Fatalf("disable: %d sessions, %v", n, err)
	}

	routes := e.s.Routes()
	// Logging out ends the caller's session: those routes go last.
	sort.SliceStable(routes, func(i, j int) bool { return !isLogout(routes[i]) && isLogout(routes[j]) })
	seen := map[string]bool{}
	for _, rt := range routes {
		key := rt.Method + " " + rt.Pattern
		seen[key] = true
		smp, ok := matrixSamples[key]
		if !ok {
			t.Errorf("route %s is missing from the authorisation matrix", key)
			continue
		}
		path := strings.ReplaceAll(smp.path, "{victim}", fmt.Sprint(victim.ID))
		// Each role against the permission table.
		for r, g := range roles {
			c := clients[string(r)]
			var want bool
			switch {
			case rt.Public, rt.Login, rt.Pending:
				want = true
			case rt.Some, rt.Camera:
				want = auth.Allows(r, rt.Action)
			default:
				want = auth.Allows(r, rt.Action) && g.All
			}
			if isLogout(rt) {
				// Logging out ends the session: each call gets a session of its own, and
				// success is the session's end (a redirect to /login, or 200).
				c = e.directSession(string(r))
				res, body := c.do(rt.Method, path, smp.body)
				if res.StatusCode != 200 && res.StatusCode != 303 {
					t.Errorf("%s as %s: %d\n%.300s", key, r, res.StatusCode, body)
				}
				continue
			}
			res, body := c.do(rt.Method, path, smp.body)
			if got := reached(key, res, body); got != want {
				t.Errorf("%s as %s: %d (allowed=%v), want allowed=%v\n%.300s", key, r, res.StatusCode, got, want, body)
			}
		}
		// Anonymous and disabled: only the public routes.
		for name, c := range map[string]*client{"anonymous": anon, "disabled": gone} {
			res, body := c.do(rt.Method, path, smp.body)
			if got := reached(key, res, body); got != rt.Public {
				t.Errorf("%s as %s: %d (allowed=%v), want allowed=%v\n%.300s", key, name, res.StatusCode, got, rt.Public, body)
			}
		}
	}
	for key := range matrixSamples {
		if !seen[key] {
			t.Errorf("the matrix lists %s, which is not a route", key)
		}
	}
}

// reached reports whether a call got past the access checks: it was not denied, or, for
// the login itself, it was refused for its wrong credentials.
func reached(key string, res *http.Response, body string) bool {
	if key == "POST /api/session" {
		return res.StatusCode == 401 && strings.Contains(body, "사용자 이름 또는 비밀번호가 맞지 않")
	}
	return !denied(res)
}

func isLogout(r web.RouteInfo) bool {
	return r.Pattern == "/logout" || (r.Pattern == "/api/session" && r.Method == "DELETE")
}

// TestScopeLimits checks scope beyond roles: an access holder of street-1 and the police
// (whose agreement covers the streets' crime-prevention cameras) cannot open lobby-1.
func TestScopeLimits(t *testing.T) {
	e := newConsole(t)
	e.account("holder", custodian.AccountGrant{Role: "access_holder", Cameras: []string{"street-1"}})
	e.account("police", custodian.AccountGrant{Role: "agency", Agreement: "police"})
	for _, u := range []string{"holder", "police"} {
		c := e.client()
		c.login(u)
		for _, p := range []string{"/console/playback/lobby-1", "/api/cameras/lobby-1/timeline", "/media/live/x/lobby-1"} {
			if res, _ := c.do("GET", p, nil); res.StatusCode != 403 {
				t.Errorf("%s GET %s: %d, want 403", u, p, res.StatusCode)
			}
		}
		res, body := c.do("POST", "/api/live", map[string]any{"cameras": []string{"lobby-1"}, "purpose": "crime"})
		if res.StatusCode != 403 {
			t.Errorf("%s opening lobby-1 live: %d %s", u, res.StatusCode, body)
		}
	}
	// The police see crime-prevention cameras live, and nothing recorded.
	c := e.directSession("police")
	if res, body := c.do("POST", "/api/live", map[string]any{"cameras": []string{"street-1"}, "purpose": "crime"}); res.StatusCode != 201 {
		t.Errorf("police opening street-1 live: %d %s", res.StatusCode, body)
	}
	if res, _ := c.do("GET", "/console/playback/street-1", nil); res.StatusCode != 403 {
		t.Errorf("police playback: %d", res.StatusCode)
	}
	// A denied opening of footage is in the access log.
	n := 0
	scanLog(t, e, func(ev accessEvent) {
		if ev.Result == "denied" && ev.Camera == "lobby-1" {
			n++
		}
	})
	if n == 0 {
		t.Error("denied openings of lobby-1 are not in the access log")
	}
}
