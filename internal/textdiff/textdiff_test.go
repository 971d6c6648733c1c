package textdiff

import (
	"math/rand/v2"
	"strings"
	"testing"
)

func lcs(a, b []string) int {
	prev := make([]int, len(b)+1)
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		for j := 1; j <= len(b); j++ {
			if a[i-1] == b[j-1] {
				cur[j] = prev[j-1] + 1
			} else {
				cur[j] = max(prev[j], cur[j-1])
			}
		}
		prev = cur
	}
	return prev[len(b)]
}

// TestLinesIsMinimal checks on random inputs that the script turns a into b and has the
// fewest possible edits.
func TestLinesIsMinimal(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	words := []string{"a", "b", "c", "d", "e"}
	for iter := 0; iter < 2000; iter++ {
		gen := func() []string {
			n := rng.IntN(12)
			out := make([]string, n)
			for i := range out {
				out[i] = words[rng.IntN(len(words))]
			}
			return out
		}
		a, b := gen(), gen()
		ops := Lines(a, b)
		var ra, rb []string
		edits := 0
		for _, op := range ops {
			if op.Kind != '+' {
				ra = append(ra, op.Line)
			}
			if op.Kind != '-' {
				rb = append(rb, op.Line)
			}
			if op.Kind != ' ' {
				edits++
			}
		}
		if strings.Join(ra, ",") != strings.Join(a, ",") || strings.Join(rb, ",") != strings.Join(b, ",") {
			t.Fatalf("script does not turn %v into %v: %v", a, b, ops)
		}
		if want := len(a) + len(b) - 2*lcs(a, b); edits != want {
			t.Fatalf("%v -> %v: %d edits, minimal is %d", a, b, edits, want)
		}
	}
}

func TestUnified(t *testing.T) {
	a := "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n"
	b := "1\n2\n3\n4\nfive\n6\n7\n8\n9\n10\n11\n"
	got := Unified("a", "b", a, b, 2)
	want := `--- a
+++ b
@@ -3,5 +3,5 @@
 3
 4
-5
+five
 6
 7
@@ -9,2 +9,3 @@
 9
 10
+11
`
	if got != want {
		t.Fatalf("got:\n%s\nwant:\n%s", got, want)
	}
	if Unified("a", "b", a, a, 3) != "" {
		t.Fatal("equal texts gave a diff")
	}
	if got := Unified("a", "b", "", "x\n", 3); got != "--- a\n+++ b\n@@ -0,0 +1 @@\n+x\n" {
		t.Fatalf("insert into empty: %q", got)
	}
}
