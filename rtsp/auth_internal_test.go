package rtsp

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestDigestVectors: the worked examples of RFC 2617 §3.5 and RFC 7616 §3.9.1.
func TestDigestVectors(t *testing.T) {
	for _, tc := range []struct {
		name, challenge, password, cnonce, want string
	}{
		{"RFC 2617 MD5", `Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"`,
			"Circle Of Life", "0a4f113b", "6629fae49393a05397450978507c4ef1"},
		{"RFC 7616 MD5", `Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=MD5, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"`,
			"Circle of Life", "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", "8ca523f5e9506fed4657c9700eebdbec"},
		{"RFC 7616 SHA-256", `Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"`,
			"Circle of Life", "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ch, ok := pickChallenge([]string{tc.challenge})
			if !ok {
				t.Fatal("challenge refused")
			}
			a := &authorizer{user: "Mufasa", password: tc.password, ch: ch, cnonce: func() string { return tc.cnonce }}
			got, err := ParseChallenge(a.header("GET", "/dir/index.html"))
			if err != nil {
				t.Fatal(err)
			}
			p := got.Params
			if p["response"] != tc.want || p["nc"] != "00000001" || p["qop"] != "auth" || p["opaque"] != ch.Params["opaque"] ||
				p["uri"] != "/dir/index.html" || p["username"] != "Mufasa" || p["cnonce"] != tc.cnonce {
				t.Errorf("got %v, want response %s", p, tc.want)
			}
			// The count goes up with each request on the same nonce, and restarts with a
			// new one.
			second, _ := ParseChallenge(a.header("GET", "/dir/index.html"))
			ch2 := ch
			ch2.Params = map[string]string{"realm": ch.Params["realm"], "nonce": "new", "qop": "auth", "algorithm": ch.Params["algorithm"]}
			a.update(ch2)
			third, _ := ParseChallenge(a.header("GET", "/dir/index.html"))
			if second.Params["nc"] != "00000002" || third.Params["nc"] != "00000001" || third.Params["nonce"] != "new" {
				t.Errorf("nc %s then %s (nonce %s)", second.Params["nc"], third.Params["nc"], third.Params["nonce"])
			}
		})
	}
	// Without qop (RFC 2069 form): response = H(HA1:nonce:HA2), no nc or cnonce.
	ch, _ := ParseChallenge(`Digest realm="r", nonce="n"`)
	a := &authorizer{user: "u", password: "p", ch: ch}
	got, _ := ParseChallenge(a.header("DESCRIBE", "rtsp://h/x"))
	sum := digestHash("MD5")
	if want := sum(sum("u:r:p") + ":n:" + sum("DESCRIBE:rtsp://h/x")); got.Params["response"] != want || got.Params["nc"] != "" {
		t.Errorf("no qop: %v, want response %s", got.Params, want)
	}
}

// TestServerChecksClient: the server's check accepts what the client sends, for every
// challenge it offers, and nothing else.
func TestServerChecksClient(t *testing.T) {
	s := newServerAuth("admin", `pa"ss\word`)
	for _, v := range s.challenges() {
		ch, err := ParseChallenge(v)
		if err != nil {
			t.Fatal(err)
		}
		for _, pw := range []string{`pa"ss\word`, "wrong"} {
			a := &authorizer{user: "admin", password: pw, ch: ch}
			h := Header{{"Authorization", a.header("SETUP", "rtsp://h/cam/trackID=0")}}
			if got := s.ok("SETUP", h); got != (pw != "wrong") {
				t.Errorf("%s with %q: ok = %v", ch.Params["algorithm"]+ch.Scheme, pw, got)
			}
			if ch.Scheme == "Digest" && s.ok("PLAY", h) {
				t.Errorf("%s: accepted for another method", v)
			}
		}
	}
	if s.ok("PLAY", Header{}) || s.ok("PLAY", Header{{"Authorization", "Bearer x"}}) {
		t.Error("accepted without credentials")
	}
	if ch, _ := pickChallenge(s.challenges()); ch.Params["algorithm"] != "SHA-256" {
		t.Errorf("the client picks %v, want Digest SHA-256", ch)
	}
}

func TestParseChallenges(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []Challenge
	}{
		{`Basic realm="cam"`, []Challenge{{"Basic", map[string]string{"realm": "cam"}}}},
		{`Digest realm="a, b", nonce="x\"y\\z", stale=TRUE`, []Challenge{{"Digest", map[string]string{"realm": "a, b", "nonce": `x"y\z`, "stale": "TRUE"}}}},
		// Two challenges in one value, and a missing comma between parameters.
		{`Digest realm="r" nonce="n",qop="auth", Basic realm="r"`, []Challenge{
			{"Digest", map[string]string{"realm": "r", "nonce": "n", "qop": "auth"}},
			{"Basic", map[string]string{"realm": "r"}}}},
		{`Negotiate abc==, Digest realm = "r" , nonce=n`, []Challenge{
			{"Negotiate", map[string]string{"abc": "="}},
			{"Digest", map[string]string{"realm": "r", "nonce": "n"}}}},
		{`Digest`, []Challenge{{"Digest", map[string]string{}}}},
	} {
		got, err := ParseChallenges(tc.in)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %v %v", tc.in, got, err)
		}
	}
	for _, bad := range []string{"", "  ", `realm="x"`, `Digest realm="open`, `Digest ="x"`, `Digest "x"`,
		strings.Repeat("x", 5000), "Digest " + manyParams(20), strings.Repeat("S ", 20)} {
		if c, err := ParseChallenges(bad); err == nil {
			t.Errorf("%q accepted: %v", bad[:min(len(bad), 40)], c)
		}
	}
	// Preference: Digest SHA-256 over MD5 over Basic, whatever the order; unknown
	// algorithms are passed over.
	ch, ok := pickChallenge([]string{`Basic realm="r"`, `Digest realm="r", nonce="1", algorithm=MD5-sess`, `Digest realm="r", nonce="2"`})
	if !ok || ch.Scheme != "Digest" || ch.Params["nonce"] != "2" {
		t.Errorf("picked %v", ch)
	}
	if _, ok := pickChallenge([]string{`Negotiate x`, `Digest realm="r", algorithm=SHA-512-256`}); ok {
		t.Error("picked an unsupported challenge")
	}
}

// TestStrictAndTolerantAgree: the testdata descriptions that pion/sdp accepts read the
// same through the line-by-line fallback.
func TestStrictAndTolerantAgree(t *testing.T) {
	files, _ := filepath.Glob("testdata/sdp/*.sdp")
	base, _ := url.Parse("rtsp://10.0.0.1/live/")
	strict := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		text := strings.ReplaceAll(string(b), "\r\n", "\n")
		sm, sc, ok := strictSDP(text)
		if !ok {
			continue
		}
		strict++
		tm, tc := tolerantSDP(text)
		if sc != tc || len(sm) != len(tm) {
			t.Errorf("%s: session control %q/%q, %d/%d medias", f, sc, tc, len(sm), len(tm))
			continue
		}
		for i := range sm {
			a, errA := sm[i].media(base, base)
			b, errB := tm[i].media(base, base)
			if !reflect.DeepEqual(a, b) || (errA == nil) != (errB == nil) {
				t.Errorf("%s media %d:\n pion     %+v %v\n tolerant %+v %v", f, i, a, errA, b, errB)
			}
		}
	}
	t.Logf("pion/sdp accepted %d of %d samples", strict, len(files))
	if strict < 3 {
		t.Errorf("pion/sdp accepted only %d of %d samples", strict, len(files))
	}
}

func manyParams(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "k%d=v, ", i)
	}
	return b.String()
}
