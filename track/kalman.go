package track

import "math"

// kalman is SORT's constant-velocity filter over the state
// [cx, cy, s, r, vcx, vcy, vs]: the box centre, its area s, its aspect ratio
// r = w/h (taken as constant), and the velocities of centre and area, in
// pixels (and pixels²) per frame. The measurement is [cx, cy, s, r]. The
// noise settings are SORT's (Bewley et al. 2016, sort.py).
type kalman struct {
	x [7]float64
	p [7][7]float64
}

var (
	kalmanQ = [7]float64{1, 1, 1, 1, 0.01, 0.01, 0.0001} // process noise (diagonal)
	kalmanR = [4]float64{1, 1, 10, 10}                   // measurement noise (diagonal)
)

func measure(b Box) [4]float64 {
	cx, cy := b.Center()
	return [4]float64{cx, cy, b.W * b.H, b.W / b.H}
}

func newKalman(b Box) kalman {
	var k kalman
	z := measure(b)
	copy(k.x[:4], z[:])
	for i := 0; i < 7; i++ {
		k.p[i][i] = 10
		if i >= 4 {
			k.p[i][i] = 10000 // the velocities are unknown at first
		}
	}
	return k
}

// box is the state's box (empty where the area or aspect went non-positive).
func (k *kalman) box() Box {
	s, r := k.x[2], k.x[3]
	if !(s > 0 && r > 0) {
		return Box{X: k.x[0], Y: k.x[1]}
	}
	w := math.Sqrt(s * r)
	h := s / w
	return Box{k.x[0] - w/2, k.x[1] - h/2, w, h}
}

// predict advances the state by one frame: x = F x, P = F P Fᵀ + Q, where F
// adds each velocity to its quantity.
func (k *kalman) predict() {
	if k.x[2]+k.x[6] <= 0 {
		k.x[6] = 0 // the area would vanish: stop shrinking
	}
	for i := 0; i < 3; i++ {
		k.x[i] += k.x[i+4]
	}
	// P ← F P: row i (i<3) gains row i+4.
	for i := 0; i < 3; i++ {
		for j := 0; j < 7; j++ {
			k.p[i][j] += k.p[i+4][j]
		}
	}
	// P ← P Fᵀ: column j (j<3) gains column j+4.
	for i := 0; i < 7; i++ {
		for j := 0; j < 3; j++ {
			k.p[i][j] += k.p[i][j+4]
		}
	}
	for i := 0; i < 7; i++ {
		k.p[i][i] += kalmanQ[i]
	}
}

// update corrects the state with a measured box. H takes the first four
// components, so H P Hᵀ is P's top-left 4×4 block and P Hᵀ its first four
// columns. P is updated in Joseph form, which stays symmetric and positive.
func (k *kalman) update(b Box) {
	z := measure(b)
	var s [4][4]float64
	for i := 0; i < 4; i++ {
		for j := 0; j < 4; j++ {
			s[i][j] = k.p[i][j]
		}
		s[i][i] += kalmanR[i]
	}
	si, ok := inverse4(s)
	if !ok {
		return // cannot happen for R > 0; keep the prediction
	}
	var gain [7][4]float64 // K = P Hᵀ S⁻¹
	for i := 0; i < 7; i++ {
		for j := 0; j < 4; j++ {
			var sum float64
			for l := 0; l < 4; l++ {
				sum += k.p[i][l] * si[l][j]
			}
			gain[i][j] = sum
		}
	}
	var y [4]float64
	for i := range y {
		y[i] = z[i] - k.x[i]
	}
	for i := 0; i < 7; i++ {
		for j := 0; j < 4; j++ {
			k.x[i] += gain[i][j] * y[j]
		}
	}
	// A = I − K H; P = A P Aᵀ + K R Kᵀ.
	var a [7][7]float64
	for i := 0; i < 7; i++ {
		a[i][i] = 1
		for j := 0; j < 4; j++ {
			a[i][j] -= gain[i][j]
		}
	}
	var ap [7][7]float64
	for i := 0; i < 7; i++ {
		for j := 0; j < 7; j++ {
			var sum float64
			for l := 0; l < 7; l++ {
				sum += a[i][l] * k.p[l][j]
			}
			ap[i][j] = sum
		}
	}
	for i := 0; i < 7; i++ {
		for j := 0; j < 7; j++ {
			var sum float64
			for l := 0; l < 7; l++ {
				sum += ap[i][l] * a[j][l]
			}
			for l := 0; l < 4; l++ {
				sum += gain[i][l] * kalmanR[l] * gain[j][l]
			}
			k.p[i][j] = sum
		}
	}
}

// inverse4 inverts a 4×4 matrix by Gauss-Jordan elimination with partial
// pivoting.
func inverse4(m [4][4]float64) ([4][4]float64, bool) {
	var inv [4][4]float64
	for i := range inv {
		inv[i][i] = 1
	}
	for c := 0; c < 4; c++ {
		piv := c
		for r := c + 1; r < 4; r++ {
			if math.Abs(m[r][c]) > math.Abs(m[piv][c]) {
				piv = r
			}
		}
		if m[piv][c] == 0 {
			return inv, false
		}
		m[c], m[piv] = m[piv], m[c]
		inv[c], inv[piv] = inv[piv], inv[c]
		d := m[c][c]
		for j := 0; j < 4; j++ {
			m[c][j] /= d
			inv[c][j] /= d
		}
		for r := 0; r < 4; r++ {
			if r == c || m[r][c] == 0 {
				continue
			}
			f := m[r][c]
			for j := 0; j < 4; j++ {
				m[r][j] -= f * m[c][j]
				inv[r][j] -= f * inv[c][j]
			}
		}
	}
	return inv, true
}
