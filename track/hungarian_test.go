package track

import (
	"math"
	"math/rand/v2"
	"testing"
)

// bruteAssign is the least total cost over every way of pairing min(n, m)
// rows with distinct columns.
func bruteAssign(cost []float64, n, m int) float64 {
	best := math.Inf(1)
	usedCol := make([]bool, m)
	var rec func(row, made int, sum float64)
	rec = func(row, made int, sum float64) {
		if made == min(n, m) {
			best = math.Min(best, sum)
			return
		}
		if n-row < min(n, m)-made {
			return // not enough rows left
		}
		if n > m {
			rec(row+1, made, sum) // this row may go unpaired
		}
		for j := 0; j < m; j++ {
			if !usedCol[j] {
				usedCol[j] = true
				rec(row+1, made+1, sum+cost[row*m+j])
				usedCol[j] = false
			}
		}
	}
	rec(0, 0, 0)
	return best
}

func TestAssignAgainstBruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for trial := 0; trial < 2000; trial++ {
		n, m := 1+rng.IntN(6), 1+rng.IntN(6)
		cost := make([]float64, n*m)
		for i := range cost {
			if trial%2 == 0 {
				cost[i] = float64(rng.IntN(5)) // many ties
			} else {
				cost[i] = rng.Float64()*2 - 1
			}
			if trial%3 == 0 && rng.IntN(3) == 0 {
				cost[i] = 0 // like a pair below the IoU threshold
			}
		}
		got := assign(cost, n, m)
		seen := map[int]bool{}
		sum, made := 0.0, 0
		for i, j := range got {
			if j < 0 {
				continue
			}
			if j >= m || seen[j] {
				t.Fatalf("%dx%d %v: column %d given twice or out of range: %v", n, m, cost, j, got)
			}
			seen[j] = true
			sum += cost[i*m+j]
			made++
		}
		if made != min(n, m) {
			t.Fatalf("%dx%d: %d pairs, want %d", n, m, made, min(n, m))
		}
		if want := bruteAssign(cost, n, m); math.Abs(sum-want) > 1e-9 {
			t.Fatalf("%dx%d %v: total %g, brute force %g (assignment %v)", n, m, cost, sum, want, got)
		}
	}
}

func TestAssignEmpty(t *testing.T) {
	if got := assign(nil, 3, 0); len(got) != 3 || got[0] != -1 {
		t.Errorf("assign with no columns: %v", got)
	}
	if got := assign(nil, 0, 3); len(got) != 0 {
		t.Errorf("assign with no rows: %v", got)
	}
}
