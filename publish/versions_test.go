package publish_test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"custodian"
	"custodian/publish"
	"custodian/sqlite"
	"custodian/yaml"
)

func loadExample(t *testing.T, name string) *custodian.Registry {
	t.Helper()
	path := filepath.Join("..", "examples", name)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r, err := yaml.Load(path, data)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func newStore(t *testing.T, r *custodian.Registry) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.SaveRegistry(context.Background(), r, "test"); err != nil {
		t.Fatal(err)
	}
	return db
}

func date(s string) custodian.Date {
	d, err := custodian.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func TestPublishNoticePeriod(t *testing.T) {
	ctx := context.Background()
	db := newStore(t, loadExample(t, "003-moel-customer-centre.yaml"))
	_, err := publish.PublishPolicy(ctx, db, db, publish.PublishRequest{Announced: date("2026-03-01"), Effective: date("2026-03-07")})
	if custodian.ErrorCode(err) != custodian.EINVALID || !strings.Contains(err.Error(), "2026-03-08") {
		t.Fatalf("6 days of notice: %v", err)
	}
	if vs, _ := db.PolicyVersions(ctx); len(vs) != 0 {
		t.Fatal("a refused version was stored")
	}
	v, err := publish.PublishPolicy(ctx, db, db, publish.PublishRequest{Announced: date("2026-03-01"), Effective: date("2026-03-08"), Reason: "개정", By: "tester"})
	if err != nil {
		t.Fatal(err)
	}
	if v.Number != 1 || !strings.Contains(v.Markdown, "제1판 · 공고일 2026년 3월 1일 · 시행일 2026년 3월 8일") {
		t.Fatalf("version 1: %d\n%s", v.Number, v.Markdown)
	}
	// The next version must take effect later than this one.
	_, err = publish.PublishPolicy(ctx, db, db, publish.PublishRequest{Announced: date("2026-03-01"), Effective: date("2026-03-08")})
	if custodian.ErrorCode(err) != custodian.EINVALID {
		t.Fatalf("same effective date: %v", err)
	}
}

func TestPublishOrganisationNoticePeriod(t *testing.T) {
	ctx := context.Background()
	r := loadExample(t, "003-moel-customer-centre.yaml")
	r.Policy.NoticePeriodDays = 14
	db := newStore(t, r)
	if _, err := publish.PublishPolicy(ctx, db, db, publish.PublishRequest{Announced: date("2026-03-01"), Effective: date("2026-03-14")}); custodian.ErrorCode(err) != custodian.EINVALID {
		t.Fatalf("13 days with a 14-day notice period: %v", err)
	}
	if _, err := publish.PublishPolicy(ctx, db, db, publish.PublishRequest{Announced: date("2026-03-01"), Effective: date("2026-03-15")}); err != nil {
		t.Fatal(err)
	}
}

func TestEditingTheRegistryNeverChangesAPublishedVersion(t *testing.T) {
	ctx := context.Background()
	r := loadExample(t, "001-guro-shinhyup.yaml")
	db := newStore(t, r)
	v1, err := publish.PublishPolicy(ctx, db, db, publish.PublishRequest{Announced: date("2026-01-01"), Effective: date("2026-01-08"), Reason: "최초"})
	if err != nil {
		t.Fatal(err)
	}
	// Edit the registry: a branch gets two more cameras.
	r.Sites[2].CameraGroups[2].Count += 2
	r.Sites[2].StatedTotal += 2
	if _, err := db.SaveRegistry(ctx, r, "edited"); err != nil {
		t.Fatal(err)
	}
	md1, err := publish.VersionMarkdown(ctx, db, db, 1)
	if err != nil {
		t.Fatal(err)
	}
	if md1 != v1.Markdown {
		t.Fatal("version 1's text changed after the registry was edited")
	}
	// Re-rendering version 1 from its snapshot gives the same text.
	doc, _, err := publish.VersionDocument(ctx, db, db, 1)
	if err != nil {
		t.Fatal(err)
	}
	if publish.Markdown(doc) != v1.Markdown {
		t.Fatal("rendering version 1 from its snapshot differs from its stored text")
	}
	if !strings.Contains(md1, "| 천왕역지점 | 16대 | 1층 객장 |") {
		t.Fatal("version 1 lost its own camera count")
	}
	d, err := publish.Diff(ctx, db, db, 1, publish.Draft)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(d, "-| 천왕역지점 | 16대 | 1층 객장 |") || !strings.Contains(d, "+| 천왕역지점 | 18대 | 1층 객장 |") {
		t.Fatalf("diff does not show the change:\n%s", d)
	}
	v2, err := publish.PublishPolicy(ctx, db, db, publish.PublishRequest{Announced: date("2026-02-01"), Effective: date("2026-02-08"), Reason: "카메라 2대 추가"})
	if err != nil {
		t.Fatal(err)
	}
	// Version 2's history lists version 1 and itself; version 1's lists only itself.
	if !strings.Contains(v2.Markdown, "최초") || !strings.Contains(v2.Markdown, "카메라 2대 추가") {
		t.Fatal("version 2's history is incomplete")
	}
	if strings.Contains(md1, "카메라 2대 추가") {
		t.Fatal("version 1 mentions a later version")
	}
}

func TestResolveVersion(t *testing.T) {
	ctx := context.Background()
	db := newStore(t, loadExample(t, "003-moel-customer-centre.yaml"))
	if _, err := publish.ResolveVersion(ctx, db, "current", date("2026-01-01")); custodian.ErrorCode(err) != custodian.ENOTFOUND {
		t.Fatalf("current with none published: %v", err)
	}
	for _, p := range [][2]string{{"2026-01-01", "2026-01-08"}, {"2026-02-01", "2026-02-08"}} {
		if _, err := publish.PublishPolicy(ctx, db, db, publish.PublishRequest{Announced: date(p[0]), Effective: date(p[1])}); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		name, today string
		want        int
		code        string
	}{
		{"draft", "2026-01-01", publish.Draft, ""},
		{"latest", "2026-01-01", 2, ""},
		{"current", "2026-01-07", 0, custodian.ENOTFOUND},
		{"current", "2026-01-08", 1, ""},
		{"current", "2026-02-07", 1, ""},
		{"current", "2026-02-08", 2, ""},
		{"2", "2026-01-01", 2, ""},
		{"0", "2026-01-01", 0, custodian.EINVALID},
		{"two", "2026-01-01", 0, custodian.EINVALID},
	} {
		got, err := publish.ResolveVersion(ctx, db, c.name, date(c.today))
		if custodian.ErrorCode(err) != c.code || (c.code == "" && got != c.want) {
			t.Errorf("%s on %s: got %d, %v; want %d, %q", c.name, c.today, got, err, c.want, c.code)
		}
	}
}

var tableRow = regexp.MustCompile(`^\|.*\|$`)

// TestMarkdownTableRowsAreOneLine checks, for every example, that every table row is one
// line with as many cells as its header, and that the eight items required by the decree
// come first, in order.
func TestMarkdownTableRowsAreOneLine(t *testing.T) {
	items := []string{"설치 근거 및 설치 목적", "설치 대수, 설치 위치 및 촬영 범위", "관리책임자 및 접근권한자", "촬영시간, 보관기간, 보관장소 및 처리방법", "확인 방법 및 장소", "열람 등 요구에 대한 조치", "안전성 확보조치", "그 밖에"}
	files, _ := filepath.Glob(filepath.Join("..", "examples", "*.yaml"))
	if len(files) < 3 {
		t.Fatalf("found %d examples", len(files))
	}
	for _, f := range files {
		r := loadExample(t, filepath.Base(f))
		md := publish.Markdown(publish.Policy(r, publish.PolicyOptions{}))
		lines := strings.Split(md, "\n")
		cols := -1
		var headings []string
		for i, l := range lines {
			if strings.HasPrefix(l, "## ") {
				headings = append(headings, l)
			}
			if !strings.HasPrefix(l, "|") {
				cols = -1
				continue
			}
			if !tableRow.MatchString(l) {
				t.Fatalf("%s:%d: a table row that is not one line: %q", f, i+1, l)
			}
			n := strings.Count(strings.ReplaceAll(l, `\|`, ""), "|") - 1
			if cols == -1 {
				cols = n
			} else if n != cols {
				t.Fatalf("%s:%d: %d cells, header has %d: %q", f, i+1, n, cols, l)
			}
		}
		if len(headings) < 8 {
			t.Fatalf("%s: %d sections", f, len(headings))
		}
		for i, item := range items {
			if !strings.Contains(headings[i], item) || !strings.HasPrefix(headings[i], "## "+string(rune('1'+i))+". ") {
				t.Errorf("%s: section %d is %q, want item %q", f, i+1, headings[i], item)
			}
		}
	}
}

func TestJosa(t *testing.T) {
	for _, c := range [][3]string{
		{"본 기관", "은/는", "본 기관은"},
		{"구로신협", "은/는", "구로신협은"},
		{"고용노동부고객상담센터", "이/가", "고용노동부고객상담센터가"},
		{"고양일산우체국(소속 관내국 포함)", "은/는", "고양일산우체국(소속 관내국 포함)은"},
		{"별지 제2호 청구서", "으로/로", "별지 제2호 청구서로"},
		{"서울시청", "으로/로", "서울시청으로"},
		{"KT", "을/를", "KT을(를)"},
	} {
		if got := publish.Josa(c[0], c[1]); got != c[2] {
			t.Errorf("Josa(%q, %q) = %q, want %q", c[0], c[1], got, c[2])
		}
	}
}
