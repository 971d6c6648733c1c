// Package yaml reads and writes the registry file: the YAML that a person keeps in version
// control and that `custodian import` and `custodian export` exchange.
//
// Reading is strict. Unknown fields, wrong types, duplicate keys, several documents and
// syntax errors are problems, each with the file, line, column and field path; the
// registry's own rules (custodian.Registry.Validate) are then checked and their problems get
// the position of the field they name. Nothing is returned unless the whole file is right.
package yaml

import (
	"bytes"
	"encoding"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"custodian"

	yamlv3 "gopkg.in/yaml.v3"
)

// MaxFileSize is the largest registry file Load accepts.
const MaxFileSize = 64 << 20

// maxAliases bounds alias expansion (a "billion laughs" file is refused).
const maxAliases = 10000

// Load parses a registry file and validates it. file names the file in messages. It returns
// a *custodian.ValidationError listing every problem with its position when anything is wrong.
func Load(file string, data []byte) (*custodian.Registry, error) {
	r, pos, err := Decode(file, data)
	if err != nil {
		return nil, err
	}
	if err := r.Validate(); err != nil {
		var ve *custodian.ValidationError
		if errors.As(err, &ve) {
			pos.Annotate(ve.Problems)
		}
		return nil, err
	}
	return r, nil
}

// LoadFile is Load for a file read from disk: it first refuses a file that does not end
// with a line break. Such a file was most likely cut off (a copy or download stopped short),
// and a file cut inside its last plain value still parses, to a shorter value: "정문 앞
// 주차장" cut after "정문" reads as "정문". Editors end text files with a line break, and
// Encode does. The registry API and the console's form, whose bodies have their length
// checked by HTTP, use Load.
func LoadFile(file string, data []byte) (*custodian.Registry, error) {
	if len(data) > 0 && len(data) <= MaxFileSize && data[len(data)-1] != '\n' {
		line := bytes.Count(data, []byte("\n")) + 1
		last := data[bytes.LastIndexByte(data, '\n')+1:]
		tail := string(last)
		if utf8.RuneCountInString(tail) > 40 {
			r := []rune(tail)
			tail = "…" + string(r[len(r)-40:])
		}
		return nil, custodian.NewValidationError([]custodian.Problem{{File: file, Line: line, Column: utf8.RuneCount(last) + 1,
			Ko: fmt.Sprintf("파일이 줄바꿈으로 끝나지 않습니다: 마지막 값(%q)에서 잘렸을 수 있습니다. 파일이 온전하면 끝에 줄바꿈을 넣으십시오", tail),
			En: fmt.Sprintf("the file does not end with a line break: it may have been cut off in its last value (%q). If the file is whole, end it with a line break", tail)}})
	}
	return Load(file, data)
}

// Positions maps field paths ("sites[2].camera_groups[0].count") to where they are in a file.
type Positions struct {
	file string
	at   map[string][2]int
}

// Annotate sets the file, line and column of each problem from the position of its path, or
// of the nearest enclosing path that has one.
func (p *Positions) Annotate(problems []custodian.Problem) {
	for i := range problems {
		problems[i].File = p.file
		path := problems[i].Path
		for {
			if lc, ok := p.at[path]; ok {
				problems[i].Line, problems[i].Column = lc[0], lc[1]
				break
			}
			j := strings.LastIndexAny(path, ".[")
			if j < 0 {
				break
			}
			path = path[:j]
		}
	}
}

