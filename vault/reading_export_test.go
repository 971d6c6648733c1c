package vault

// TakeReadingSlots takes every slot of the gate that admits whole-segment reads, as that
// many reads in progress would, and returns how many there are and the function that
// gives them back.
func TakeReadingSlots() (int, func()) {
	reading.mu.Lock()
	n := reading.free
	reading.free = 0
	reading.mu.Unlock()
	return n, func() {
		for range n {
			reading.leave()
		}
	}
}
