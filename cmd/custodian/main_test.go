package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"custodian"
	"custodian/sqlite"
	"custodian/yaml"
)

// cli runs custodian in process against one data directory.
type cli struct {
	t    *testing.T
	data string
	now  time.Time
}

func newCLI(t *testing.T) *cli {
	return &cli{t: t, data: filepath.Join(t.TempDir(), "data"), now: time.Date(2026, 11, 22, 10, 0, 0, 0, custodian.KST)}
}

func (c *cli) run(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	a := &app{stdout: &out, stderr: &errb, stdin: strings.NewReader(""), now: func() time.Time { return c.now },
		getenv: func(k string) string {
			if k == "CUSTODIAN_DATA" {
				return c.data
			}
			return ""
		}}
	code = a.run(context.Background(), args)
	return code, out.String(), errb.String()
}

func (c *cli) ok(args ...string) string {
	c.t.Helper()
	code, out, errs := c.run(args...)
	if code != 0 {
		c.t.Fatalf("custodian %s: exit %d\n%s%s", strings.Join(args, " "), code, out, errs)
	}
	return out
}

const example003 = "../../examples/003-moel-customer-centre.yaml"

func revisions(t *testing.T, data string) int {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(data, "custodian.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM registry_revisions`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestInitImportExportRoundTrip(t *testing.T) {
	c := newCLI(t)
	out := c.ok("init")
	if !strings.Contains(out, "master.key") {
		t.Fatalf("init output: %s", out)
	}
	if code, _, errs := c.run("init"); code != 1 || !strings.Contains(errs, "덮어쓰지 않습니다") {
		t.Fatalf("second init: %d %s", code, errs)
	}
	if out := c.ok("import", example003); !strings.Contains(out, "개정판 1") || !strings.Contains(out, "16대") {
		t.Fatalf("import output: %s", out)
	}
	if out := c.ok("import", example003); !strings.Contains(out, "변경 사항이 없습니다") {
		t.Fatalf("re-import output: %s", out)
	}
	exported := c.ok("export")
	orig, _ := os.ReadFile(example003)
	want, err := yaml.Load("orig", orig)
	if err != nil {
		t.Fatal(err)
	}
	got, err := yaml.Load("export", []byte(exported))
	if err != nil {
		t.Fatalf("the export does not load: %v", err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatal("export of an import is not the same organisation")
	}
	// -o writes a file that is the same as standard output.
	file := filepath.Join(t.TempDir(), "out.yaml")
	c.ok("export", "-o", file)
	if b, _ := os.ReadFile(file); string(b) != exported {
		t.Fatal("export -o differs from export to stdout")
	}
}

func TestListsAsJSON(t *testing.T) {
	c := newCLI(t)
	c.ok("init")
	c.ok("import", example003)
	var sites []map[string]any
	if err := json.Unmarshal([]byte(c.ok("sites", "list", "--json")), &sites); err != nil {
		t.Fatal(err)
	}
	if len(sites) != 6 || sites[0]["id"] != "ulsan" || sites[0]["cameras_total"] != float64(9) {
		t.Fatalf("sites: %v", sites)
	}
	var groups []map[string]any
	if err := json.Unmarshal([]byte(c.ok("cameras", "list", "--site", "cheonan-2", "--json")), &groups); err != nil {
		t.Fatal(err)
	}
	if len(groups) != 4 || groups[0]["id"] != "cheonan2-4f-lounge-entrance" {
		t.Fatalf("groups: %v", groups)
	}
	for _, g := range groups {
		if g["id"] == nil || g["id"] == "" {
			t.Fatal("a camera group without id")
		}
	}
	text := c.ok("cameras", "list")
	if !strings.Contains(text, "ulsan-parking") || !strings.Contains(text, "총 16대") {
		t.Fatalf("cameras list: %s", text)
	}
	if code, _, errs := c.run("cameras", "list", "--site", "nowhere"); code != 1 || !strings.Contains(errs, "nowhere") {
		t.Fatalf("unknown site: %d %s", code, errs)
	}
	var people []map[string]any
	if err := json.Unmarshal([]byte(c.ok("people", "list", "--json")), &people); err != nil || len(people) != 3 || people[0]["id"] != "jung-jaewook" {
		t.Fatalf("people: %v %v", people, err)
	}
}

// TestBadImportsChangeNothing feeds malformed YAML, wrong types, unknown fields, duplicate
// IDs and each rule of the law, and checks the message (file, line, field, text) and that
// the database is unchanged.
func TestBadImportsChangeNothing(t *testing.T) {
	c := newCLI(t)
	c.ok("init")
	c.ok("import", example003)
	before := c.ok("export")
	revs := revisions(t, c.data)
	origBytes, _ := os.ReadFile(example003)
	orig := string(origBytes)
	dir := t.TempDir()
	cases := []struct {
		name, old, new string
		field, msg     string
		at             string // the text on the line the message must name
		nth            int    // which occurrence of at (0 = first)
	}{
		{"malformed", "organisation:\n", "organisation: [\n", "", "YAML syntax error", "", 0},
		{"wrong type", "count: 2\n", "count: many\n", "sites[0].camera_groups[0].count", "expected an integer", "count: many", 0},
		{"list expected", "locations: [2층 로비 천정]", "locations: 2층 로비 천정", "sites[0].camera_groups[1].locations", "expected a list", "locations: 2층 로비 천정", 0},
		{"unknown field", "    stated_total: 9\n", "    stated_total: 9\n    colour: red\n", "sites[0].colour", "unknown field", "colour: red", 0},
		{"typo field", "    signboard: 8층 출입구\n", "    signbord: 8층 출입구\n", "sites[2].signbord", `did you mean "signboard"`, "signbord:", 0},
		{"duplicate id", "id: ulsan-lobby-2f", "id: ulsan-lobby-1f", "sites[0].camera_groups[1].id", "duplicate ID", "id: ulsan-lobby-1f", 1},
		{"duplicate key", "    stated_total: 9\n", "    stated_total: 9\n    stated_total: 9\n", "sites[0].stated_total", "duplicate key", "stated_total: 9", 1},
		{"toilet", "[2층 로비 천정]", "[2층 남자 화장실]", "sites[0].camera_groups[1].locations[0]", "Art. 25(2)", "[2층 남자 화장실]", 0},
		{"changing room", "range: 3층 로비 24시간 촬영", "range: 3층 탈의실 24시간 촬영", "sites[0].camera_groups[2].range", "changing room", "3층 탈의실", 0},
		{"over 30 days", "retention_days: 30\n    retention_label: 촬영일로부터 30일\n    storage_place: 당직실", "retention_days: 45\n    retention_label: 촬영일로부터 45일\n    storage_place: 당직실", "retention_classes[0].retention_reason", "exceeds 30 days", "  - id: ulsan\n    name: 울산센터", 1},
		{"no purpose", "        purposes: [facility]\n        retention_class: ulsan\n      - id: ulsan-lobby-2f", "        purposes: []\n        retention_class: ulsan\n      - id: ulsan-lobby-2f", "sites[0].camera_groups[0].purposes", "at least one purpose", "purposes: []", 0},
		{"no retention class", "        retention_class: ulsan\n      - id: ulsan-lobby-2f", "      - id: ulsan-lobby-2f", "sites[0].camera_groups[0].retention_class", "needs a retention class", "      - id: ulsan-lobby-1f", 0},
		{"dangling retention class", "        retention_class: cheonan\n      - id: cheonan1-8f-entrance-in", "        retention_class: cheonan-x\n      - id: cheonan1-8f-entrance-in", "sites[2].camera_groups[0].retention_class", `no retention class with ID "cheonan-x"`, "retention_class: cheonan-x", 0},
		{"stated total", "stated_total: 9", "stated_total: 10", "sites[0].stated_total", "differs from the sum", "stated_total: 10", 0},
		{"no cameras without reason", "    no_cameras_reason: 영상정보처리기기 미설치\n  - id: gwangju", "  - id: gwangju", "sites[4].no_cameras_reason", "must say why", "  - id: anyang", 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if !strings.Contains(orig, tc.old) {
				t.Fatalf("the example has no %q", tc.old)
			}
			bad := strings.Replace(orig, tc.old, tc.new, 1)
			file := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-")+".yaml")
			os.WriteFile(file, []byte(bad), 0o644)
			code, _, errs := c.run("import", file)
			if code != 1 {
				t.Fatalf("exit %d, want 1\n%s", code, errs)
			}
			if !strings.Contains(errs, tc.msg) || !strings.Contains(errs, file+":") {
				t.Fatalf("message lacks %q or the file name:\n%s", tc.msg, errs)
			}
			if tc.field != "" && !strings.Contains(errs, tc.field) {
				t.Fatalf("message lacks the field %q:\n%s", tc.field, errs)
			}
			if tc.at != "" {
				// The line of the tc.nth occurrence of tc.at (or of its mapping, for a
				// field that is missing).
				line, from := 0, 0
				for k := 0; k <= tc.nth; k++ {
					i := strings.Index(bad[from:], tc.at)
					if i < 0 {
						t.Fatalf("no %q in the file", tc.at)
					}
					line = strings.Count(bad[:from+i], "\n") + 1
					from += i + len(tc.at)
				}
				if !strings.Contains(errs, fmt.Sprintf("%s:%d:", file, line)) {
					t.Fatalf("message lacks line %d:\n%s", line, errs)
				}
			}
			// Korean first, English beside it.
			if !strings.Contains(errs, "아무것도 바꾸지 않았습니다") {
				t.Fatalf("no Korean summary:\n%s", errs)
			}
			if after := c.ok("export"); after != before {
				t.Fatal("the registry changed after a refused import")
			}
			if n := revisions(t, c.data); n != revs {
				t.Fatalf("revisions: %d, want %d", n, revs)
			}
		})
	}
}

func TestPolicyPublishHistoryRenderDiff(t *testing.T) {
	c := newCLI(t)
	c.ok("init")
	c.ok("import", example003)
	if code, _, errs := c.run("policy", "publish", "--announce", "2026-11-22", "--effective", "2026-11-28"); code != 1 || !strings.Contains(errs, "2026-11-29") {
		t.Fatalf("short notice: %d %s", code, errs)
	}
	if code, _, errs := c.run("policy", "publish", "--announce", "2026-11-22"); code != 2 || !strings.Contains(errs, "--effective") {
		t.Fatalf("missing --effective: %d %s", code, errs)
	}
	if code, _, errs := c.run("policy", "publish", "--announce", "22/11/2026", "--effective", "2026-12-01"); code != 2 || !strings.Contains(errs, "YYYY-MM-DD") {
		t.Fatalf("bad date: %d %s", code, errs)
	}
	out := c.ok("policy", "publish", "--announce", "2026-11-01", "--effective", "2026-11-08", "--reason", "제정", "--by", "정재욱")
	if !strings.Contains(out, "제1판") {
		t.Fatalf("publish: %s", out)
	}
	v1 := c.ok("policy", "render", "--version", "1")
	if !strings.Contains(v1, "제1판 · 공고일 2026년 11월 1일 · 시행일 2026년 11월 8일") {
		t.Fatalf("v1:\n%s", v1)
	}
	// Edit the registry, publish a second version; version 1 stays as it was.
	orig, _ := os.ReadFile(example003)
	edited := strings.Replace(string(orig), "stated_total: 9", "stated_total: 10", 1)
	edited = strings.Replace(edited, "      - id: ulsan-lobby-1f\n        count: 2", "      - id: ulsan-lobby-1f\n        count: 3", 1)
	file := filepath.Join(t.TempDir(), "edited.yaml")
	os.WriteFile(file, []byte(edited), 0o644)
	c.ok("import", file)
	if again := c.ok("policy", "render", "--version", "1"); again != v1 {
		t.Fatal("version 1 changed after the registry was edited")
	}
	c.ok("policy", "publish", "--announce", "today", "--effective", "2026-11-29", "--reason", "로비 카메라 1대 추가")
	hist := c.ok("policy", "history")
	if !strings.Contains(hist, "시행 중") || !strings.Contains(hist, "시행 예정") || !strings.Contains(hist, "로비 카메라 1대 추가") {
		t.Fatalf("history:\n%s", hist)
	}
	cur := c.ok("policy", "render", "--version", "current")
	if cur != v1 {
		t.Fatal("the current version on 2026-11-22 should be version 1")
	}
	diff := c.ok("policy", "diff", "1", "2")
	if !strings.Contains(diff, "-| 울산센터 | 2대 | 1층 로비 천정 |") || !strings.Contains(diff, "+| 울산센터 | 3대 | 1층 로비 천정 |") {
		t.Fatalf("diff:\n%s", diff)
	}
	if out := c.ok("policy", "diff", "2", "draft"); !strings.Contains(out, "차이가 없습니다") && !strings.Contains(out, "초안") {
		t.Fatalf("diff 2 draft: %s", out)
	}
	html := c.ok("policy", "render", "--format", "html", "--version", "2")
	if !strings.Contains(html, "<table>") || !strings.Contains(html, "정재욱") {
		t.Fatal("html rendering lacks content")
	}
	pdfFile := filepath.Join(t.TempDir(), "policy.pdf")
	c.ok("policy", "render", "--format", "pdf", "--version", "latest", "-o", pdfFile)
	if b, _ := os.ReadFile(pdfFile); !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Fatal("not a PDF")
	}
	if code, _, errs := c.run("policy", "render", "--format", "docx"); code != 2 || !strings.Contains(errs, "--format") {
		t.Fatalf("bad format: %d %s", code, errs)
	}
	if code, _, errs := c.run("policy", "render", "--version", "9"); code != 1 || !strings.Contains(errs, "9") {
		t.Fatalf("missing version: %d %s", code, errs)
	}
}

