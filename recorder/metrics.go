package recorder

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// WriteMetrics writes every camera's figures in the Prometheus text exposition format
// (version 0.0.4).
func (r *Recorder) WriteMetrics(w io.Writer) error {
	st := r.Status()
	var b strings.Builder
	metric := func(name, typ, help string, value func(s *Status) float64) {
		fmt.Fprintf(&b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, typ)
		for i := range st {
			s := &st[i]
			fmt.Fprintf(&b, "%s{camera=%s,group=%s} %s\n", name, quote(s.Camera), quote(s.Group),
				strconv.FormatFloat(value(s), 'g', -1, 64))
		}
	}
	metric("custodian_camera_up", "gauge", "1 while the camera is recording, 0 otherwise.", func(s *Status) float64 {
		if s.State == StateRecording {
			return 1
		}
		return 0
	})
	metric("custodian_camera_frames_total", "counter", "Frames recorded.", func(s *Status) float64 { return float64(s.Frames) })
	metric("custodian_camera_rtp_packets_total", "counter", "RTP packets received.", func(s *Status) float64 { return float64(s.Packets) })
	metric("custodian_camera_rtp_packets_lost_total", "counter", "RTP packets missing (sequence gaps).", func(s *Status) float64 { return float64(s.Lost) })
	metric("custodian_camera_frames_dropped_total", "counter", "Frames dropped (lost packets, too large, undecodable).", func(s *Status) float64 { return float64(s.Dropped) })
	metric("custodian_camera_frames_undecodable_total", "counter", "Frames dropped as undecodable (headers that do not parse, malformed packets, a broken reference chain).", func(s *Status) float64 { return float64(s.Undecodable) })
	metric("custodian_camera_timestamp_jumps_total", "counter", "Timestamp discontinuities.", func(s *Status) float64 { return float64(s.Jumps) })
	metric("custodian_camera_gaps_total", "counter", "Interruptions of the footage (disconnects, jumps).", func(s *Status) float64 { return float64(s.Gaps) })
	metric("custodian_camera_connections_total", "counter", "Successful connections.", func(s *Status) float64 { return float64(s.Reconnect) })
	metric("custodian_camera_segments_total", "counter", "Segments committed to the vault.", func(s *Status) float64 { return float64(s.Segments) })
	metric("custodian_camera_stored_bytes_total", "counter", "Bytes of footage written to the vault.", func(s *Status) float64 { return float64(s.Bytes) })
	metric("custodian_camera_frame_rate", "gauge", "Frames per second over the last interval.", func(s *Status) float64 { return s.FrameRate })
	metric("custodian_camera_bitrate_bits", "gauge", "Video bits per second over the last interval.", func(s *Status) float64 { return s.Bitrate })
	metric("custodian_camera_last_frame_timestamp_seconds", "gauge", "Unix time of the last frame's arrival.", func(s *Status) float64 {
		if s.LastFrame.IsZero() {
			return 0
		}
		return float64(s.LastFrame.UnixNano()) / 1e9
	})
	metric("custodian_camera_commit_lag_seconds", "gauge", "From a segment's last frame to its durable commit (last segment).", func(s *Status) float64 { return s.LagMs / 1000 })
	_, err := io.WriteString(w, b.String())
	return err
}

// quote quotes a label value (backslash, double quote and line feed escaped).
func quote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`).Replace(s) + `"`
}

// MetricsHandler serves WriteMetrics.
func (r *Recorder) MetricsHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		r.WriteMetrics(w)
	})
}
