package rtsp

// DigestRoundTrip answers ch as the client would for method and uri, then checks the
// answer as the package's server would, with ch's realm and nonce. ok is false when the
// client cannot answer ch.
func DigestRoundTrip(ch Challenge, user, password, method, uri string) (answer string, accepted, ok bool) {
	if challengeRank(ch) == 0 {
		return "", false, false
	}
	a := &authorizer{user: user, password: password, ch: ch}
	answer = a.header(method, uri)
	s := &serverAuth{user: user, password: password, realm: ch.Params["realm"], nonce: ch.Params["nonce"]}
	return answer, s.ok(method, Header{{"Authorization", answer}}), true
}
