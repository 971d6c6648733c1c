package yaml_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"custodian"
	"custodian/yaml"
)

// base is a valid registry file. The cases below change one line of it, so the line numbers
// in the comments are the lines their problems must be reported on.
var base = strings.Join([]string{
	/* 1 */ "organisation:",
	/* 2 */ "  id: test-org",
	/* 3 */ "  name: 시험기관",
	/* 4 */ "  sector: public",
	/* 5 */ "sites:",
	/* 6 */ "  - id: hq",
	/* 7 */ "    name: 본청",
	/* 8 */ "    kind: head_office",
	/* 9 */ "    camera_groups:",
	/* 10 */ "      - id: hq-lobby",
	/* 11 */ "        count: 2",
	/* 12 */ "        locations: [1층 로비, 정문]",
	/* 13 */ "        field_of_view: [90]",
	/* 14 */ "        purposes: [facility]",
	/* 15 */ "        retention_class: standard",
	/* 16 */ "purposes:",
	/* 17 */ "  - id: facility",
	/* 18 */ "    name: 시설 안전",
	/* 19 */ "    basis: {kind: pipa_25_1, item: 3}",
	/* 20 */ "retention_classes:",
	/* 21 */ "  - id: standard",
	/* 22 */ "    name: 전체",
	/* 23 */ "    filming_hours: 24시간",
	/* 24 */ "    retention_days: 30",
	/* 25 */ "    storage_place: 전산실",
	/* 26 */ "people:",
	/* 27 */ "  - id: manager",
	/* 28 */ "    name: 홍길동",
	/* 29 */ "    role: manager",
	/* 30 */ "requests:",
	/* 31 */ "  deadline_days: 10",
	/* 32 */ "agreements:",
	/* 33 */ "  - id: police",
	/* 34 */ "    agency: 예시경찰서",
	/* 35 */ "    covers: 관내",
	/* 36 */ "    allows: [evidence]",
	/* 37 */ "    start: 2024-01-01",
	"",
}, "\n")

// withLine returns base with line n (1-based) replaced by text.
func withLine(n int, text string) string {
	lines := strings.Split(base, "\n")
	lines[n-1] = text
	return strings.Join(lines, "\n")
}

const file = "registry.yaml"

// loadProblems loads data and returns its problems; it fails the test unless Load returns a
// *custodian.ValidationError and no registry.
func loadProblems(t *testing.T, data string) []custodian.Problem {
	t.Helper()
	r, err := yaml.Load(file, []byte(data))
	if err == nil {
		t.Fatal("Load returned no error")
	}
	if r != nil {
		t.Errorf("Load returned a registry with an error")
	}
	var ve *custodian.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("Load returned %T (%v), want *custodian.ValidationError", err, err)
	}
	if len(ve.Problems) == 0 {
		t.Fatal("ValidationError without problems")
	}
	for _, p := range ve.Problems {
		if p.File != file {
			t.Errorf("problem %v: File = %q, want %q", p, p.File, file)
		}
		if p.Ko == "" || p.En == "" {
			t.Errorf("problem %v: empty message", p)
		}
	}
	return ve.Problems
}

func TestLoadBase(t *testing.T) {
	r, err := yaml.Load(file, []byte(base))
	if err != nil {
		t.Fatalf("the base file does not load: %v", err)
	}
	if r.Organisation.Name != "시험기관" || len(r.Sites) != 1 || r.Sites[0].CameraGroups[0].Count != 2 ||
		!reflect.DeepEqual(r.Sites[0].CameraGroups[0].Locations, []string{"1층 로비", "정문"}) ||
		!reflect.DeepEqual(r.Sites[0].CameraGroups[0].FieldOfView, []float64{90}) ||
		r.Purposes[0].Basis.Item != 3 || r.Agreements[0].Start != (custodian.Date{Year: 2024, Month: 1, Day: 1}) {
		t.Errorf("the base file loaded wrongly: %+v", r)
	}
}

