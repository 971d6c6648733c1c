// Package auth holds what the console's accounts rest on (issue 5): password hashing with
// argon2id, the password rule of Korea's safety-measures standard, TOTP second factors
// (RFC 6238), and the permission table of roles and actions, enforced in one place (Can).
//
// Files:
//
//	password.go     argon2id hashes in PHC string form; the password rule
//	totp.go         TOTP secrets, codes, verification with replay protection, otpauth URIs
//	permissions.go  roles, actions, the permission table, scopes
package auth

import (
	"crypto/rand"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"custodian"
)

// Argon2id parameters of new hashes: OWASP's recommendation (19 MiB, 2 passes, 1 lane).
// Hashes made with other parameters still verify and report that they need a rehash.
const (
	argonMemory  = 19 * 1024 // KiB
	argonTime    = 2
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16
)

// Bounds on the parameters of a stored hash, so that a tampered row cannot make a login
// take minutes or gigabytes.
const (
	maxMemory  = 1 << 20 // KiB (1 GiB)
	maxTime    = 16
	maxThreads = 16
)

// HashPassword returns the argon2id hash of password in PHC string form:
// $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash> (unpadded standard base64).
func HashPassword(password string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// VerifyPassword reports whether password matches the stored hash, and whether the hash
// should be replaced (its parameters are not the current ones). A malformed hash is an
// error, never a match.
func VerifyPassword(hash, password string) (ok, rehash bool, err error) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" || parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return false, false, errHash("the form is not $argon2id$v=19$m=…,t=…,p=…$salt$hash")
	}
	var m, t, p uint64
	for _, kv := range strings.Split(parts[3], ",") {
		k, v, _ := strings.Cut(kv, "=")
		n, perr := strconv.ParseUint(v, 10, 32)
		if perr != nil {
			return false, false, errHash("bad parameter " + kv)
		}
		switch k {
		case "m":
			m = n
		case "t":
			t = n
		case "p":
			p = n
		default:
			return false, false, errHash("unknown parameter " + k)
		}
	}
	if m < 8 || m > maxMemory || t < 1 || t > maxTime || p < 1 || p > maxThreads {
		return false, false, errHash("parameters out of bounds")
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(salt) < 8 || len(want) < 16 || len(want) > 64 {
		return false, false, errHash("bad salt or hash")
	}
	got := argon2.IDKey([]byte(password), salt, uint32(t), uint32(m), uint8(p), uint32(len(want)))
	ok = subtle.ConstantTimeCompare(got, want) == 1
	rehash = m != argonMemory || t != argonTime || p != argonThreads || len(want) != argonKeyLen
	return ok, ok && rehash, nil
}

func errHash(why string) error {
	return custodian.Errorf(custodian.EINTERNAL, "저장된 비밀번호 해시가 잘못되었습니다: %s", "the stored password hash is malformed: %s", why)
}

// MaxPasswordLen bounds a password (hashing is deliberately slow; a megabyte password
// must not be a way to spend it).
const MaxPasswordLen = 128

// CheckPassword applies the password rule of the safety-measures standard's guidance (개인정보의
// 안전성 확보조치 기준): at least 10 characters of two kinds (letters, digits, symbols), or
// at least 8 of all three; at most MaxPasswordLen; not containing the user name; not
// one character repeated; not one of the most common passwords (IsCommonPassword). It
// returns what is wrong, or nil.
func CheckPassword(password, user string) *custodian.Error {
	n := utf8.RuneCountInString(password)
	if n > MaxPasswordLen {
		return custodian.Errorf(custodian.EINVALID, "비밀번호는 %d자 이하여야 합니다", "the password must be at most %d characters", MaxPasswordLen)
	}
	var letters, digits, symbols bool
	for _, r := range password {
		switch {
		case unicode.IsLetter(r):
			letters = true
		case unicode.IsDigit(r):
			digits = true
		case unicode.IsPrint(r) && !unicode.IsSpace(r):
			symbols = true
		}
	}
	kinds := 0
	for _, k := range []bool{letters, digits, symbols} {
		if k {
			kinds++
		}
	}
	if !(kinds >= 2 && n >= 10 || kinds == 3 && n >= 8) {
		return custodian.Errorf(custodian.EINVALID,
			"비밀번호는 영문·숫자·특수문자 중 2종류 이상으로 10자 이상, 또는 3종류로 8자 이상이어야 합니다",
			"the password needs 10 characters of two kinds (letters, digits, symbols), or 8 of all three")
	}
	if user != "" && strings.Contains(strings.ToLower(password), strings.ToLower(user)) {
		return custodian.Errorf(custodian.EINVALID, "비밀번호에 사용자 이름이 들어 있습니다", "the password contains the user name")
	}
	first, _ := utf8.DecodeRuneInString(password)
	if strings.Trim(password, string(first)) == "" {
		return custodian.Errorf(custodian.EINVALID, "한 글자만 반복한 비밀번호는 쓸 수 없습니다", "a password of one repeated character is not allowed")
	}
	if IsCommonPassword(password) {
		return custodian.Errorf(custodian.EINVALID, "흔히 쓰이는 비밀번호라 쓸 수 없습니다: 추측하기 어려운 것으로 고르십시오",
			"this is one of the most common passwords: choose one that is hard to guess")
	}
	return nil
}

//go:embed common-passwords.txt
var commonPasswordsText string

var commonPasswords = sync.OnceValue(func() map[string]struct{} {
	m := make(map[string]struct{}, 32768)
	for _, l := range strings.Split(commonPasswordsText, "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "# ") {
			m[l] = struct{}{}
		}
	}
	return m
})

// CommonPasswords returns how many passwords the list holds.
func CommonPasswords() int { return len(commonPasswords()) }

// IsCommonPassword reports whether password (in any case) is on the list of common
// passwords (common-passwords.txt, made by gen_common_passwords.go from the words, keyboard
// walks, years and symbols that lead every published list of leaked passwords).
func IsCommonPassword(password string) bool {
	_, ok := commonPasswords()[strings.ToLower(password)]
	return ok
}
