package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"net/url"
	"strings"
	"time"

	"custodian"
)

// TOTP parameters (RFC 6238 with the defaults every authenticator app implements):
// HMAC-SHA1, 30-second steps, 6 digits; a code is accepted one step early or late.
const (
	TOTPStep   = 30 * time.Second
	TOTPDigits = 6
	totpSkew   = 1
)

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewTOTPSecret returns a new random secret (160 bits, RFC 4226's recommendation) in
// unpadded base32, as authenticator apps take it.
func NewTOTPSecret() (string, error) {
	b := make([]byte, 20)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return b32.EncodeToString(b), nil
}

func decodeSecret(secret string) ([]byte, error) {
	k, err := b32.DecodeString(strings.ToUpper(strings.TrimRight(strings.ReplaceAll(secret, " ", ""), "=")))
	if err != nil || len(k) < 10 {
		return nil, custodian.Errorf(custodian.EINVALID, "TOTP 비밀 값이 잘못되었습니다", "the TOTP secret is malformed")
	}
	return k, nil
}

// hotp is RFC 4226's HOTP value of counter, with digits digits.
func hotp(key []byte, counter uint64, digits int) string {
	m := hmac.New(sha1.New, key)
	var c [8]byte
	binary.BigEndian.PutUint64(c[:], counter)
	m.Write(c[:])
	sum := m.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	v := binary.BigEndian.Uint32(sum[off:]) & 0x7fffffff
	mod := uint32(1)
	for i := 0; i < digits; i++ {
		mod *= 10
	}
	return fmt.Sprintf("%0*d", digits, v%mod)
}

// TOTPStepAt returns the time step of t.
func TOTPStepAt(t time.Time) int64 { return t.Unix() / int64(TOTPStep/time.Second) }

// TOTPCode returns the code of secret at time t.
func TOTPCode(secret string, t time.Time) (string, error) {
	k, err := decodeSecret(secret)
	if err != nil {
		return "", err
	}
	return hotp(k, uint64(TOTPStepAt(t)), TOTPDigits), nil
}

// VerifyTOTP checks code against secret at time t, accepting the step before and after.
// A code of a step at or before lastStep (the last one accepted for this account) is
// refused: a code works once. It returns the step to store as the new lastStep.
func VerifyTOTP(secret, code string, t time.Time, lastStep int64) (step int64, ok bool) {
	k, err := decodeSecret(secret)
	if err != nil || len(code) != TOTPDigits {
		return lastStep, false
	}
	now := TOTPStepAt(t)
	for s := now - totpSkew; s <= now+totpSkew; s++ {
		if s <= lastStep {
			continue
		}
		if subtle.ConstantTimeCompare([]byte(hotp(k, uint64(s), TOTPDigits)), []byte(code)) == 1 {
			return s, true
		}
	}
	return lastStep, false
}

// TOTPURI returns the otpauth:// URI an authenticator app scans (as a QR code) to enrol.
func TOTPURI(issuer, account, secret string) string {
	label := url.PathEscape(issuer + ":" + account)
	q := url.Values{"secret": {secret}, "issuer": {issuer}, "algorithm": {"SHA1"}, "digits": {fmt.Sprint(TOTPDigits)},
		"period": {fmt.Sprint(int(TOTPStep / time.Second))}}
	return "otpauth://totp/" + label + "?" + q.Encode()
}