func TestLoadBadInput(t *testing.T) {
	tests := []struct {
		name string
		data string
		line int
		path string
		en   string // a fragment of the English message
	}{
		{
			name: "syntax error",
			data: withLine(3, "  name: 시험: 기관"),
			line: 3,
			en:   "YAML syntax error: mapping values are not allowed",
		},
		{
			name: "tab-indented",
			data: withLine(2, "\tid: test-org"),
			line: 2,
			en:   "YAML syntax error",
		},
		{name: "unclosed list", data: withLine(12, "        locations: [1층 로비, 정문"), line: 12, en: "did not find expected ',' or ']'"},
		{name: "bad indentation", data: withLine(13, "       field_of_view: [90]"), line: 10, en: "check the indentation and brackets of the block that starts on this line"},
		{name: "tab after spaces", data: withLine(13, "      \t  field_of_view: [90]"), line: 13, en: "a tab character in the indentation"},
		{name: "only comments", data: "# 기관 등록 정보\n# 아직 비어 있음\n", line: 0, en: "only comments"},
		{name: "empty document", data: "---\n", line: 0, en: "the document is empty"},
		{name: "merge key", data: withLine(14, "        <<: {purposes: [facility]}"), line: 14, path: "sites[0].camera_groups[0].<<", en: "merge keys (<<) are not supported"},
		{name: "short unknown field gets no far-fetched suggestion", data: withLine(2, "  ab: test-org"), line: 2, path: "organisation.ab", en: "known fields:"},
		{name: "empty file", data: "", line: 0, en: "the file is empty"},
		{name: "only white space", data: "  \n\n\t\n", line: 0, en: "the file is empty"},
		{
			name: "two documents",
			data: base + "---\norganisation:\n  id: other\n",
			line: 38,
			en:   "more than one document",
		},
		{name: "top level is a list", data: "- organisation\n- sites\n", line: 1, en: "the top level must be a mapping"},
		{name: "top level is a string", data: "\n\n시험기관\n", line: 3, en: "the top level must be a mapping"},
		{
			name: "unknown field with a suggestion",
			data: withLine(9, "    camera_group:"),
			line: 9,
			path: "sites[0].camera_group",
			en:   `unknown field "camera_group" (did you mean "camera_groups"?)`,
		},
		{
			name: "unknown field without a suggestion",
			data: withLine(4, "  founded: 1999"),
			line: 4,
			path: "organisation.founded",
			en:   `unknown field "founded"; known fields: address, control_centre, homepage, id, name`,
		},
		{
			name: "count is a string",
			data: withLine(11, `        count: "many"`),
			line: 11,
			path: "sites[0].camera_groups[0].count",
			en:   `expected an integer, found the string "many"`,
		},
		{
			name: "count is a fraction",
			data: withLine(11, "        count: 1.5"),
			line: 11,
			path: "sites[0].camera_groups[0].count",
			en:   "expected an integer, found the number 1.5",
		},
		{
			name: "count is a list",
			data: withLine(11, "        count: [2]"),
			line: 11,
			path: "sites[0].camera_groups[0].count",
			en:   "expected an integer, found a list",
		},
		{
			name: "locations is a string",
			data: withLine(12, "        locations: 1층 로비"),
			line: 12,
			path: "sites[0].camera_groups[0].locations",
			en:   `expected a list, found the string "1층 로비"`,
		},
		{
			name: "name is a list",
			data: withLine(3, "  name: [a]"),
			line: 3,
			path: "organisation.name",
			en:   "expected a string, found a list",
		},
		{
			name: "field of view holds a string",
			data: withLine(13, `        field_of_view: ["x"]`),
			line: 13,
			path: "sites[0].camera_groups[0].field_of_view[0]",
			en:   `expected a number, found the string "x"`,
		},
		{
			name: "boolean as a string",
			data: withLine(31, `  no_selective_deletion: "yes"`),
			line: 31,
			path: "requests.no_selective_deletion",
			en:   `expected true or false, found the string "yes"`,
		},
		{
			name: "mapping is a string",
			data: withLine(19, "    basis: pipa_25_1"),
			line: 19,
			path: "purposes[0].basis",
			en:   `expected a mapping (key: value), found the string "pipa_25_1"`,
		},
		{
			name: "impossible date",
			data: withLine(37, "    start: 2024-13-01"),
			line: 37,
			path: "agreements[0].start",
			en:   `date "2024-13-01" must be YYYY-MM-DD`,
		},
		{
			name: "date with a time",
			data: withLine(37, "    start: 2024-01-01T09:00:00Z"),
			line: 37,
			path: "agreements[0].start",
			en:   "must be YYYY-MM-DD",
		},
		{
			name: "date is a list",
			data: withLine(37, "    start: [2024, 1, 1]"),
			line: 37,
			path: "agreements[0].start",
			en:   "expected a text value such as a date, found a list",
		},
		{
			name: "duplicate key",
			data: withLine(4, "  name: 다른 기관"),
			line: 4,
			path: "organisation.name",
			en:   `duplicate key "name" (first on line 3)`,
		},
		{
			name: "integer beyond int64",
			data: withLine(11, "        count: 18446744073709551615"),
			line: 11,
			path: "sites[0].camera_groups[0].count",
			en:   `cannot read the integer "18446744073709551615"`,
		},
		{
			name: "integer beyond uint64",
			data: withLine(11, "        count: 99999999999999999999"),
			line: 11,
			path: "sites[0].camera_groups[0].count",
			en:   "expected an integer, found the number 99999999999999999999",
		},
		// The registry's own rules: a problem gets the line of the field it names.
		{
			name: "forbidden location",
			data: withLine(12, "        locations: [1층 로비, 2층 남자화장실]"),
			line: 12,
			path: "sites[0].camera_groups[0].locations[1]",
			en:   `"2층 남자화장실": no camera may see inside a toilet`,
		},
		{
			name: "deadline over 10 days",
			data: withLine(31, "  deadline_days: 11"),
			line: 31,
			path: "requests.deadline_days",
			en:   "within 10 days",
		},
		{
			name: "unknown purpose",
			data: withLine(14, "        purposes: [facility, safety]"),
			line: 14,
			path: "sites[0].camera_groups[0].purposes[1]",
			en:   `no purpose with ID "safety" [facility]`,
		},
		{
			// The problem names retention_reason, which the file lacks: it gets the line of
			// the nearest enclosing field, the class itself.
			name: "retention over 30 days without a reason",
			data: withLine(24, "    retention_days: 45"),
			line: 21,
			path: "retention_classes[0].retention_reason",
			en:   "exceeds 30 days and needs a stated reason",
		},
		{
			name: "no responsible manager",
			data: withLine(29, "    role: access_holder"),
			line: 26,
			path: "people",
			en:   "responsible manager",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps := loadProblems(t, tt.data)
			if len(ps) != 1 {
				t.Errorf("%d problems, want 1: %v", len(ps), &custodian.ValidationError{Problems: ps})
			}
			p := ps[0]
			if p.Line != tt.line {
				t.Errorf("Line = %d, want %d (%v)", p.Line, tt.line, p)
			}
			if p.Path != tt.path {
				t.Errorf("Path = %q, want %q (%v)", p.Path, tt.path, p)
			}
			if !strings.Contains(p.En, tt.en) {
				t.Errorf("En = %q, want it to contain %q", p.En, tt.en)
			}
			if p.Line > 0 && p.Column < 1 && !strings.Contains(p.En, "syntax") {
				t.Errorf("Column = %d, want a column with the line", p.Column)
			}
			if s := p.String(); !strings.HasPrefix(s, file+":") || !strings.Contains(s, p.Ko) || !strings.Contains(s, "("+p.En+")") {
				t.Errorf("String() = %q, want file:line:col: path: 한국어 (English)", s)
			}
		})
	}
}

