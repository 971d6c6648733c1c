// Package proc runs and measures the processes of the command benchmarks
// (bench/recbench, bench/consolebench): the camera simulator, custodian commands, CPU and
// memory from /proc, and the recorder's /metrics.
package proc

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"custodian"
	"custodian/examples"
	"custodian/yaml"
)

// Name prefixes Fail's messages.
var Name = "bench"

// Fail prints the message and exits with status 1.
func Fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, Name+": "+format+"\n", args...)
	os.Exit(1)
}

// FreePort returns a free TCP port on 127.0.0.1.
func FreePort() int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		Fail("%v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Sim is a running `custodian camsim`.
type Sim struct {
	Cmd   *exec.Cmd
	Addr  string
	stats chan [3]uint64 // sent packets, frames, late frames
	last  [3]uint64
}

// StartSim starts n simulated cameras playing file, and returns when they listen.
func StartSim(bin, file string, n int) *Sim {
	addr := fmt.Sprintf("127.0.0.1:%d", FreePort())
	cmd := exec.Command(bin, "camsim", "--file", file, "--cameras", strconv.Itoa(n), "--listen", addr, "--stats-every", "1s")
	out, _ := cmd.StdoutPipe()
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		Fail("camsim: %v", err)
	}
	s := &Sim{Cmd: cmd, Addr: addr, stats: make(chan [3]uint64, 1000)}
	ready := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(out)
		once := false
		for sc.Scan() {
			line := sc.Text()
			if !once && strings.Contains(line, "rtsp://") {
				once = true
				close(ready)
			}
			var v [3]uint64
			if _, err := fmt.Sscanf(line, "stats packets=%d frames=%d late=%d", &v[0], &v[1], &v[2]); err == nil {
				select {
				case s.stats <- v:
				default:
				}
			}
		}
	}()
	select {
	case <-ready:
	case <-time.After(60 * time.Second):
		Fail("camsim did not start")
	}
	return s
}

// Counters returns the simulator's newest counters: packets, frames and late frames sent.
func (s *Sim) Counters() [3]uint64 {
	for {
		select {
		case v := <-s.stats:
			s.last = v
		default:
			return s.last
		}
	}
}

// Stop ends the simulator.
func (s *Sim) Stop() {
	s.Cmd.Process.Signal(syscall.SIGTERM)
	s.Cmd.Wait()
}

// CPUSeconds returns a process's user+system CPU time.
func CPUSeconds(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (ut + st) / 100 // USER_HZ
}

// PrivateMiB returns a process's private memory (smaps_rollup).
func PrivateMiB(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", pid))
	if err != nil {
		return 0
	}
	var kb float64
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "Private_Clean:") || strings.HasPrefix(l, "Private_Dirty:") {
			v, _ := strconv.ParseFloat(strings.Fields(l)[1], 64)
			kb += v
		}
	}
	return kb / 1024
}

// Registry writes into dir a registry (the minimal example) of n cameras cam1 … camN of
// the simulator at addr, and returns its path.
func Registry(dir, addr string, n int) string {
	data, err := examples.FS.ReadFile("minimal.yaml")
	if err != nil {
		Fail("%v", err)
	}
	r, err := yaml.Load("minimal.yaml", data)
	if err != nil {
		Fail("%v", err)
	}
	r.Organisation.StatedTotal = 0
	g := &r.Sites[0].CameraGroups[0]
	g.Count = n
	for i := 1; i <= n; i++ {
		g.Cameras = append(g.Cameras, custodian.Camera{ID: fmt.Sprintf("cam%d", i), Enabled: true,
			Source: &custodian.Source{URL: fmt.Sprintf("rtsp://%s/cam%d", addr, i)}})
	}
	out, err := yaml.Encode(r)
	if err != nil {
		Fail("%v", err)
	}
	path := filepath.Join(dir, "registry.yaml")
	if err := os.WriteFile(path, out, 0o600); err != nil {
		Fail("%v", err)
	}
	return path
}

// Run runs bin with args, failing on an error; it returns the standard output.
func Run(bin string, args ...string) string {
	cmd := exec.Command(bin, args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		Fail("%s %s: %v\n%s%s", bin, strings.Join(args, " "), err, out, stderr.String())
	}
	return string(out)
}

// Metrics are the recorder's /metrics values, summed by name over the cameras; "lags"
// counts the cameras with a commit lag and "lagmax" is the largest.
type Metrics map[string]float64

// Scrape reads the metrics at url (nil when it cannot).
func Scrape(url string) Metrics {
	resp, err := http.Get(url)
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil
	}
	b, _ := io.ReadAll(resp.Body)
	m := Metrics{}
	for _, l := range strings.Split(string(b), "\n") {
		if l == "" || l[0] == '#' {
			continue
		}
		name, rest, _ := strings.Cut(l, "{")
		_, val, _ := strings.Cut(rest, "} ")
		v, _ := strconv.ParseFloat(val, 64)
		m[name] += v
		if name == "custodian_camera_commit_lag_seconds" {
			m["lags"]++
			m["lagmax"] = max(m["lagmax"], v)
		}
	}
	return m
}
