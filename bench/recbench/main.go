// Command recbench measures recording (docs/BENCHMARKS.md, "Recording"): N simulated
// cameras (custodian camsim, a separate process) recorded into the vault by `custodian
// serve` (another process), against the baseline of one `ffmpeg -c copy` process per camera
// recording the same cameras into plain MP4 segment files, in the same run.
//
// For each N it reports the recorder's CPU and memory per camera, the frames lost, the lag
// from a segment's last frame to its durable commit, and the simulator's own CPU; then the
// same for ffmpeg. Zero loss means: the simulator kept real-time pace (no late frame), the
// recorder counted no lost packet and no dropped frame, and it recorded every frame sent in
// the window (within one frame per camera).
//
//	go build -o bin/custodian ./cmd/custodian
//	go run ./bench/recbench -cameras 20,100,500 -duration 60s
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"custodian/bench/internal/proc"
)

func main() {
	proc.Name = "recbench"
	bin := flag.String("bin", "bin/custodian", "the custodian binary")
	file := flag.String("file", ".cache/media/vtest-h264-2m.mp4", "the cameras' footage (2 Mbit/s)")
	list := flag.String("cameras", "20,100", "numbers of cameras, comma-separated")
	duration := flag.Duration("duration", 60*time.Second, "the measured window")
	warmup := flag.Duration("warmup", 15*time.Second, "time to connect before measuring")
	baseline := flag.Int("baseline-max", 200, "run the ffmpeg baseline only up to this many cameras")
	segment := flag.Duration("segment", time.Minute, "segment length")
	flag.StringVar(&profile, "cpuprofile", "", "write a CPU profile of custodian serve to this file")
	flag.Parse()
	var ns []int
	for _, s := range strings.Split(*list, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			proc.Fail("bad -cameras %q", *list)
		}
		ns = append(ns, n)
	}
	if _, err := os.Stat(*bin); err != nil {
		proc.Fail("%s is missing: go build -o bin/custodian ./cmd/custodian", *bin)
	}
	host, _ := os.Hostname()
	fmt.Printf("# recbench on %s: %d CPUs, %s, %s, footage %s, window %v after %v warm-up\n",
		host, runtime.NumCPU(), runtime.GOOS, runtime.Version(), filepath.Base(*file), *duration, *warmup)
	fmt.Println("| cameras | who | CPU % of one core | CPU per camera | memory per camera (MiB) | frames expected | frames recorded | lost | late (sim) | commit lag mean / max (ms) | camsim CPU % |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|---|---|")
	for _, n := range ns {
		r := runCustodian(*bin, *file, n, *warmup, *duration, *segment)
		r.print(n, "custodian")
		if n <= *baseline {
			b := runFFmpeg(*bin, *file, n, *warmup, *duration, *segment)
			b.print(n, "ffmpeg -c copy")
		}
	}
}

// profile, if set, is where serve writes a CPU profile.
var profile string

type result struct {
	cpu        float64 // CPU seconds per second (1 = one core)
	memMiB     float64 // private memory, MiB, all processes
	expected   float64
	recorded   float64
	lost       float64
	late       uint64
	lagMean    float64
	lagMax     float64
	simCPU     float64
	note       string
	recordedOK bool
}

func (r result) print(n int, who string) {
	lag := "-"
	if r.lagMax > 0 {
		lag = fmt.Sprintf("%.0f / %.0f", r.lagMean, r.lagMax)
	}
	rec := "-"
	if r.recordedOK {
		rec = fmt.Sprintf("%.0f", r.recorded)
	}
	fmt.Printf("| %d | %s | %.1f | %.3f%% | %.2f | %.0f | %s | %.0f | %d | %s | %.1f |%s\n",
		n, who, r.cpu*100, r.cpu*100/float64(n), r.memMiB/float64(n), r.expected, rec, r.lost, r.late, lag, r.simCPU*100, r.note)
}

