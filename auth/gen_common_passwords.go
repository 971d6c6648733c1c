//go:build ignore

// gen_common_passwords writes common-passwords.txt: passwords that people choose most
// often, built from well-known patterns (the words and keyboard walks at the top of every
// published leak list, in English and romanised Korean, with the digits, years and
// symbols people add). Run: go run gen_common_passwords.go > common-passwords.txt
package main

import (
	"fmt"
	"sort"
	"strings"
)

var words = []string{
	"password", "passw0rd", "p@ssword", "p@ssw0rd", "pass", "qwerty", "admin", "administrator", "root", "user", "guest", "test",
	"welcome", "iloveyou", "dragon", "monkey", "letmein", "football", "baseball", "soccer", "basketball", "sunshine", "princess",
	"master", "shadow", "superman", "batman", "michael", "jennifer", "jordan", "hunter", "ranger", "harley", "charlie", "thomas",
	"computer", "internet", "secret", "freedom", "whatever", "trustno1", "starwars", "pokemon", "naruto", "killer", "hello",
	"login", "love", "lovely", "flower", "summer", "winter", "spring", "autumn", "orange", "banana", "chocolate", "cookie",
	"samsung", "google", "apple", "naver", "kakao", "daum", "korea", "seoul", "busan", "sarang", "saranghae", "saranghe",
	"hangul", "hangeul", "kimchi", "tiger", "lion", "angel", "family", "friend", "mypass", "mypassword", "changeme",
	"default", "security", "system", "server", "camera", "cctv", "video", "office", "company", "manager", "custodian",
	"access", "control", "monitor", "police", "school", "student", "teacher", "doctor", "nurse", "happy", "smile",
	"money", "music", "game", "gamer", "player", "star", "moon", "sky", "blue", "red", "green", "black", "white",
	"purple", "pink", "silver", "gold", "diamond", "crystal", "magic", "ninja", "pirate", "zombie", "matrix", "phoenix",
	"eagle", "falcon", "wolf", "bear", "dog", "cat", "puppy", "kitty", "baby", "babe", "honey", "sweet", "sugar",
	"welcome1", "qazwsx", "asdfgh", "zxcvbn", "asdf", "zxcv", "qwer", "abcd", "abc", "aaaa", "test123", "temp", "temp123",
	"kim", "lee", "park", "choi", "jung", "kang", "cho", "yoon", "jang", "lim", "minsu", "jiwoo", "seoyeon", "minji",
	"daehan", "hanguk", "daehanminguk", "bitcoin", "crypto", "joker", "legend", "warrior", "knight", "king", "queen",
	"prince", "soldier", "army", "navy", "marine", "house", "home", "sweetheart", "forever", "together", "happiness",
}

var walks = []string{
	"123456", "1234567", "12345678", "123456789", "1234567890", "0123456789", "987654321", "9876543210", "111111", "000000",
	"11111111", "00000000", "121212", "123123", "123321", "112233", "654321", "666666", "777777", "888888", "999999",
	"1q2w3e4r", "1q2w3e4r5t", "1q2w3e", "q1w2e3r4", "q1w2e3r4t5", "qwer1234", "qwerty123", "qwerty1234", "qwertyuiop",
	"asdf1234", "asdfghjkl", "zxcvbnm", "1qaz2wsx", "1qaz2wsx3edc", "zaq12wsx", "zaq1xsw2", "!qaz2wsx", "!qaz@wsx",
	"qazwsxedc", "qweasdzxc", "qweasd", "asdqwe", "1qazxsw2", "qwe123", "asd123", "zxc123", "abc123", "abcd1234",
	"a1b2c3d4", "a1234567", "aa123456", "q1234567", "p@ssw0rd1", "passw0rd1", "password1", "password12", "password123",
	"password1234", "admin123", "admin1234", "admin@123", "root1234", "test1234", "welcome123", "iloveyou1",
}

var suffixes = []string{"", "1", "12", "123", "1234", "12345", "123456", "!", "1!", "12!", "123!", "1234!", "!@", "!@#", "!@#$",
	"@", "@1", "@12", "@123", "@1234", "#", "#1", "#123", "$", "01", "007", "69", "77", "88", "99", "00", "11", "2580", "1004",
	"2019", "2020", "2021", "2022", "2023", "2024", "2025", "2026", "2027",
	"2019!", "2020!", "2021!", "2022!", "2023!", "2024!", "2025!", "2026!", "2027!",
	"@2024", "@2025", "@2026", "#2025", "#2026", "_123", "_1234", "_2025", "_2026", ".123", "-123", "-1234"}

func leet(w string) string {
	return strings.NewReplacer("a", "@", "o", "0", "i", "1", "e", "3", "s", "$").Replace(w)
}

// passesKinds is auth.CheckPassword's length and kinds rule (ASCII is enough here).
func passesKinds(s string) bool {
	var l, d, y int
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z':
			l = 1
		case r >= '0' && r <= '9':
			d = 1
		default:
			y = 1
		}
	}
	k := l + d + y
	return k >= 2 && len(s) >= 10 || k == 3 && len(s) >= 8
}

func main() {
	set := map[string]bool{}
	add := func(s string) { set[strings.ToLower(s)] = true }
	for _, w := range words {
		for _, v := range []string{w, leet(w), w + w} {
			for _, suf := range suffixes {
				add(v + suf)
			}
			for _, pre := range []string{"!", "1", "@", "123", "1234"} {
				add(pre + v)
			}
		}
	}
	for _, w := range walks {
		for _, suf := range []string{"", "!", "!@", "!@#", "@", "#", "a", "q", "!!", "?", "*"} {
			add(w + suf)
			add(suf + w)
		}
	}
	for _, a := range walks {
		for _, b := range walks {
			if len(a)+len(b) <= 16 && len(a) <= 8 && len(b) <= 8 {
				add(a + b)
			}
		}
	}
	// Only what the rest of the rule would let through is listed: the list is there for
	// the passwords that have the length and the kinds of characters but are still common.
	out := make([]string, 0, len(set))
	for s := range set {
		if passesKinds(s) {
			out = append(out, s)
		}
	}
	sort.Strings(out)
	fmt.Println("# Common passwords, refused by auth.CheckPassword (lowercase; compared case-insensitively).")
	fmt.Println("# Generated by gen_common_passwords.go from well-known patterns; do not edit by hand.")
	for _, s := range out {
		fmt.Println(s)
	}
}
