package custodian

import (
	"fmt"
	"reflect"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits on free text (docs/REGISTRY.md, "Limits"). Lengths are in characters (runes).
const (
	MaxShortText = 200     // names, titles, addresses, phone numbers, locations ...
	MaxLongText  = 2000    // notes, reasons, descriptions (may have line breaks)
	MaxBodyText  = 20000   // the policy's introduction and section bodies
	MaxURLText   = 2048    // URLs and file paths
	maxTextTotal = 4 << 20 // all the text of a registry together, in bytes
)

// ours marks a message argument as Custodian's own text (a list of allowed values), which
// is never cut; strings from the input are (validator.add).
type ours string

// textKind is how a registry field's text is limited, by its YAML name.
type textKind struct {
	max       int
	multiline bool
}

var textKinds = map[string]textKind{
	"body": {MaxBodyText, true}, "introduction": {MaxBodyText, true},

	"note": {MaxLongText, true}, "notes": {MaxLongText, true}, "scope": {MaxLongText, true},
	"consent": {MaxLongText, true}, "retention_reason": {MaxLongText, true},
	"processing_method": {MaxLongText, true}, "no_cameras_reason": {MaxLongText, true},
	"custody_facility": {MaxLongText, true}, "range": {MaxLongText, true},
	"covers": {MaxLongText, true}, "work": {MaxLongText, true}, "basis": {MaxLongText, true},
	"method": {MaxLongText, true}, "place": {MaxLongText, true}, "via": {MaxLongText, true},
	"fee": {MaxLongText, true}, "summary": {MaxLongText, true}, "signboards": {MaxLongText, true},
	"signboard": {MaxLongText, true}, "technical": {MaxLongText, true},
	"managerial": {MaxLongText, true}, "physical": {MaxLongText, true},

	"url": {MaxURLText, false}, "homepage": {MaxURLText, false}, "password_file": {MaxURLText, false},
}

// CheckText checks one piece of free text: at most max characters, valid UTF-8, and no
// invisible or control characters — no bidirectional controls (U+202A–U+202E,
// U+2066–U+2069), zero-width characters (U+200B–U+200F, U+FEFF) or any other format (Cf) or
// control (Cc) character; multi-line text may have line breaks and tabs. It returns what is
// wrong, in Korean and English, or nil.
func CheckText(s string, max int, multiline bool) *Error {
	if !utf8.ValidString(s) {
		return Errorf(EINVALID, "UTF-8이 아닌 바이트가 있습니다", "the text is not valid UTF-8")
	}
	n := 0
	for i, r := range s {
		n++
		if multiline && (r == '\n' || r == '\t') {
			continue
		}
		if unicode.Is(unicode.Cc, r) || unicode.Is(unicode.Cf, r) || r == '\u2028' || r == '\u2029' {
			return Errorf(EINVALID,
				"%d번째 글자(바이트 %d)에 보이지 않는 제어 문자 %U가 있습니다: 방향 제어·폭 없는 문자·제어 문자는 쓸 수 없습니다",
				"character %d (byte %d) is the invisible control character %U: direction controls, zero-width and control characters are not allowed",
				n, i, r)
		}
	}
	if n > max {
		return Errorf(EINVALID, "%d자입니다; 최대 %d자까지 쓸 수 있습니다", "%d characters long; at most %d are allowed", n, max)
	}
	return nil
}

// text checks every string in the registry (CheckText), with the limit of its field
// (textKinds; IDs are checked by id). Paths are those of the file: "sites[0].name".
func (v *validator) text() {
	total := 0
	var walk func(rv reflect.Value, path, name string)
	walk = func(rv reflect.Value, path, name string) {
		switch rv.Kind() {
		case reflect.Pointer:
			if !rv.IsNil() {
				walk(rv.Elem(), path, name)
			}
		case reflect.Struct:
			t := rv.Type()
			for i := range t.NumField() {
				f := t.Field(i)
				tag, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
				if tag == "" || tag == "-" || !f.IsExported() {
					continue
				}
				p := tag
				if path != "" {
					p = path + "." + tag
				}
				walk(rv.Field(i), p, tag)
			}
		case reflect.Slice:
			for i := range rv.Len() {
				walk(rv.Index(i), fmt.Sprintf("%s[%d]", path, i), name)
			}
		case reflect.String:
			s := rv.String()
			total += len(s)
			if name == "id" && len(s) <= 64 {
				return // checked by id
			}
			k, ok := textKinds[name]
			if !ok {
				k = textKind{MaxShortText, false}
			}
			if e := CheckText(s, k.max, k.multiline); e != nil {
				v.addText(path, e.Ko, e.En)
			}
		}
	}
	walk(reflect.ValueOf(v.r).Elem(), "", "")
	if total > maxTextTotal {
		v.add("", "등록부의 글이 모두 %d바이트입니다; 최대 %d바이트까지입니다", "the registry's text is %d bytes in all; at most %d are allowed", total, maxTextTotal)
	}
}

// ByteSize is a size as people read it: "512 B", "3.4 KiB", "12.0 MiB", "1.5 GiB".
func ByteSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