// Every problem of a file is reported, each with its own line and column.
func TestLoadReportsEveryProblem(t *testing.T) {
	data := strings.Replace(base, "        count: 2", `        count: "two"`, 1)
	data = strings.Replace(data, "    filming_hours: 24시간", "    filming_hour: 24시간", 1)
	ps := loadProblems(t, data)
	want := []struct {
		line, col int
		path      string
	}{
		{11, 16, "sites[0].camera_groups[0].count"},
		{23, 5, "retention_classes[0].filming_hour"},
	}
	if len(ps) != len(want) {
		t.Fatalf("%d problems, want %d: %v", len(ps), len(want), &custodian.ValidationError{Problems: ps})
	}
	for i, w := range want {
		if ps[i].Line != w.line || ps[i].Column != w.col || ps[i].Path != w.path {
			t.Errorf("problem %d = %d:%d %s, want %d:%d %s", i, ps[i].Line, ps[i].Column, ps[i].Path, w.line, w.col, w.path)
		}
	}
	// The message the CLI prints names the file, line and column of each.
	msg := (&custodian.ValidationError{Problems: ps}).Error()
	for _, s := range []string{"registry.yaml:11:16: sites[0].camera_groups[0].count: ", "registry.yaml:23:5: retention_classes[0].filming_hour: "} {
		if !strings.Contains(msg, s) {
			t.Errorf("the message lacks %q:\n%s", s, msg)
		}
	}
}

