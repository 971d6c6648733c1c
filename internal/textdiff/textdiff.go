// Package textdiff computes line diffs and prints them in unified format, for comparing
// published policy versions.
package textdiff

import (
	"fmt"
	"strings"
)

// Op is one line of an edit script.
type Op struct {
	Kind byte // ' ' kept, '-' deleted, '+' inserted
	Line string
}

// maxEdit bounds the search: past this many differing lines the changed middle is reported
// as deleted and inserted whole, which is still a correct (if longer) diff.
const maxEdit = 4000

// Lines returns an edit script turning a into b, using Myers' algorithm after trimming the
// common prefix and suffix.
func Lines(a, b []string) []Op {
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	var ops []Op
	for _, l := range a[:pre] {
		ops = append(ops, Op{' ', l})
	}
	ops = append(ops, myers(a[pre:len(a)-suf], b[pre:len(b)-suf])...)
	for _, l := range a[len(a)-suf:] {
		ops = append(ops, Op{' ', l})
	}
	return ops
}

func myers(a, b []string) []Op {
	n, m := len(a), len(b)
	whole := func() []Op {
		ops := make([]Op, 0, n+m)
		for _, l := range a {
			ops = append(ops, Op{'-', l})
		}
		for _, l := range b {
			ops = append(ops, Op{'+', l})
		}
		return ops
	}
	if n == 0 || m == 0 {
		return whole()
	}
	max := n + m
	if max > maxEdit {
		max = maxEdit
	}
	off := max
	v := make([]int, 2*max+2)
	var trace [][]int
	found := -1
	for d := 0; d <= max && found < 0; d++ {
		snap := make([]int, len(v))
		copy(snap, v)
		trace = append(trace, snap)
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || (k != d && v[off+k-1] < v[off+k+1]) {
				x = v[off+k+1]
			} else {
				x = v[off+k-1] + 1
			}
			y := x - k
			for x < n && y < m && a[x] == b[y] {
				x, y = x+1, y+1
			}
			v[off+k] = x
			if x >= n && y >= m {
				found = d
				break
			}
		}
	}
	if found < 0 {
		return whole()
	}
	// Walk back through the trace.
	var rev []Op
	x, y := n, m
	for d := found; d > 0; d-- {
		vv := trace[d]
		k := x - y
		var pk int
		if k == -d || (k != d && vv[off+k-1] < vv[off+k+1]) {
			pk = k + 1
		} else {
			pk = k - 1
		}
		px := vv[off+pk]
		py := px - pk
		for x > px && y > py {
			rev = append(rev, Op{' ', a[x-1]})
			x, y = x-1, y-1
		}
		if x == px {
			rev = append(rev, Op{'+', b[y-1]})
			y--
		} else {
			rev = append(rev, Op{'-', a[x-1]})
			x--
		}
	}
	for x > 0 && y > 0 {
		rev = append(rev, Op{' ', a[x-1]})
		x, y = x-1, y-1
	}
	ops := make([]Op, len(rev))
	for i := range rev {
		ops[i] = rev[len(rev)-1-i]
	}
	return ops
}

// Unified returns the unified diff of a and b with the given lines of context, or "" when
// they are equal.
func Unified(nameA, nameB, a, b string, context int) string {
	ops := Lines(split(a), split(b))
	changed := false
	for _, op := range ops {
		changed = changed || op.Kind != ' '
	}
	if !changed {
		return ""
	}
	var out strings.Builder
	fmt.Fprintf(&out, "--- %s\n+++ %s\n", nameA, nameB)
	// Line numbers (1-based) in a and b before each op.
	ai, bi := make([]int, len(ops)+1), make([]int, len(ops)+1)
	ai[0], bi[0] = 1, 1
	for i, op := range ops {
		ai[i+1], bi[i+1] = ai[i], bi[i]
		if op.Kind != '+' {
			ai[i+1]++
		}
		if op.Kind != '-' {
			bi[i+1]++
		}
	}
	for i := 0; i < len(ops); {
		if ops[i].Kind == ' ' {
			i++
			continue
		}
		start := max(i-context, 0)
		end := i
		for j := i; j < len(ops); j++ {
			if ops[j].Kind != ' ' {
				end = j + 1
			} else if j-end >= 2*context {
				break
			}
		}
		end = min(end+context, len(ops))
		na, nb := 0, 0
		for _, op := range ops[start:end] {
			if op.Kind != '+' {
				na++
			}
			if op.Kind != '-' {
				nb++
			}
		}
		fmt.Fprintf(&out, "@@ -%s +%s @@\n", hunkRange(ai[start], na), hunkRange(bi[start], nb))
		for _, op := range ops[start:end] {
			out.WriteByte(op.Kind)
			out.WriteString(op.Line)
			out.WriteByte('\n')
		}
		i = end
	}
	return out.String()
}

func hunkRange(start, n int) string {
	if n == 0 {
		return fmt.Sprintf("%d,0", start-1)
	}
	if n == 1 {
		return fmt.Sprint(start)
	}
	return fmt.Sprintf("%d,%d", start, n)
}

func split(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}
