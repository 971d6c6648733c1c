package web

import (
	"fmt"
	"html/template"
	"slices"
	"strings"
	"sync"
	"time"

	"custodian"
	"custodian/auth"
	"custodian/recorder"
)

// limiter is a token bucket per key (a remote address): n requests per period, refilled
// continuously. Idle buckets are forgotten.
type limiter struct {
	mu     sync.Mutex
	n      float64
	period time.Duration
	b      map[string]*bucket
	sweep  time.Time
}

type bucket struct {
	tokens float64
	at     time.Time
}

func newLimiter(n int, period time.Duration) *limiter {
	return &limiter{n: float64(n), period: period, b: map[string]*bucket{}}
}

// allow takes a token for key at now; false means the caller must wait (and for how long).
func (l *limiter) allow(key string, now time.Time) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.sweep) > l.period {
		for k, b := range l.b {
			if now.Sub(b.at) > l.period {
				delete(l.b, k)
			}
		}
		l.sweep = now
	}
	b := l.b[key]
	if b == nil {
		b = &bucket{tokens: l.n, at: now}
		l.b[key] = b
	}
	rate := l.n / float64(l.period)
	b.tokens += float64(now.Sub(b.at)) * rate
	if b.tokens > l.n {
		b.tokens = l.n
	}
	b.at = now
	if b.tokens < 1 {
		return false, time.Duration((1 - b.tokens) / rate)
	}
	b.tokens--
	return true, 0
}

// errRateLimited answers a request over a rate limit (HTTP 429).
func errRateLimited(wait time.Duration) error {
	sec := int(wait.Seconds()) + 1
	return &custodian.Error{Code: custodian.ERATELIMIT, Ko: fmt.Sprintf("요청이 너무 잦습니다. %d초 뒤에 다시 하십시오", sec), En: fmt.Sprintf("too many requests: try again in %d seconds", sec)}
}

// viewTicket is an opening of footage: who, which cameras, what period, why. The media
// routes serve only what a ticket covers, to the session that opened it, while it lasts.
type viewTicket struct {
	ID       string
	Session  string
	Account  int64
	Kind     string // "live" or "playback"
	Use      string // the use logged for each window: custodian.UsePlayback, or UseView for an on-site viewing
	Request  int64  // the data subject's request an on-site viewing is for (0: none)
	Cameras  []string
	From, To time.Time // playback period
	Purpose  string
	Opened   time.Time
	Expires  time.Time
}

// ViewTicketLife is how long an opening of footage lasts before its purpose must be
// given again.
const ViewTicketLife = 2 * time.Hour

type viewTickets struct {
	mu sync.Mutex
	m  map[string]*viewTicket
}

func newViewTickets() *viewTickets { return &viewTickets{m: map[string]*viewTicket{}} }

func (v *viewTickets) add(t *viewTicket) {
	v.mu.Lock()
	defer v.mu.Unlock()
	for id, x := range v.m {
		if t.Opened.After(x.Expires) {
			delete(v.m, id)
		}
	}
	v.m[t.ID] = t
}

func (v *viewTickets) get(id string, now time.Time) *viewTicket {
	v.mu.Lock()
	defer v.mu.Unlock()
	t := v.m[id]
	if t == nil || !now.Before(t.Expires) {
		return nil
	}
	return t
}

// pendingSecrets holds TOTP secrets shown to a user during enrolment, per session, until
// confirmed with a code (10 minutes).
type pendingSecrets struct {
	mu sync.Mutex
	m  map[string]pending
}

type pending struct {
	secret string
	at     time.Time
}

func newPendingSecrets() *pendingSecrets { return &pendingSecrets{m: map[string]pending{}} }

func (p *pendingSecrets) get(session string, now time.Time, create func() (string, error)) (string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if x, ok := p.m[session]; ok && now.Sub(x.at) < 10*time.Minute {
		return x.secret, nil
	}
	s, err := create()
	if err != nil {
		return "", err
	}
	p.m[session] = pending{s, now}
	return s, nil
}

func (p *pendingSecrets) drop(session string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.m, session)
}

type menuItem struct {
	Href, Ko, En string
}

