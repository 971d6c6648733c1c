package recorder

import (
	"context"
	"fmt"

	"custodian"
)

// Undecodable frames (docs/design/recording.md, "Undecodable frames"): a frame whose NAL
// unit or slice headers do not parse (params.check), one the depacketiser refused as
// malformed, and every inter frame after such a frame until the next good keyframe (its
// reference chain is broken) are dropped and counted. The first of a run ends the segment
// at the last good frame, so that the undecodable period is a gap on the timeline, not
// footage; the camera is failing, with the reason, until a good keyframe starts a new
// segment.

// gate decides whether an access unit is stored: it returns nil when the unit can be
// decoded, else the reason it cannot (the unit is then dropped by the caller through
// undecodable).
func (s *rtpSession) gate(nalus [][]byte, key bool) error {
	if err := s.p.check(nalus); err != nil {
		return err
	}
	if s.broken && !key {
		return errBrokenChain
	}
	s.broken = false
	return nil
}

var errBrokenChain = custodian.Errorf(custodian.EINVALID,
	"앞의 프레임을 해독할 수 없어 다음 키프레임까지의 프레임도 해독할 수 없습니다",
	"an earlier frame could not be decoded, so the frames up to the next keyframe cannot be either")

// undecodable drops frames that cannot be decoded (n of them: 1, or the units the
// depacketiser dropped) for reason; the first of a run ends the open segment.
func (s *rtpSession) undecodable(ctx context.Context, reason error, n uint64) error {
	c := s.w.c
	c.add(&c.undecodable, n)
	if s.broken {
		return nil
	}
	s.broken = true
	ce := asError(reason)
	c.setState(StateFailing, &custodian.Error{Code: custodian.EINVALID,
		Ko: fmt.Sprintf("해독할 수 없는 프레임을 버리고 다음 키프레임을 기다립니다: %s", ce.Ko),
		En: fmt.Sprintf("dropping undecodable frames until the next good keyframe: %s", ce.En)})
	s.recording = false
	if !s.seg.active() {
		return nil
	}
	c.add(&c.gaps, 1)
	err := s.seg.close(ctx)
	if s.feed != nil {
		s.feed.Discontinuity()
	}
	return err
}