// Validation problems of a file loaded without decode problems are all annotated.
func TestLoadAnnotatesEveryValidationProblem(t *testing.T) {
	data := withLine(12, "        locations: [탈의실, 정문]")
	data = strings.Replace(data, "  deadline_days: 10", "  deadline_days: 30", 1)
	ps := loadProblems(t, data)
	got := map[string]int{}
	for _, p := range ps {
		got[p.Path] = p.Line
	}
	want := map[string]int{"sites[0].camera_groups[0].locations[0]": 12, "requests.deadline_days": 31}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("problems at %v, want %v", got, want)
	}
}

// A "billion laughs" file, whose aliases would expand to a billion locations, is refused
// at once.
func TestLoadAliasBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString("organisation: {id: bomb, name: &x lol, sector: public}\n")     // 1
	b.WriteString("sites:\n")                                                     // 2
	b.WriteString("  - &s\n")                                                     // 3
	b.WriteString("    id: s\n")                                                  // 4
	b.WriteString("    name: s\n")                                                // 5
	b.WriteString("    kind: area\n")                                             // 6
	b.WriteString("    camera_groups:\n")                                         // 7
	b.WriteString("      - &g\n")                                                 // 8
	b.WriteString("        id: g\n")                                              // 9
	b.WriteString("        count: 1\n")                                           // 10
	b.WriteString("        locations: [*x" + strings.Repeat(", *x", 999) + "]\n") // 11
	b.WriteString("        purposes: [p]\n")                                      // 12
	b.WriteString("        retention_class: r\n")                                 // 13
	for range 999 {
		b.WriteString("      - *g\n")
	}
	for range 999 {
		b.WriteString("  - *s\n")
	}
	data := b.String()
	if len(data) > 64<<10 {
		t.Fatalf("the bomb is %d bytes; it should be small", len(data))
	}
	start := time.Now()
	ps := loadProblems(t, data)
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Load took %v", d)
	}
	var p *custodian.Problem
	for i := range ps {
		if strings.Contains(ps[i].En, "too many aliases") {
			p = &ps[i]
		}
	}
	if p == nil {
		t.Fatalf("no alias problem in %v", &custodian.ValidationError{Problems: ps})
	}
	if len(ps) != 1 {
		t.Errorf("%d problems, want only the alias one", len(ps))
	}
	// The alias that goes over the limit is one of the *x on line 11, inside the first site.
	if p.Line != 11 || !strings.HasPrefix(p.Path, "sites[0].camera_groups[") || !strings.Contains(p.Path, "].locations[") {
		t.Errorf("alias problem at line %d, path %q; want line 11, sites[0].camera_groups[n].locations[m]", p.Line, p.Path)
	}
}

// A few aliases are fine: a file may share a list of locations.
func TestLoadAliases(t *testing.T) {
	data := withLine(12, "        locations: &locs [1층 로비, 정문]") + "  - id: fire\n    agency: 소방서\n    covers: 관내\n    allows: *allows\n"
	data = strings.Replace(data, "    allows: [evidence]", "    allows: &allows [evidence]", 1)
	r, err := yaml.Load(file, []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(r.Agreements[1].Allows, []string{"evidence"}) {
		t.Errorf("alias not expanded: %+v", r.Agreements[1])
	}
}

func TestLoadTooLarge(t *testing.T) {
	data := bytes.Repeat([]byte("#"), yaml.MaxFileSize+1)
	r, err := yaml.Load(file, data)
	if r != nil || err == nil {
		t.Fatal("a file over MaxFileSize loaded")
	}
	var ve *custodian.ValidationError
	if !errors.As(err, &ve) || len(ve.Problems) != 1 {
		t.Fatalf("err = %v, want one problem", err)
	}
	p := ve.Problems[0]
	if p.File != file || p.Line != 0 || !strings.Contains(p.En, "the file is too large") || !strings.Contains(p.En, fmt.Sprint(yaml.MaxFileSize)) {
		t.Errorf("problem = %+v", p)
	}
}

// Every example loads, and writing it out and reading it back gives the same registry;
// writing that again gives the same bytes.
func TestRoundTripExamples(t *testing.T) {
	files, err := filepath.Glob("../examples/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < 5 {
		t.Fatalf("found %d examples, want at least 5: %q", len(files), files)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			r1, err := yaml.Load(f, data)
			if err != nil {
				t.Fatalf("load: %v", err)
			}
			out1, err := yaml.Encode(r1)
			if err != nil {
				t.Fatalf("encode: %v", err)
			}
			if !bytes.HasPrefix(out1, []byte(yaml.Header)) {
				t.Errorf("the export does not start with the header")
			}
			r2, err := yaml.Load("export.yaml", out1)
			if err != nil {
				t.Fatalf("load the export: %v\n%s", err, out1)
			}
			if !reflect.DeepEqual(r1, r2) {
				t.Errorf("the export loads as a different registry:\nfirst  %+v\nsecond %+v", r1, r2)
			}
			out2, err := yaml.Encode(r2)
			if err != nil {
				t.Fatalf("encode again: %v", err)
			}
			if !bytes.Equal(out1, out2) {
				t.Errorf("encoding is not stable:\n%s\n---\n%s", out1, out2)
			}
		})
	}
}