// menu lists the console pages the caller may open.
func (c *call) menu() []menuItem {
	items := []menuItem{{"/console", "현황", "Dashboard"}}
	add := func(a auth.Action, it menuItem) {
		if auth.CanSome(c.grants, a, c.now) {
			items = append(items, it)
		}
	}
	add(auth.FootageLive, menuItem{"/console/live", "실시간", "Live"})
	add(auth.FootagePlayback, menuItem{"/console/playback", "녹화 영상", "Playback"})
	add(auth.CamerasHealth, menuItem{"/console/cameras", "카메라 상태", "Cameras"})
	add(auth.RequestsRead, menuItem{"/console/requests", "열람 등 청구", "Requests"})
	add(auth.ProvisionsManage, menuItem{"/console/provisions", "제3자 제공", "Provisions"})
	add(auth.ProvisionsRequest, menuItem{"/console/agency/provisions", "영상정보 제공 요청", "Provision requests"})
	add(auth.RegistryRead, menuItem{"/console/registry", "등록부", "Registry"})
	if auth.Can(c.grants, auth.PolicyPublish, auth.Target{}, c.now) {
		items = append(items, menuItem{"/console/policy", "방침 공고", "Policy"})
	}
	add(auth.AccessLogRead, menuItem{"/console/accesslog", "접근 기록", "Access log"})
	add(auth.AccessLogRead, menuItem{"/console/ledger", "관리대장", "Ledger"})
	if auth.Can(c.grants, auth.UsersManage, auth.Target{}, c.now) {
		items = append(items, menuItem{"/console/users", "사용자·권한", "Users"})
	}
	items = append(items, menuItem{"/account", "내 계정", "My account"})
	return items
}

var funcs = template.FuncMap{
	"t": func(lang, ko, en string) string {
		if lang == "en" {
			return en
		}
		return ko
	},
	"prev": func(n int) int { return n - 1 },
	"kst": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(custodian.KST).Format("2006-01-02 15:04:05")
	},
	"kstm": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.In(custodian.KST).Format("2006-01-02 15:04")
	},
	"isotime": func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
	"unixms":  func(t time.Time) int64 { return t.UnixMilli() },
	"join":    strings.Join,
	"kindname": func(lang, k string) string {
		n, ok := custodian.RequestKindNames[k]
		if !ok {
			return k
		}
		if lang == "en" {
			return n[1]
		}
		return n[0]
	},
	"statusname": func(lang, k string) string {
		n, ok := custodian.RequestStatusNames[k]
		if !ok {
			return k
		}
		if lang == "en" {
			return n[1]
		}
		return n[0]
	},
	"decisionname": func(lang, k string) string { return pairName(custodian.DecisionNames, lang, k) },
	"channelname":  func(lang, k string) string { return pairName(custodian.RequestChannelNames, lang, k) },
	"methodname":   func(lang, k string) string { return pairName(custodian.IdentityMethodNames, lang, k) },
	"groundname": func(lang, id string) string {
		if g := custodian.Ground(id); g != nil {
			return t(lang, g.Ko, g.En) + " (" + g.Article + ")"
		}
		return id
	},
	"won": func(n int64) string { return fmt.Sprintf("%d원", n) },
	"statename": func(lang, st string) string {
		n, ok := cameraStateNames[st]
		if !ok {
			return st
		}
		if lang == "en" {
			return n[1]
		}
		return n[0]
	},
	"rolename": func(lang, r string) string { return auth.RoleName(r, lang) },
	"pct":      func(f float64) string { return fmt.Sprintf("%.0f%%", f*100) },
	"add":      func(a, b int) int { return a + b },
	"divk":     func(f float64) float64 { return f / 1000 },
	"has":      func(xs []string, x string) bool { return slices.Contains(xs, x) },
	"rates":    func() []string { return []string{"0.5", "1", "2", "4", "8"} },
	"gf": func(lang string, roles []auth.Role, id int64) any {
		return struct {
			Lang  string
			Roles []auth.Role
			ID    int64
		}{lang, roles, id}
	},
}

// SetRateLimits changes the rate limits per remote address: logins (and OTP codes) per
// minute, public requests filed per 10 minutes, and request status lookups per minute.
// The defaults are 10, 5 and 30.
func (s *Server) SetRateLimits(logins, filings, lookups int) {
	s.loginLimit = newLimiter(logins, time.Minute)
	s.formLimit = newLimiter(filings, 10*time.Minute)
	s.lookupLimit = newLimiter(lookups, time.Minute)
}

// cameraStateNames are the recorder's camera states in Korean and English.
var cameraStateNames = map[string][2]string{
	recorder.StateConnecting: {"연결 중", "connecting"},
	recorder.StateRecording:  {"녹화 중", "recording"},
	recorder.StateFailing:    {"장애", "failing"},
	recorder.StateStopped:    {"중지", "stopped"},
	"not_recorded":           {"녹화 안 함", "not recorded"},
}

// pairName is a name in lang from a map of Korean and English names (the key itself when
// unknown).
func pairName(m map[string][2]string, lang, k string) string {
	n, ok := m[k]
	if !ok {
		return k
	}
	if lang == "en" {
		return n[1]
	}
	return n[0]
}