// Decode parses a registry file without validating the registry's rules. Syntax and type
// problems are returned as a *custodian.ValidationError.
func Decode(file string, data []byte) (*custodian.Registry, *Positions, error) {
	pos := &Positions{file: file, at: map[string][2]int{}}
	fail := func(line, col int, ko, en string) (*custodian.Registry, *Positions, error) {
		return nil, pos, custodian.NewValidationError([]custodian.Problem{{File: file, Line: line, Column: col, Ko: ko, En: en}})
	}
	if len(data) > MaxFileSize {
		return fail(0, 0, fmt.Sprintf("파일이 너무 큽니다 (%d바이트, 최대 %d)", len(data), MaxFileSize), fmt.Sprintf("the file is too large (%d bytes, at most %d)", len(data), MaxFileSize))
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return fail(0, 0, "파일이 비어 있습니다", "the file is empty")
	}
	dec := yamlv3.NewDecoder(bytes.NewReader(data))
	var doc yamlv3.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return fail(0, 0, "파일에 내용이 없습니다 (주석뿐입니다)", "the file has no content (only comments)")
		}
		line, col, ko, en := syntaxError(err, data)
		return fail(line, col, "YAML 문법 오류: "+ko, "YAML syntax error: "+en)
	}
	var extra yamlv3.Node
	if err := dec.Decode(&extra); err == nil {
		return fail(extra.Line, extra.Column, "문서가 둘 이상입니다 ('---' 뒤에 다른 문서가 있습니다)", "more than one document (another follows '---')")
	} else if !errors.Is(err, io.EOF) {
		line, col, ko, en := syntaxError(err, data)
		return fail(line, col, "YAML 문법 오류: "+ko, "YAML syntax error: "+en)
	}
	d := &decoder{file: file, pos: pos}
	var r custodian.Registry
	root := &doc
	if root.Kind == yamlv3.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	if root.Kind == yamlv3.ScalarNode && root.Tag == "!!null" {
		return fail(0, 0, "문서에 내용이 없습니다", "the document is empty")
	}
	if root.Kind != yamlv3.MappingNode {
		return fail(root.Line, root.Column, "최상위는 매핑(organisation:, sites: ...)이어야 합니다", "the top level must be a mapping (organisation:, sites: ...)")
	}
	d.decode(root, reflect.ValueOf(&r).Elem(), "")
	if len(d.problems) > 0 {
		return nil, pos, custodian.NewValidationError(d.problems)
	}
	return &r, pos, nil
}

var lineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// syntaxError returns the line (and, when known, column) and message of a yaml.v3 parse
// error. yaml.v3 reports its parser's "did not find expected ..." errors and tab errors one
// line early (a 0-based line); those are corrected, and a tab in indentation is located
// exactly.
func syntaxError(err error, data []byte) (line, col int, ko, en string) {
	msg := err.Error()
	m := lineRE.FindStringSubmatch(msg)
	if m == nil {
		msg = strings.TrimPrefix(msg, "yaml: ")
		return 0, 0, msg, msg
	}
	line, _ = strconv.Atoi(m[1])
	msg = m[2]
	// A tab in the indentation near the error is its cause, whatever yaml.v3 says.
	lines := strings.Split(string(data), "\n")
	for i := max(line-1, 0); i <= line+1 && i < len(lines); i++ {
		indent := len(lines[i]) - len(strings.TrimLeft(lines[i], " \t"))
		if j := strings.IndexByte(lines[i][:indent], '\t'); j >= 0 {
			return i + 1, j + 1, "들여쓰기에 탭 문자가 있습니다; 공백을 쓰십시오", "a tab character in the indentation; use spaces"
		}
	}
	if strings.HasPrefix(msg, "did not find expected") {
		// yaml.v3 gives the 0-based line where the enclosing block or bracket began.
		line++
		return line, 0, msg + " — 이 줄에서 시작하는 블록의 들여쓰기와 괄호를 확인하십시오",
			msg + " — check the indentation and brackets of the block that starts on this line"
	}
	return line, col, msg, msg
}

type decoder struct {
	file     string
	pos      *Positions
	problems []custodian.Problem
	aliases  int
}

func (d *decoder) add(n *yamlv3.Node, path, ko, en string) {
	d.problems = append(d.problems, custodian.Problem{File: d.file, Line: n.Line, Column: n.Column, Path: path, Ko: ko, En: en})
}

var textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()

func join(path, field string) string {
	if path == "" {
		return field
	}
	return path + "." + field
}

