package vault

import (
	"runtime"
	"sync"
	"testing"
)

// The gate of whole-segment reads lets an urgent read (a playback's first picture) in
// before reads that were waiting longer, and those in the order they came.
func TestGateAdmitsUrgentFirstThenInOrder(t *testing.T) {
	g := newGate(1)
	g.enter(false) // the one slot is taken
	var mu sync.Mutex
	var order []string
	var wg sync.WaitGroup
	waiting := func(n int) {
		for {
			g.mu.Lock()
			k := len(g.urgent) + len(g.normal)
			g.mu.Unlock()
			if k == n {
				return
			}
			runtime.Gosched()
		}
	}
	start := func(name string, urgent bool, queued int) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			g.enter(urgent)
			mu.Lock()
			order = append(order, name)
			mu.Unlock()
			g.leave()
		}()
		waiting(queued)
	}
	start("normal 1", false, 1)
	start("normal 2", false, 2)
	start("urgent", true, 3)
	g.leave()
	wg.Wait()
	want := []string{"urgent", "normal 1", "normal 2"}
	if len(order) != 3 || order[0] != want[0] || order[1] != want[1] || order[2] != want[2] {
		t.Fatalf("admitted %v, want %v", order, want)
	}
	if g.free != 1 {
		t.Fatalf("%d slots free at the end, want 1", g.free)
	}
}
