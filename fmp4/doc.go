// Package fmp4 reads and rewrites fragmented MP4 (ISO/IEC 14496-12, CMAF) at the level of
// boxes: an init segment (ftyp + moov with mvex) followed by moof/mdat fragments.
//
// Custodian keeps footage as standalone fragmented-MP4 segments (docs/design/vault.md).
// This package finds the fragments of a segment or of an imported file (Reader, Parse),
// tells their decode times, durations and whether each starts on a keyframe, and stitches
// chosen fragments into one playable file without re-encoding (Write, ClipWriter).
//
// Only files with exactly one video track (H.264 "avc1"/"avc3" or H.265 "hvc1"/"hev1") are
// accepted. A file with an audio track is refused: CCTV never records sound (PIPA Art.
// 25(5)).
//
// All input is untrusted: every length is checked against the data available, boxes larger
// than MaxBoxSize are refused, and malformed input returns an error (never a panic). Errors
// are *custodian.Error with code custodian.EINVALID naming the box and its byte offset.
//
// Files:
//
//	box.go       box headers, bounds-checked field reading, errors
//	boxwrite.go  box writing helpers (for Write, and for the muxer that will join them)
//	init.go      the init segment: ftyp, moov, trak, stsd, mvex/trex
//	fragment.go  moof/mdat: mfhd, traf, tfhd, tfdt, trun
//	reader.go    Reader (a stream) and Parse (a buffer)
//	write.go     Write and ClipWriter: stitching fragments into one file
package fmp4
