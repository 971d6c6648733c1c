// Package h265 carries H.265/HEVC (ITU-T H.265 | ISO/IEC 23008-2) over RTP (RFC 7798) and
// into MP4 (ISO/IEC 14496-15): a Depacketizer that turns a camera's RTP packets into
// access units (single NAL unit packets, aggregation packets and fragmentation units;
// without DONL fields unless the codec.DONL option says the stream has them; PACI is
// refused), a Packetizer that does the reverse for the camera simulator, ParseSPS for the
// profile_tier_level, picture size, chroma format, bit depths and frame rate of a sequence
// parameter set, DecoderConfig for the hvcC box of an MP4 sample entry, and
// SpropParameterSets for the parameter sets of an SDP.
//
// Malformed input gives errors (*custodian.Error with code custodian.EINVALID), never
// panics; see package codec for the limits and the Stats.
//
// Files:
//
//	nalu.go          NAL unit types, NALUType, IsIRAP, IsKey, Key, ParameterSets
//	depacketizer.go  Depacketizer (RFC 7798 §4.4)
//	packetizer.go    Packetizer: single NAL unit packets, FU, optionally AP
//	sps.go           SPS and ParseSPS (H.265 §7.3.2.2, profile_tier_level §7.3.3,
//	                 st_ref_pic_set §7.3.7, VUI §E.2.1)
//	config.go        DecoderConfig (HEVCDecoderConfigurationRecord, ISO/IEC 14496-15 §8.3.3.1)
//	                 and SpropParameterSets (RFC 7798 §7.1)
//
// The tests use the footage of scripts/setup.sh and ffmpeg (with libx265) as an oracle;
// testdata/fuzz holds the seed corpora of FuzzDepacketize and FuzzParseSPS, written by
// codec/testdata/makeseeds.go.
package h265