// The complete example in docs/REGISTRY.md is examples/minimal.yaml, and it loads.
func TestRegistryDocExample(t *testing.T) {
	doc, err := os.ReadFile("../docs/REGISTRY.md")
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(doc), "## A complete small example")
	if !ok {
		t.Fatal("docs/REGISTRY.md has no section \"A complete small example\"")
	}
	_, after, ok = strings.Cut(after, "```yaml\n")
	if !ok {
		t.Fatal("the section has no yaml block")
	}
	block, _, ok := strings.Cut(after, "```\n")
	if !ok {
		t.Fatal("the yaml block is not closed")
	}
	file, err := os.ReadFile("../examples/minimal.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if block != string(file) {
		t.Errorf("the example in docs/REGISTRY.md differs from examples/minimal.yaml")
	}
	if _, err := yaml.Load("docs/REGISTRY.md", []byte(block)); err != nil {
		t.Errorf("the example in docs/REGISTRY.md does not load: %v", err)
	}
}

// A file cut inside its last plain value still parses, to a shorter value; LoadFile refuses
// a file that does not end with a line break, at the end of its last line.
func TestLoadFileRefusesCutFile(t *testing.T) {
	whole := base + "checking:\n  method: 방문하여 신분을 확인한 뒤 열람\n"
	r, err := yaml.LoadFile(file, []byte(whole))
	if err != nil || r.Checking.Method != "방문하여 신분을 확인한 뒤 열람" {
		t.Fatalf("whole file: %v", err)
	}
	cut := whole[:strings.Index(whole, "신분을")+len("신분")]
	// What makes the cut file valid: YAML reads the cut plain scalar as a whole value.
	if r, err := yaml.Load(file, []byte(cut)); err != nil || r.Checking.Method != "방문하여 신분" {
		t.Fatalf("Load of the cut file: %v (the premise of this test changed)", err)
	}
	_, err = yaml.LoadFile(file, []byte(cut))
	var ve *custodian.ValidationError
	if !errors.As(err, &ve) || len(ve.Problems) != 1 {
		t.Fatalf("LoadFile of a cut file: %v", err)
	}
	p := ve.Problems[0]
	if p.File != file || p.Line != 39 || p.Column != len([]rune("  method: 방문하여 신분"))+1 || !strings.Contains(p.En, "cut off") || !strings.Contains(p.En, "방문하여 신분") {
		t.Errorf("problem %s (line %d col %d)", p, p.Line, p.Column)
	}
	// A file with Windows line ends is whole too.
	if _, err := yaml.LoadFile(file, []byte(strings.ReplaceAll(whole, "\n", "\r\n"))); err != nil {
		t.Errorf("CRLF file: %v", err)
	}
}

// Values and keys from the file are echoed cut, with their length, and at most
// custodian.MaxProblems problems are listed.
func TestLoadEchoesLittle(t *testing.T) {
	huge := strings.Repeat("x", 10<<20)
	for name, data := range map[string]string{
		"huge value where a number belongs": withLine(11, "        count: "+huge),
		"huge unknown key":                  withLine(11, "        "+huge+": 2"),
		"huge value of the wrong type":      withLine(11, "        count: ["+huge+"]"),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := yaml.Load(file, []byte(data))
			if err == nil {
				t.Fatal("accepted")
			}
			if msg := err.Error(); len(msg) > 3000 {
				t.Errorf("message of %d bytes: %.200s", len(msg), msg)
			}
		})
	}
	var many strings.Builder
	many.WriteString(base)
	for i := range 200 {
		fmt.Fprintf(&many, "unknown_%d: 1\n", i)
	}
	_, err := yaml.Load(file, []byte(many.String()))
	var ve *custodian.ValidationError
	if !errors.As(err, &ve) || ve.Count() != 200 || len(ve.Problems) != custodian.MaxProblems+1 {
		t.Fatalf("200 unknown fields: %v", err)
	}
}
