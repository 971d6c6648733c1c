package custodian_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// docs/GLOSSARY.md names one type per legal term; every one of them exists.
func TestGlossaryTypesExist(t *testing.T) {
	doc, err := os.ReadFile("docs/GLOSSARY.md")
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("^\\| [^|]+ \\| [^|]+ \\| `([a-z]+)\\.([A-Za-z]+)` \\| [^|]+ \\|$")
	types := map[string]map[string]bool{} // package directory -> type names
	declared := func(dir string) map[string]bool {
		if m, ok := types[dir]; ok {
			return m
		}
		m := map[string]bool{}
		pkgs, err := parser.ParseDir(token.NewFileSet(), dir, func(fi os.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range pkgs {
			for _, f := range p.Files {
				for _, d := range f.Decls {
					if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.TYPE {
						for _, s := range g.Specs {
							m[s.(*ast.TypeSpec).Name.Name] = true
						}
					}
				}
			}
		}
		types[dir] = m
		return m
	}
	n := 0
	for _, line := range strings.Split(string(doc), "\n") {
		m := row.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		n++
		dir := m[1]
		if dir == "custodian" {
			dir = "."
		}
		if !declared(filepath.Clean(dir))[m[2]] {
			t.Errorf("docs/GLOSSARY.md names %s.%s, which is not a type", m[1], m[2])
		}
	}
	if n < 30 {
		t.Errorf("only %d rows with a type in docs/GLOSSARY.md", n)
	}
}