func runCustodian(bin, file string, n int, warmup, window, segment time.Duration) result {
	dir, err := os.MkdirTemp("", "recbench-")
	if err != nil {
		proc.Fail("%v", err)
	}
	defer os.RemoveAll(dir)
	data := filepath.Join(dir, "data")
	s := proc.StartSim(bin, file, n)
	defer s.Stop()
	proc.Run(bin, "--data", data, "init")
	proc.Run(bin, "--data", data, "import", "--allow-source-changes", proc.Registry(dir, s.Addr, n))
	web := fmt.Sprintf("127.0.0.1:%d", proc.FreePort())
	mon := fmt.Sprintf("127.0.0.1:%d", proc.FreePort())
	cmd := exec.Command(bin, "--data", data, "serve", "--listen", web, "--metrics-listen", mon, "--segment", segment.String())
	if profile != "" {
		cmd.Env = append(os.Environ(), "CUSTODIAN_CPUPROFILE="+profile)
	}
	cmd.Stdout = io.Discard
	logf, _ := os.Create(filepath.Join(dir, "serve.log"))
	cmd.Stderr = logf
	if err := cmd.Start(); err != nil {
		proc.Fail("serve: %v", err)
	}
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		cmd.Wait()
	}()
	time.Sleep(warmup)
	url := "http://" + mon + "/metrics"
	m0, c0, sc0, s0 := proc.Scrape(url), proc.CPUSeconds(cmd.Process.Pid), proc.CPUSeconds(s.Cmd.Process.Pid), s.Counters()
	t0 := time.Now()
	time.Sleep(window)
	m1, c1, sc1, s1 := proc.Scrape(url), proc.CPUSeconds(cmd.Process.Pid), proc.CPUSeconds(s.Cmd.Process.Pid), s.Counters()
	el := time.Since(t0).Seconds()
	r := result{
		cpu: (c1 - c0) / el, simCPU: (sc1 - sc0) / el, memMiB: proc.PrivateMiB(cmd.Process.Pid),
		expected: float64(s1[1] - s0[1]), recorded: m1["custodian_camera_frames_total"] - m0["custodian_camera_frames_total"],
		lost: m1["custodian_camera_rtp_packets_lost_total"] - m0["custodian_camera_rtp_packets_lost_total"] +
			m1["custodian_camera_frames_dropped_total"] - m0["custodian_camera_frames_dropped_total"],
		late: s1[2] - s0[2], recordedOK: m1 != nil,
	}
	if m1["lags"] > 0 {
		r.lagMean = m1["custodian_camera_commit_lag_seconds"] / m1["lags"] * 1000
		r.lagMax = m1["lagmax"] * 1000
	}
	if up := m1["custodian_camera_up"]; up < float64(n) {
		r.note = fmt.Sprintf(" %0.f of %d cameras recording", up, n)
	}
	return r
}

func runFFmpeg(bin, file string, n int, warmup, window, segment time.Duration) result {
	dir, err := os.MkdirTemp("", "recbench-ff-")
	if err != nil {
		proc.Fail("%v", err)
	}
	defer os.RemoveAll(dir)
	s := proc.StartSim(bin, file, n)
	defer s.Stop()
	var cmds []*exec.Cmd
	for i := 1; i <= n; i++ {
		c := exec.Command("ffmpeg", "-nostdin", "-loglevel", "error", "-rtsp_transport", "tcp",
			"-i", fmt.Sprintf("rtsp://%s/cam%d", s.Addr, i), "-map", "0:v:0", "-c", "copy", "-an",
			"-f", "segment", "-segment_time", strconv.Itoa(int(segment.Seconds())), "-segment_format", "mp4",
			"-reset_timestamps", "1", filepath.Join(dir, fmt.Sprintf("cam%d-%%05d.mp4", i)))
		if err := c.Start(); err != nil {
			proc.Fail("ffmpeg: %v", err)
		}
		cmds = append(cmds, c)
	}
	defer func() {
		for _, c := range cmds {
			c.Process.Signal(syscall.SIGINT)
		}
		for _, c := range cmds {
			c.Wait()
		}
	}()
	time.Sleep(warmup)
	sum := func() (cpu float64) {
		for _, c := range cmds {
			cpu += proc.CPUSeconds(c.Process.Pid)
		}
		return cpu
	}
	c0, sc0, s0 := sum(), proc.CPUSeconds(s.Cmd.Process.Pid), s.Counters()
	t0 := time.Now()
	time.Sleep(window)
	c1, sc1, s1 := sum(), proc.CPUSeconds(s.Cmd.Process.Pid), s.Counters()
	el := time.Since(t0).Seconds()
	var mem float64
	alive := 0
	for _, c := range cmds {
		if m := proc.PrivateMiB(c.Process.Pid); m > 0 {
			mem += m
			alive++
		}
	}
	r := result{cpu: (c1 - c0) / el, simCPU: (sc1 - sc0) / el, memMiB: mem, expected: float64(s1[1] - s0[1]), late: s1[2] - s0[2]}
	if alive < n {
		r.note = fmt.Sprintf(" %d of %d ffmpeg processes alive", alive, n)
	}
	return r
}