// decode sets v from n, recording problems rather than stopping at the first.
func (d *decoder) decode(n *yamlv3.Node, v reflect.Value, path string) {
	if n.Kind == yamlv3.AliasNode {
		d.aliases++
		if d.aliases > maxAliases {
			if d.aliases == maxAliases+1 {
				d.add(n, path, "별칭(alias)이 너무 많습니다", "too many aliases")
			}
			return
		}
		n = n.Alias
	}
	if _, ok := d.pos.at[path]; !ok {
		d.pos.at[path] = [2]int{n.Line, n.Column}
	}
	if n.Kind == yamlv3.ScalarNode && n.Tag == "!!null" {
		return // an empty value leaves the zero value; Validate reports what is required
	}
	if v.CanAddr() && v.Addr().Type().Implements(textUnmarshaler) {
		if n.Kind != yamlv3.ScalarNode {
			d.wrongType(n, path, "날짜 등 텍스트 값", "a text value such as a date")
			return
		}
		if err := v.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(n.Value)); err != nil {
			var ce *custodian.Error
			if errors.As(err, &ce) {
				d.add(n, path, ce.Ko, ce.En)
			} else {
				d.add(n, path, err.Error(), err.Error())
			}
		}
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		// An optional section (camera source): present when written.
		p := reflect.New(v.Type().Elem())
		d.decode(n, p.Elem(), path)
		v.Set(p)
	case reflect.Struct:
		d.decodeStruct(n, v, path)
	case reflect.Slice:
		if n.Kind != yamlv3.SequenceNode {
			d.wrongType(n, path, "목록", "a list")
			return
		}
		if len(n.Content) == 0 {
			return // an empty list is the same as none
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, item := range n.Content {
			d.decode(item, s.Index(i), fmt.Sprintf("%s[%d]", path, i))
		}
		v.Set(s)
	case reflect.String:
		if n.Kind != yamlv3.ScalarNode {
			d.wrongType(n, path, "문자열", "a string")
			return
		}
		v.SetString(n.Value)
	case reflect.Int, reflect.Int64:
		if n.Kind != yamlv3.ScalarNode || n.Tag != "!!int" {
			d.wrongType(n, path, "정수", "an integer")
			return
		}
		i, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 0, 64)
		if err != nil || v.OverflowInt(i) {
			d.add(n, path, fmt.Sprintf("정수 %q를 읽을 수 없습니다", echo(n.Value)), fmt.Sprintf("cannot read the integer %q", echo(n.Value)))
			return
		}
		v.SetInt(i)
	case reflect.Float64:
		if n.Kind != yamlv3.ScalarNode || (n.Tag != "!!int" && n.Tag != "!!float") {
			d.wrongType(n, path, "숫자", "a number")
			return
		}
		f, err := strconv.ParseFloat(strings.ReplaceAll(n.Value, "_", ""), 64)
		if err != nil {
			d.add(n, path, fmt.Sprintf("숫자 %q를 읽을 수 없습니다", echo(n.Value)), fmt.Sprintf("cannot read the number %q", echo(n.Value)))
			return
		}
		v.SetFloat(f)
	case reflect.Bool:
		if n.Kind != yamlv3.ScalarNode || n.Tag != "!!bool" {
			d.wrongType(n, path, "true 또는 false", "true or false")
			return
		}
		v.SetBool(n.Value == "true" || n.Value == "True" || n.Value == "TRUE")
	default:
		panic("yaml: unsupported field type " + v.Type().String())
	}
}

func describe(n *yamlv3.Node) (string, string) {
	switch n.Kind {
	case yamlv3.MappingNode:
		return "매핑", "a mapping"
	case yamlv3.SequenceNode:
		return "목록", "a list"
	}
	v := fmt.Sprint(echo(n.Value))
	switch n.Tag {
	case "!!int":
		return "정수 " + v, "the integer " + v
	case "!!float":
		return "숫자 " + v, "the number " + v
	case "!!bool":
		return v, "the boolean " + v
	}
	return fmt.Sprintf("문자열 %q", echo(n.Value)), fmt.Sprintf("the string %q", echo(n.Value))
}

func (d *decoder) wrongType(n *yamlv3.Node, path, wantKo, wantEn string) {
	gotKo, gotEn := describe(n)
	d.add(n, path, fmt.Sprintf("%s이(가) 필요한데 %s이(가) 있습니다", wantKo, gotKo), fmt.Sprintf("expected %s, found %s", wantEn, gotEn))
}

type fieldInfo struct {
	index int
	name  string
}

var fieldCache sync.Map // reflect.Type -> []fieldInfo

func fields(t reflect.Type) []fieldInfo {
	if fs, ok := fieldCache.Load(t); ok {
		return fs.([]fieldInfo)
	}
	var fs []fieldInfo
	for i := 0; i < t.NumField(); i++ {
		tag := t.Field(i).Tag.Get("yaml")
		name, _, _ := strings.Cut(tag, ",")
		if name == "" || name == "-" {
			continue
		}
		fs = append(fs, fieldInfo{i, name})
	}
	fieldCache.Store(t, fs)
	return fs
}

