package rtsp

import (
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"strings"
)

// Challenge is one authentication challenge of a WWW-Authenticate header (or the
// credentials of an Authorization header, which have the same form).
type Challenge struct {
	Scheme string            // "Basic", "Digest" (as sent)
	Params map[string]string // realm, nonce, opaque, algorithm, qop, stale ... (keys lower-cased, values unquoted)
}

// Bounds of a WWW-Authenticate value.
const (
	maxChallenges = 8
	maxParams     = 16
)

// ParseChallenges reads a WWW-Authenticate value (RFC 7235 §4.1): one or more challenges,
// each a scheme followed by comma-separated key=token or key="quoted string" parameters.
// Cameras that leave out the commas between parameters are understood; a token68 (as in
// "Negotiate abc==") is read as a parameter and ignored.
func ParseChallenges(v string) ([]Challenge, error) {
	if len(v) > MaxLine {
		return nil, malformed("인증 요구가 %d바이트보다 깁니다", "a challenge is longer than %d bytes", MaxLine)
	}
	bad := func() error {
		return malformed("인증 요구 %q를 읽을 수 없습니다", "cannot read the challenge %q", clip(v))
	}
	var out []Challenge
	i, n := 0, len(v)
	skip := func(set string) {
		for i < n && strings.IndexByte(set, v[i]) >= 0 {
			i++
		}
	}
	for {
		skip(" \t,")
		if i >= n {
			break
		}
		j := i
		for i < n && authTokenChar(v[i]) {
			i++
		}
		tok := v[j:i]
		if tok == "" {
			return nil, bad()
		}
		skip(" \t")
		if i >= n || v[i] != '=' {
			// A new challenge.
			if len(out) >= maxChallenges {
				return nil, malformed("인증 요구가 너무 많습니다", "too many challenges")
			}
			out = append(out, Challenge{Scheme: tok, Params: map[string]string{}})
			continue
		}
		// A parameter of the current challenge.
		if len(out) == 0 {
			return nil, bad()
		}
		i++ // '='
		skip(" \t")
		var val string
		if i < n && v[i] == '"' {
			var b strings.Builder
			i++
			closed := false
			for i < n {
				c := v[i]
				i++
				if c == '\\' && i < n {
					b.WriteByte(v[i])
					i++
					continue
				}
				if c == '"' {
					closed = true
					break
				}
				b.WriteByte(c)
			}
			if !closed {
				return nil, malformed("인증 요구의 따옴표가 닫히지 않았습니다", "an unterminated quote in the challenge %q", clip(v))
			}
			val = b.String()
		} else {
			j := i
			for i < n && v[i] != ',' && v[i] != ' ' && v[i] != '\t' {
				i++
			}
			val = v[j:i]
		}
		c := &out[len(out)-1]
		if len(c.Params) >= maxParams {
			return nil, malformed("인증 요구의 매개변수가 너무 많습니다", "too many challenge parameters")
		}
		key := strings.ToLower(tok)
		if _, dup := c.Params[key]; !dup {
			c.Params[key] = val
		}
	}
	if len(out) == 0 {
		return nil, bad()
	}
	return out, nil
}

// ParseChallenge reads the first challenge of a WWW-Authenticate value.
func ParseChallenge(v string) (Challenge, error) {
	cs, err := ParseChallenges(v)
	if err != nil {
		return Challenge{}, err
	}
	return cs[0], nil
}

// authTokenChar reports whether c may be in a scheme or parameter name.
func authTokenChar(c byte) bool {
	return c > ' ' && c < 0x7f && c != ',' && c != '=' && c != '"'
}

// pickChallenge chooses among the challenges of a 401: Digest with SHA-256, else Digest
// with MD5, else Basic. Digest with another algorithm (MD5-sess, SHA-512-256) is not
// supported.
func pickChallenge(values []string) (Challenge, bool) {
	var best Challenge
	rank := 0
	for _, v := range values {
		cs, err := ParseChallenges(v)
		if err != nil {
			continue
		}
		for _, c := range cs {
			if r := challengeRank(c); r > rank {
				best, rank = c, r
			}
		}
	}
	return best, rank > 0
}

// challengeRank orders the challenges the client can answer: 3 for Digest with SHA-256,
// 2 for Digest with MD5, 1 for Basic, 0 for the others.
func challengeRank(c Challenge) int {
	switch strings.ToLower(c.Scheme) {
	case "digest":
		switch strings.ToUpper(c.Params["algorithm"]) {
		case "", "MD5":
			return 2
		case "SHA-256":
			return 3
		}
	case "basic":
		return 1
	}
	return 0
}

// authorizer answers a server's challenge for each request. It is used under the
// client's write lock.
type authorizer struct {
	user, password string
	ch             Challenge
	nc             int           // requests sent with the current nonce
	cnonce         func() string // nil: 8 random bytes in hex
}

// update takes a new challenge of the same scheme (a new nonce); the count restarts.
func (a *authorizer) update(ch Challenge) {
	if ch.Params["nonce"] != a.ch.Params["nonce"] {
		a.nc = 0
	}
	a.ch = ch
}

