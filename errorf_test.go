package custodian_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// verbs returns how many verbs a format has (%% is none) and the highest explicit
// argument index (%[n]s) it uses, 0 when none.
func verbs(f string) (n, maxIndex int) {
	for i := 0; i < len(f); i++ {
		if f[i] != '%' {
			continue
		}
		i++
		for i < len(f) && strings.IndexByte("+-# 0123456789.[]", f[i]) >= 0 {
			if f[i] == '[' {
				j := strings.IndexByte(f[i:], ']')
				if k, err := strconv.Atoi(f[i+1 : i+j]); err == nil && k > maxIndex {
					maxIndex = k
				}
				i += j
			}
			i++
		}
		if i < len(f) && f[i] != '%' {
			n++
		}
	}
	return n, maxIndex
}

// fits reports whether a format uses args arguments as fmt wants: every one once in order,
// or, with explicit indexes (which allow some to go unused), none beyond them.
func fits(format string, args int) bool {
	n, max := verbs(format)
	if max > 0 {
		return max <= args
	}
	return n == args
}

// TestErrorfArguments: custodian.Errorf formats its Korean and its English text with the
// same arguments, so each must use every argument once ("%s이(가) 필요합니다" given the
// Korean and the English name prints "%!(EXTRA string=…)"). Every call with literal formats
// in the module is checked.
func TestErrorfArguments(t *testing.T) {
	fset := token.NewFileSet()
	checked := 0
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") && path != "." {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) < 3 || call.Ellipsis.IsValid() {
				return true
			}
			switch fn := call.Fun.(type) {
			case *ast.SelectorExpr:
				if x, ok := fn.X.(*ast.Ident); !ok || x.Name != "custodian" || fn.Sel.Name != "Errorf" {
					return true
				}
			case *ast.Ident:
				if fn.Name != "Errorf" || f.Name.Name != "custodian" {
					return true
				}
			default:
				return true
			}
			var formats [2]string
			for i := range formats {
				lit, ok := call.Args[1+i].(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					return true
				}
				formats[i], _ = strconv.Unquote(lit.Value)
			}
			args := len(call.Args) - 3
			checked++
			if !fits(formats[0], args) || !fits(formats[1], args) {
				t.Errorf("%s: Errorf with %d arguments: %q, %q", fset.Position(call.Pos()), args, formats[0], formats[1])
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 100 {
		t.Fatalf("only %d calls checked", checked)
	}
}
