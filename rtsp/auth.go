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

// Challenge is one WWW-Authenticate challenge.
type Challenge struct {
	Scheme string            // "Basic" or "Digest"
	Params map[string]string // realm, nonce, opaque, algorithm, qop, stale (keys lower-cased)
}

// ParseChallenge reads a WWW-Authenticate value: a scheme and comma-separated
// key=value or key="quoted value" parameters.
func ParseChallenge(v string) (Challenge, error) {
	v = strings.TrimSpace(v)
	scheme, rest, _ := strings.Cut(v, " ")
	if scheme == "" || len(v) > MaxLine {
		return Challenge{}, malformed("인증 요구 %q를 읽을 수 없습니다", "cannot read the challenge %q", clip(v))
	}
	c := Challenge{Scheme: scheme, Params: map[string]string{}}
	for rest = strings.TrimSpace(rest); rest != ""; {
		k, after, ok := strings.Cut(rest, "=")
		if !ok {
			return Challenge{}, malformed("인증 요구의 매개변수 %q가 잘못되었습니다", "bad challenge parameter %q", clip(rest))
		}
		k = strings.ToLower(strings.TrimSpace(k))
		var val string
		after = strings.TrimLeft(after, " ")
		if strings.HasPrefix(after, `"`) {
			end := -1
			for i := 1; i < len(after); i++ {
				if after[i] == '\\' {
					i++
					continue
				}
				if after[i] == '"' {
					end = i
					break
				}
			}
			if end < 0 {
				return Challenge{}, malformed("인증 요구의 따옴표가 닫히지 않았습니다", "an unterminated quote in the challenge")
			}
			val = strings.ReplaceAll(after[1:end], `\"`, `"`)
			after = after[end+1:]
		} else {
			val, after, _ = strings.Cut(after, ",")
			val = strings.TrimSpace(val)
			after = "," + after
		}
		if len(c.Params) >= 16 {
			return Challenge{}, malformed("인증 요구의 매개변수가 너무 많습니다", "too many challenge parameters")
		}
		c.Params[k] = val
		after = strings.TrimSpace(after)
		after = strings.TrimPrefix(after, ",")
		rest = strings.TrimSpace(after)
	}
	return c, nil
}

// authorizer answers a server's challenge for each request.
type authorizer struct {
	user, password string
	ch             Challenge
	nc             int
}

// pick chooses Digest over Basic among the challenges of a 401.
func pickChallenge(values []string) (Challenge, bool) {
	var basic *Challenge
	for _, v := range values {
		c, err := ParseChallenge(v)
		if err != nil {
			continue
		}
		switch strings.ToLower(c.Scheme) {
		case "digest":
			alg := strings.ToUpper(c.Params["algorithm"])
			if alg == "" || alg == "MD5" || alg == "SHA-256" {
				return c, true
			}
		case "basic":
			basic = &c
		}
	}
	if basic != nil {
		return *basic, true
	}
	return Challenge{}, false
}

// header returns the Authorization value for a request.
func (a *authorizer) header(method, uri string) string {
	if strings.EqualFold(a.ch.Scheme, "basic") {
		return "Basic " + base64.StdEncoding.EncodeToString([]byte(a.user+":"+a.password))
	}
	p := a.ch.Params
	var h func() hash.Hash = md5.New
	alg := strings.ToUpper(p["algorithm"])
	if alg == "SHA-256" {
		h = sha256.New
	}
	sum := func(s string) string {
		x := h()
		x.Write([]byte(s))
		return hex.EncodeToString(x.Sum(nil))
	}
	ha1 := sum(a.user + ":" + p["realm"] + ":" + a.password)
	ha2 := sum(method + ":" + uri)
	var b strings.Builder
	fmt.Fprintf(&b, `Digest username="%s", realm="%s", nonce="%s", uri="%s"`, quoteEsc(a.user), quoteEsc(p["realm"]), quoteEsc(p["nonce"]), quoteEsc(uri))
	qop := ""
	for _, q := range strings.Split(p["qop"], ",") {
		if strings.TrimSpace(q) == "auth" {
			qop = "auth"
		}
	}
	if qop != "" {
		a.nc++
		nc := fmt.Sprintf("%08x", a.nc)
		cb := make([]byte, 8)
		rand.Read(cb)
		cnonce := hex.EncodeToString(cb)
		resp := sum(ha1 + ":" + p["nonce"] + ":" + nc + ":" + cnonce + ":auth:" + ha2)
		fmt.Fprintf(&b, `, response="%s", qop=auth, nc=%s, cnonce="%s"`, resp, nc, cnonce)
	} else {
		fmt.Fprintf(&b, `, response="%s"`, sum(ha1+":"+p["nonce"]+":"+ha2))
	}
	if alg != "" {
		fmt.Fprintf(&b, `, algorithm=%s`, alg)
	}
	if o, ok := p["opaque"]; ok {
		fmt.Fprintf(&b, `, opaque="%s"`, quoteEsc(o))
	}
	return b.String()
}

func quoteEsc(s string) string { return strings.ReplaceAll(s, `"`, `\"`) }

// serverAuth checks requests against a user and password (the server side, for camsim and
// tests): Digest (MD5, with or without qop) and Basic.
type serverAuth struct {
	user, password, realm, nonce string
}

func newServerAuth(user, password string) *serverAuth {
	b := make([]byte, 16)
	rand.Read(b)
	return &serverAuth{user: user, password: password, realm: "Custodian camsim", nonce: hex.EncodeToString(b)}
}

// challenges are the WWW-Authenticate values of a 401.
func (s *serverAuth) challenges() []string {
	return []string{fmt.Sprintf(`Digest realm="%s", nonce="%s", algorithm=MD5, qop="auth"`, s.realm, s.nonce),
		fmt.Sprintf(`Basic realm="%s"`, s.realm)}
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
		sum := func(x string) string { m := md5.Sum([]byte(x)); return hex.EncodeToString(m[:]) }
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
