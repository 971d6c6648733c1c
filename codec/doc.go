// Package codec holds what the RTP payload formats of H.264 (RFC 6184, package
// codec/h264) and H.265 (RFC 7798, package codec/h265) share: the AccessUnit (one coded
// picture as NAL units) that a Depacketizer makes of a camera's RTP packets (RFC 3550),
// the Stats it keeps, the Assembler that does the codec-independent half of that work, a
// Reorder buffer for packets received over UDP, and the splitting of Annex B byte streams
// and MP4 samples into NAL units.
//
// Everything here reads network input: malformed packets give errors (*custodian.Error
// with code custodian.EINVALID), never panics; an access unit is bounded in bytes
// (MaxUnitSize, 8 MiB by default) and NAL units (MaxUnitNALUs, 1024); a unit that lost a
// packet is dropped and counted, never returned damaged. In the steady state nothing is
// allocated per packet: a depacketizer assembles units in two buffers that it reuses, so
// the units that Push returns are valid until the next Push.
//
// Files:
//
//	codec.go      AccessUnit, Stats, Depacketizer, Options, SplitAnnexB, SplitLengthPrefixed
//	assembler.go  Assembler: sequence numbers, timestamps, buffers, limits, Stats
//	reorder.go    Reorder: a reorder buffer for UDP
//	internal/bits        the bit reader of the parameter set parsers (exp-Golomb, RBSP)
//	internal/codectest   test helpers shared by codec/h264 and codec/h265
//	testdata/makeseeds.go  writes the seed corpora of the fuzzers of codec/h264 and codec/h265
package codec