// header returns the Authorization value for a request (RFC 2617 §3.2.2, RFC 7616 §3.4).
func (a *authorizer) header(method, uri string) string {
	if strings.EqualFold(a.ch.Scheme, "basic") {
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(a.user+":"+a.password))
	}
	p := a.ch.Params
	alg := strings.ToUpper(p["algorithm"])
	sum := digestHash(alg)
	ha1 := sum(a.user + ":" + p["realm"] + ":" + a.password)
	ha2 := sum(method + ":" + uri)
	var b strings.Builder
	fmt.Fprintf(&b, `Digest username="%s", realm="%s", nonce="%s", uri="%s"`, quote(a.user), quote(p["realm"]), quote(p["nonce"]), quote(uri))
	qop := false
	for _, q := range strings.Split(p["qop"], ",") {
		if strings.EqualFold(strings.TrimSpace(q), "auth") {
			qop = true
		}
	}
	if qop {
		a.nc++
		nc := fmt.Sprintf("%08x", a.nc)
		var cnonce string
		if a.cnonce != nil {
			cnonce = a.cnonce()
		} else {
			cb := make([]byte, 8)
			rand.Read(cb)
			cnonce = hex.EncodeToString(cb)
		}
		resp := sum(ha1 + ":" + p["nonce"] + ":" + nc + ":" + cnonce + ":auth:" + ha2)
		fmt.Fprintf(&b, `, response="%s", qop=auth, nc=%s, cnonce="%s"`, resp, nc, quote(cnonce))
	} else {
		fmt.Fprintf(&b, `, response="%s"`, sum(ha1+":"+p["nonce"]+":"+ha2))
	}
	if alg != "" {
		fmt.Fprintf(&b, `, algorithm=%s`, alg)
	}
	if o, ok := p["opaque"]; ok {
		fmt.Fprintf(&b, `, opaque="%s"`, quote(o))
	}
	return b.String()
}

// digestHash returns the hex digest function of a Digest algorithm ("SHA-256", else MD5).
func digestHash(alg string) func(string) string {
	var h func() hash.Hash = md5.New
	if strings.EqualFold(alg, "SHA-256") {
		h = sha256.New
	}
	return func(s string) string {
		x := h()
		x.Write([]byte(s))
		return hex.EncodeToString(x.Sum(nil))
	}
}

var quoter = strings.NewReplacer(`\`, `\\`, `"`, `\"`)

// quote escapes s for a quoted string.
func quote(s string) string { return quoter.Replace(s) }

// serverAuth checks requests against a user and password (the server side, for camsim and
// tests): Digest with SHA-256 or MD5 (with or without qop=auth) and Basic.
type serverAuth struct {
	user, password, realm, nonce string
}

func newServerAuth(user, password string) *serverAuth {
	b := make([]byte, 16)
	rand.Read(b)
	return &serverAuth{user: user, password: password, realm: "Custodian camsim", nonce: hex.EncodeToString(b)}
}

// challenges are the WWW-Authenticate values of a 401, the preferred first (RFC 7616
// §3.7). MD5 is the last Digest one because ffmpeg and GStreamer take the last Digest
// challenge they see and do not all know SHA-256.
func (s *serverAuth) challenges() []string {
	return []string{
		fmt.Sprintf(`Digest realm="%s", nonce="%s", algorithm=SHA-256, qop="auth"`, s.realm, s.nonce),
		fmt.Sprintf(`Digest realm="%s", nonce="%s", algorithm=MD5, qop="auth"`, s.realm, s.nonce),
		fmt.Sprintf(`Basic realm="%s"`, s.realm),
	}
}

// ok checks a request's Authorization.
func (s *serverAuth) ok(method string, h Header) bool {
	v := h.Get("Authorization")
	scheme, rest, _ := strings.Cut(v, " ")
	switch strings.ToLower(scheme) {
	case "basic":
		raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(rest))
		if err != nil {
			return false
		}
		return subtle.ConstantTimeCompare(raw, []byte(s.user+":"+s.password)) == 1
	case "digest":
		c, err := ParseChallenge(v)
		if err != nil {
			return false
		}
		p := c.Params
		if p["username"] != s.user || p["realm"] != s.realm || p["nonce"] != s.nonce {
			return false
		}
		alg := strings.ToUpper(p["algorithm"])
		if alg != "" && alg != "MD5" && alg != "SHA-256" {
			return false
		}
		sum := digestHash(alg)
		ha1 := sum(s.user + ":" + s.realm + ":" + s.password)
		ha2 := sum(method + ":" + p["uri"])
		want := sum(ha1 + ":" + s.nonce + ":" + ha2)
		if p["qop"] == "auth" {
			want = sum(ha1 + ":" + s.nonce + ":" + p["nc"] + ":" + p["cnonce"] + ":auth:" + ha2)
		}
		return subtle.ConstantTimeCompare([]byte(want), []byte(p["response"])) == 1
	}
	return false
}
