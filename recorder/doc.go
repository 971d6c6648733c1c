// Package recorder records cameras into the vault, in process (docs/design/recording.md):
// one goroutine per enabled camera of the registry connects over RTSP (package rtsp),
// depacketises H.264/H.265 (package codec), places frames in time and cuts
// keyframe-aligned fragmented-MP4 segments (segmenter.go, package fmp4; where to cut and the
// timeline are package cutter's, shared with imports: docs/design/recording.md, "Where
// segments are cut"; docs/design/time.md) and streams them, encrypted, into the vault; it reconnects with backoff and reports each
// camera's health (health.go, metrics.go, the status file). A source that only ffmpeg can
// read is recorded through an ffmpeg process (ffmpeg.go), segmented and encrypted the same
// way.
//
// Files:
//
//	recorder.go   Recorder: the cameras of the registry, workers, backoff, status file
//	rtsp.go       recording one RTSP connection
//	ffmpeg.go     the ffmpeg fallback
//	segmenter.go  frames to fragments, cut into segments by a cutter.Cutter
//	params.go     parameter sets and init segments
//	health.go     per-camera status
//	metrics.go    Prometheus text exposition
package recorder
