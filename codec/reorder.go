package codec

import "github.com/pion/rtp"

// MaxReorderWindow is the largest window NewReorder accepts.
const MaxReorderWindow = 1024

// Reorder puts the RTP packets of one stream (received over UDP) back in sequence order.
// A missing packet is waited for until the window is full (window packets after it have
// arrived), then skipped and counted as lost. Packets that arrive twice or after their
// place has passed are dropped. Packets over TCP (RTSP interleaved) arrive in order and
// need no Reorder.
//
// Reorder copies the packets it keeps; it does not keep p after Push returns.
type Reorder struct {
	slots   []*rtp.Packet // slots[(head+i)%len] holds sequence number next+i
	head    int
	next    uint16 // the sequence number to deliver next
	started bool
	held    int    // packets in slots
	highest uint16 // highest sequence number held (when held > 0)
	probing bool   // a packet far from next was seen; probe is the one after it
	probe   uint16
	free    []*rtp.Packet // copies to reuse
	lent    []*rtp.Packet // copies returned by the last Push, reused by the next
	out     []*rtp.Packet
	stats   Stats
}

// NewReorder returns a reorder buffer that waits for a missing packet until window later
// packets have arrived. A window of 0 delivers every packet at once (skipping gaps); one
// larger than MaxReorderWindow counts as MaxReorderWindow.
func NewReorder(window int) *Reorder {
	window = min(max(window, 0), MaxReorderWindow)
	return &Reorder{slots: make([]*rtp.Packet, window+1)}
}

// Stats returns the counts so far: Packets, Lost, Reordered and Duplicates (which include
// packets dropped for arriving after their place had passed).
func (r *Reorder) Stats() Stats { return r.stats }

// Push takes the next packet received and returns the packets now ready, in sequence
// order. The returned slice and the packets in it are valid until the next Push or Flush
// (p itself may be among them, as given).
func (r *Reorder) Push(p *rtp.Packet) []*rtp.Packet {
	r.recycle()
	r.stats.Packets++
	seq := p.SequenceNumber
	if !r.started {
		r.started = true
		r.next = seq
	}
	d := int(int16(seq - r.next))
	window := len(r.slots) - 1
	switch {
	case d < 0 && d >= -maxMisorder:
		r.stats.Duplicates++ // delivered or skipped already
		return r.out
	case d < -maxMisorder || d > maxDropout:
		// Far from where the stream is: a restarted sequence if the next packet follows.
		if !r.probing || seq != r.probe {
			r.probing = true
			r.probe = seq + 1
			r.stats.Duplicates++
			return r.out
		}
		r.drain()
		r.next = seq
		d = 0
	}
	r.probing = false
	if d > window {
		r.advance(d - window)
		d = int(int16(seq - r.next)) // now within the window
	}
	if d == 0 && r.held == 0 {
		// The common case: in order, nothing waiting.
		r.out = append(r.out, p)
		r.next++
		return r.out
	}
	i := (r.head + d) % len(r.slots)
	if r.slots[i] != nil {
		r.stats.Duplicates++
		return r.out
	}
	if r.held > 0 && int16(seq-r.highest) < 0 {
		r.stats.Reordered++
	}
	if r.held == 0 || int16(seq-r.highest) > 0 {
		r.highest = seq
	}
	r.slots[i] = r.keep(p)
	r.held++
	r.deliver()
	return r.out
}

// Flush returns the packets still waiting, in order, skipping (and counting) the missing
// ones. Use it when the stream ends.
func (r *Reorder) Flush() []*rtp.Packet {
	r.recycle()
	r.drain()
	return r.out
}

// recycle takes back the copies lent by the last call and empties the output.
func (r *Reorder) recycle() {
	for i, c := range r.lent {
		r.free = append(r.free, c)
		r.lent[i] = nil
	}
	r.lent = r.lent[:0]
	clear(r.out)
	r.out = r.out[:0]
}

// keep returns a copy of p owned by the buffer.
func (r *Reorder) keep(p *rtp.Packet) *rtp.Packet {
	var c *rtp.Packet
	if n := len(r.free); n > 0 {
		c = r.free[n-1]
		r.free = r.free[:n-1]
	} else {
		c = new(rtp.Packet)
	}
	payload := append(c.Payload[:0], p.Payload...)
	*c = rtp.Packet{Header: p.Header.Clone(), Payload: payload}
	return c
}

// pop removes the packet at the head (nil if missing), advancing next.
func (r *Reorder) pop() *rtp.Packet {
	c := r.slots[r.head]
	r.slots[r.head] = nil
	r.head = (r.head + 1) % len(r.slots)
	r.next++
	if c != nil {
		r.held--
		r.out = append(r.out, c)
		r.lent = append(r.lent, c)
	}
	return c
}

// deliver releases the packets in order from the head.
func (r *Reorder) deliver() {
	for r.slots[r.head] != nil {
		r.pop()
	}
}

// advance moves the head n places, releasing what is held and counting the holes as lost,
// then releases what follows in order.
func (r *Reorder) advance(n int) {
	for ; n > 0 && r.held > 0; n-- {
		if r.pop() == nil {
			r.stats.Lost++
		}
	}
	// Nothing is held past this point: skip the rest at once.
	r.stats.Lost += uint64(n)
	r.next += uint16(n)
	r.deliver()
}

// drain releases everything held, counting the holes between as lost.
func (r *Reorder) drain() {
	for r.held > 0 {
		if r.pop() == nil {
			r.stats.Lost++
		}
	}
}