func (d *decoder) decodeStruct(n *yamlv3.Node, v reflect.Value, path string) {
	if n.Kind != yamlv3.MappingNode {
		d.wrongType(n, path, "매핑(키: 값)", "a mapping (key: value)")
		return
	}
	fs := fields(v.Type())
	byName := make(map[string]int, len(fs))
	names := make([]string, len(fs))
	for i, f := range fs {
		byName[f.name] = f.index
		names[i] = f.name
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, val := n.Content[i], n.Content[i+1]
		if k.Kind != yamlv3.ScalarNode {
			d.add(k, path, "키는 문자열이어야 합니다", "a key must be a string")
			continue
		}
		fpath := join(path, k.Value)
		if len(k.Value) > 64 { // no field name is this long: name it cut in messages
			fpath = join(path, fmt.Sprint(echo(k.Value)))
		}
		if k.Value == "<<" && k.Tag == "!!merge" {
			d.add(k, fpath, "병합 키(<<)는 지원하지 않습니다; 값을 직접 적으십시오", "merge keys (<<) are not supported; write the values out")
			continue
		}
		if line, dup := seen[k.Value]; dup {
			d.add(k, fpath, fmt.Sprintf("키 %q가 중복됩니다 (처음: %d행)", echo(k.Value), line), fmt.Sprintf("duplicate key %q (first on line %d)", echo(k.Value), line))
			continue
		}
		seen[k.Value] = k.Line
		idx, ok := byName[k.Value]
		if !ok {
			hint := ""
			if s := closest(k.Value, names); s != "" {
				hint = s
			}
			ko := fmt.Sprintf("알 수 없는 필드 %q", echo(k.Value))
			en := fmt.Sprintf("unknown field %q", echo(k.Value))
			if hint != "" {
				ko += fmt.Sprintf(" (%q를 뜻했습니까?)", hint)
				en += fmt.Sprintf(" (did you mean %q?)", hint)
			} else {
				sorted := append([]string(nil), names...)
				sort.Strings(sorted)
				ko += "; 가능한 필드: " + strings.Join(sorted, ", ")
				en += "; known fields: " + strings.Join(sorted, ", ")
			}
			d.add(k, fpath, ko, en)
			continue
		}
		d.pos.at[fpath] = [2]int{k.Line, k.Column}
		d.decode(val, v.Field(idx), fpath)
	}
}

// echo is a value from the file as a message shows it: cut after custodian.MaxEcho
// characters, with its length.
func echo(s string) fmt.Formatter { return custodian.Clip(s, custodian.MaxEcho) }

// closest returns the name nearest to s by edit distance, if near enough to be a typo.
func closest(s string, names []string) string {
	if len(s) > 64 {
		return ""
	}
	best, bestD := "", 1<<30
	for _, n := range names {
		if dd := editDistance(s, n); dd < bestD {
			best, bestD = n, dd
		}
	}
	n := len([]rune(s))
	if bestD <= n/2 && (bestD <= 2 || (bestD <= 3 && n > 8)) {
		return best
	}
	return ""
}

func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			c := 1
			if ra[i-1] == rb[j-1] {
				c = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+c)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// Header is written at the top of every export.
const Header = `# Custodian 기관 등록 정보 (organisation registry)
# 형식: docs/REGISTRY.md — import: custodian import FILE
`

// Encode writes the registry as YAML, in the order and with the names Decode reads.
func Encode(r *custodian.Registry) ([]byte, error) {
	var b bytes.Buffer
	b.WriteString(Header)
	var root yamlv3.Node
	if err := root.Encode(r); err != nil {
		return nil, err
	}
	plainDates(&root)
	enc := yamlv3.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(&root); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

var dateRE = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}$`)

// plainDates writes dates (quoted because custodian.Date marshals to a string) as plain
// scalars, as a person would write them. Decode reads both.
func plainDates(n *yamlv3.Node) {
	if n.Kind == yamlv3.ScalarNode && n.Tag == "!!str" && dateRE.MatchString(n.Value) {
		n.Tag, n.Style = "!!timestamp", 0
	}
	for _, c := range n.Content {
		plainDates(c)
	}
}
