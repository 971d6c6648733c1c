// Package h264 carries H.264 (ITU-T H.264 | ISO/IEC 14496-10) over RTP (RFC 6184) and into
// MP4 (ISO/IEC 14496-15): a Depacketizer that turns a camera's RTP packets into access
// units (single NAL unit packets, STAP-A and FU-A: packetization modes 0 and 1; the
// interleaved mode's STAP-B, MTAP and FU-B are refused), a Packetizer that does the
// reverse for the camera simulator, ParseSPS for the picture size, profile, level, chroma
// format, bit depths and frame rate of a sequence parameter set, DecoderConfig for the
// avcC box of an MP4 sample entry, and SpropParameterSets for the parameter sets of an SDP.
//
// Malformed input gives errors (*custodian.Error with code custodian.EINVALID), never
// panics; see package codec for the limits and the Stats.
//
// Files:
//
//	nalu.go          NAL unit types, NALUType, IsKey, Key, ParameterSets
//	depacketizer.go  Depacketizer (RFC 6184 §5.6–5.8)
//	packetizer.go    Packetizer: single NAL unit packets, FU-A, optionally STAP-A
//	sps.go           SPS and ParseSPS (H.264 §7.3.2.1.1, VUI §E.1.1)
//	config.go        DecoderConfig (AVCDecoderConfigurationRecord, ISO/IEC 14496-15 §5.3.3.1)
//	                 and SpropParameterSets (RFC 6184 §8.1)
//
// The tests use the footage of scripts/setup.sh and ffmpeg (with libx264) as an oracle;
// testdata/fuzz holds the seed corpora of FuzzDepacketize and FuzzParseSPS, written by
// codec/testdata/makeseeds.go.
package h264
