package track

import "math"

// assign solves the assignment problem for a rows×cols cost matrix (row-major
// in cost): it returns, for each row, the column given to it, or -1, such
// that min(rows, cols) pairs are made and their total cost is the least
// possible. It is the Hungarian method with potentials, O(n²m).
func assign(cost []float64, rows, cols int) []int {
	out := make([]int, rows)
	for i := range out {
		out[i] = -1
	}
	if rows == 0 || cols == 0 {
		return out
	}
	if rows > cols {
		// Solve the transpose: every column gets a row.
		t := make([]float64, rows*cols)
		for i := 0; i < rows; i++ {
			for j := 0; j < cols; j++ {
				t[j*rows+i] = cost[i*cols+j]
			}
		}
		for j, i := range assign(t, cols, rows) {
			if i >= 0 {
				out[i] = j
			}
		}
		return out
	}
	// n ≤ m. Arrays are 1-based, index 0 is the virtual start.
	n, m := rows, cols
	u := make([]float64, n+1)
	v := make([]float64, m+1)
	p := make([]int, m+1) // p[j]: the row matched to column j
	way := make([]int, m+1)
	minv := make([]float64, m+1)
	used := make([]bool, m+1)
	for i := 1; i <= n; i++ {
		p[0] = i
		j0 := 0
		for j := range minv {
			minv[j] = math.Inf(1)
			used[j] = false
		}
		for {
			used[j0] = true
			i0, delta, j1 := p[j0], math.Inf(1), 0
			for j := 1; j <= m; j++ {
				if used[j] {
					continue
				}
				c := cost[(i0-1)*m+j-1] - u[i0] - v[j]
				if c < minv[j] {
					minv[j], way[j] = c, j0
				}
				if minv[j] < delta {
					delta, j1 = minv[j], j
				}
			}
			for j := 0; j <= m; j++ {
				if used[j] {
					u[p[j]] += delta
					v[j] -= delta
				} else {
					minv[j] -= delta
				}
			}
			j0 = j1
			if p[j0] == 0 {
				break
			}
		}
		for j0 != 0 {
			j1 := way[j0]
			p[j0] = p[j1]
			j0 = j1
		}
	}
	for j := 1; j <= m; j++ {
		if p[j] > 0 {
			out[p[j]-1] = j - 1
		}
	}
	return out
}