func TestSignage(t *testing.T) {
	c := newCLI(t)
	c.ok("init")
	c.ok("import", example003)
	svg := c.ok("signage", "--site", "ulsan", "--format", "svg")
	if !strings.HasPrefix(strings.TrimSpace(svg), "<") || !strings.Contains(svg, "052-702-5100") {
		t.Fatalf("svg: %.300s", svg)
	}
	file := filepath.Join(t.TempDir(), "sign.pdf")
	c.ok("signage", "--site", "ulsan", "-o", file)
	if b, _ := os.ReadFile(file); !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Fatal("not a PDF")
	}
	if code, _, errs := c.run("signage", "--site", "anyang"); code != 1 || !strings.Contains(errs, "anyang") && !strings.Contains(errs, "안양") {
		t.Fatalf("site without cameras: %d %s", code, errs)
	}
	if code, _, _ := c.run("signage"); code != 2 {
		t.Fatalf("missing --site: %d", code)
	}
}

func TestUsageErrors(t *testing.T) {
	c := newCLI(t)
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{nil, 2, "usage"},
		{[]string{"frobnicate"}, 2, "unknown command"},
		{[]string{"policy"}, 2, "render"},
		{[]string{"import"}, 2, "wrong number of arguments"},
		{[]string{"import", "a.yaml", "b.yaml"}, 2, "wrong number of arguments"},
		{[]string{"import", "--nope", "a.yaml"}, 2, "nope"},
		{[]string{"--lang", "fr", "version"}, 2, "ko or en"},
		{[]string{"sites", "list"}, 1, "custodian init"},
		{[]string{"import", "/nonexistent.yaml"}, 1, "/nonexistent.yaml"},
	} {
		code, out, errs := c.run(tc.args...)
		if code != tc.code || !strings.Contains(out+errs, tc.msg) {
			t.Errorf("custodian %v: exit %d (want %d), output lacks %q:\n%s%s", tc.args, code, tc.code, tc.msg, out, errs)
		}
	}
	if out := c.ok("help"); !strings.Contains(out, "policy publish") {
		t.Fatal("help lists no commands")
	}
	if out := c.ok("import", "--help"); !strings.Contains(out, "dry-run") {
		t.Fatalf("import --help: %s", out)
	}
}

func TestEnglishMessages(t *testing.T) {
	c := newCLI(t)
	c.ok("init")
	code, _, errs := c.run("--lang", "en", "signage", "--site", "x")
	if code != 1 || strings.ContainsAny(errs, "가나다라마바사아자차카타파하") && !strings.Contains(errs, "no registry") {
		t.Fatalf("English error: %d %s", code, errs)
	}
	out := c.ok("--lang", "en", "import", example003)
	if !strings.Contains(out, "imported (revision 1)") {
		t.Fatalf("English import: %s", out)
	}
}

func TestFlagsAfterArguments(t *testing.T) {
	c := newCLI(t)
	c.ok("init")
	c.ok("import", example003, "--dry-run")
	if code, _, errs := c.run("export"); code != 1 || !strings.Contains(errs, "import") {
		t.Fatalf("a dry run stored the registry: %d %s", code, errs)
	}
	c.ok("import", "--data", c.data, example003)
}
