// Command consolebench measures the console under load (docs/BENCHMARKS.md, "The
// console"). N simulated cameras (custodian camsim, a separate process) are recorded by
// `custodian serve` (another process). Meanwhile U console users, each with an account of
// its own, a TOTP login and its own source address (127.0.x.y), use the JSON API and
// play back recorded footage, as the console's pages do.
//
// Two phases run on the same server, one after the other, for the same length of time:
//
//   - baseline: the cameras and one user of each kind (API, playback, live if asked);
//   - load: the cameras and U users at once.
//
// For each phase it reports the API latency percentiles per call, the playback start time
// (from the opening request, which writes the access log, to the first whole fragment of
// video), the live start time when -live is set, and the recording: frames sent by the
// simulator against frames recorded, packets lost, frames dropped, late frames and the
// server's CPU.
//
//	go build -o bin/custodian ./cmd/custodian
//	go run ./bench/consolebench -cameras 100 -users 200 -duration 60s
//
// With -pprof DIR the server runs with CUSTODIAN_PPROF and GODEBUG=gctrace=1, and each
// phase leaves in DIR the server's block and mutex profiles at its start and end, a CPU
// profile and an execution trace of its middle, a goroutine dump and, at the end, the
// server's log. With -stagger the users start at random moments within their first cycle
// instead of all at once (by default the playback users start, and so keep starting, in
// step).
package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"custodian"
	"custodian/auth"
	"custodian/bench/internal/proc"
	"custodian/live"
)

const password = "Bench-Password-2026!"

func main() {
	proc.Name = "consolebench"
	bin := flag.String("bin", "bin/custodian", "the custodian binary")
	file := flag.String("file", ".cache/media/vtest-h264-2m.mp4", "the cameras' footage")
	cams := flag.Int("cameras", 100, "simulated cameras recorded")
	users := flag.Int("users", 200, "console users in the load phase")
	share := flag.Float64("playback", 0.5, "share of the users who play back footage (the others use the API)")
	liveN := flag.Int("live", 0, "of the playback users, how many watch live view instead")
	duration := flag.Duration("duration", 60*time.Second, "each phase's measured window")
	warmup := flag.Duration("warmup", 40*time.Second, "time for the cameras to connect and the first segments to commit")
	segment := flag.Duration("segment", 15*time.Second, "segment length")
	think := flag.Duration("think", time.Second, "a user's mean pause between actions")
	stagger := flag.Bool("stagger", false, "start each user at a random moment within its first cycle (a playback user's 5 s of reading and pause), instead of all at once; the users then do not move in step")
	profDir := flag.String("pprof", "", "write the server's block, mutex and CPU profiles and an execution trace of each phase to this directory (serve with CUSTODIAN_PPROF)")
	flag.Parse()
	if *cams < 1 || *users < 1 || *share < 0 || *share > 1 || *liveN < 0 {
		proc.Fail("bad flags")
	}
	if _, err := os.Stat(*bin); err != nil {
		proc.Fail("%s is missing: go build -o bin/custodian ./cmd/custodian", *bin)
	}
	host, _ := os.Hostname()
	fmt.Printf("# consolebench on %s: %d CPUs, %s, %s; %d cameras (%s), %d users (%.0f%% playback, %d of them live), %v per phase, think %v\n",
		host, runtime.NumCPU(), runtime.GOOS, runtime.Version(), *cams, filepath.Base(*file), *users, *share*100, *liveN, *duration, *think)

	dir, err := os.MkdirTemp("", "consolebench-")
	if err != nil {
		proc.Fail("%v", err)
	}
	defer os.RemoveAll(dir)
	data := filepath.Join(dir, "data")
	sim := proc.StartSim(*bin, *file, *cams)
	defer sim.Stop()
	proc.Run(*bin, "--data", data, "init")
	proc.Run(*bin, "--data", data, "import", "--allow-source-changes", proc.Registry(dir, sim.Addr, *cams))

	// Accounts: one per user (chief of the whole organisation, with OTP), made with the
	// CLI before the server starts.
	pw := filepath.Join(dir, "password")
	os.WriteFile(pw, []byte(password+"\n"), 0o600)
	// Three more accounts than users: the baseline phase's (live, playback, API).
	n := *users + 3
	secrets := make([]string, n)
	began := time.Now()
	var wg sync.WaitGroup
	sem := make(chan struct{}, runtime.NumCPU())
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			out := proc.Run(*bin, "--data", data, "users", "add", username(i), "--name", fmt.Sprintf("사용자 %d", i),
				"--password-file", pw, "--role", "chief", "--all", "--totp")
			for _, f := range strings.Fields(out) {
				if len(f) == 32 && strings.ToUpper(f) == f {
					secrets[i] = f
				}
			}
			if secrets[i] == "" {
				proc.Fail("no OTP secret in the output of users add:\n%s", out)
			}
		}()
	}
	wg.Wait()
	fmt.Printf("# %d accounts made in %v\n", n, time.Since(began).Round(time.Millisecond))

	web := fmt.Sprintf("127.0.0.1:%d", proc.FreePort())
	mon := fmt.Sprintf("127.0.0.1:%d", proc.FreePort())
	cmd := exec.Command(*bin, "--data", data, "serve", "--listen", web, "--metrics-listen", mon, "--segment", segment.String())
	var prof *profiler
	if *profDir != "" {
		prof = &profiler{dir: *profDir, base: fmt.Sprintf("http://127.0.0.1:%d/debug/pprof/", proc.FreePort())}
		if err := os.MkdirAll(prof.dir, 0o755); err != nil {
			proc.Fail("%v", err)
		}
		cmd.Env = append(os.Environ(), "CUSTODIAN_PPROF="+strings.TrimSuffix(strings.TrimPrefix(prof.base, "http://"), "/debug/pprof/"), "GODEBUG=gctrace=1")
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
		if prof != nil { // the server's log, with the garbage collector's lines (gctrace)
			if b, err := os.ReadFile(logf.Name()); err == nil {
				os.WriteFile(filepath.Join(prof.dir, "serve.log"), b, 0o644)
			}
		}
	}()
	serveStart := time.Now()
	time.Sleep(*warmup)
	if m := proc.Scrape("http://" + mon + "/metrics"); m == nil || m["custodian_camera_up"] < float64(*cams) {
		proc.Fail("after %v, %v of %d cameras record (metrics %v); see %s", *warmup, m["custodian_camera_up"], *cams, m != nil, logf.Name())
	}

	// Log everyone in (each from its own address: the login rate limit is per address).
	clients := make([]*client, n)
	for i := range n {
		clients[i] = newClient("http://"+web, i)
	}
	began = time.Now()
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			clients[i].login(username(i), secrets[i])
		}()
	}
	wg.Wait()
	fmt.Printf("# %d logins in %v (argon2id and TOTP each)\n", n, time.Since(began).Round(time.Millisecond))

	env := &bench{base: "http://" + web, cams: *cams, serveStart: serveStart, think: *think, purpose: "crime"}
	phase := func(name string, cl []*client, nPlay, nLive int) {
		st := newStats()
		ctx, cancel := context.WithTimeout(context.Background(), *duration)
		m0, c0, s0 := proc.Scrape("http://"+mon+"/metrics"), proc.CPUSeconds(cmd.Process.Pid), sim.Counters()
		sc0, me0 := proc.CPUSeconds(sim.Cmd.Process.Pid), proc.CPUSeconds(os.Getpid())
		t0 := time.Now()
		done := prof.phase(name, *duration)
		for i, c := range cl {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if *stagger {
					cycle := *think
					if i < nPlay {
						cycle += 5 * time.Second // 10 s of footage read at twice real time
					}
					select {
					case <-ctx.Done():
						return
					case <-time.After(time.Duration(rand.Int64N(int64(cycle)))):
					}
				}
				switch {
				case i < nLive:
					env.liveUser(ctx, c, st)
				case i < nPlay:
					env.playbackUser(ctx, c, st)
				default:
					env.apiUser(ctx, c, st)
				}
			}()
		}
		wg.Wait()
		cancel()
		el := time.Since(t0).Seconds()
		done()
		// The simulator prints its counters once a second: wait for the next line.
		time.Sleep(1100 * time.Millisecond)
		m1, c1, s1 := proc.Scrape("http://"+mon+"/metrics"), proc.CPUSeconds(cmd.Process.Pid), sim.Counters()
		sc1, me1 := proc.CPUSeconds(sim.Cmd.Process.Pid), proc.CPUSeconds(os.Getpid())
		rec := recording{
			sent: float64(s1[1] - s0[1]), recorded: m1["custodian_camera_frames_total"] - m0["custodian_camera_frames_total"],
			lost:    m1["custodian_camera_rtp_packets_lost_total"] - m0["custodian_camera_rtp_packets_lost_total"],
			dropped: m1["custodian_camera_frames_dropped_total"] - m0["custodian_camera_frames_dropped_total"],
			late:    s1[2] - s0[2], cpu: (c1 - c0) / el, up: m1["custodian_camera_up"], mem: proc.PrivateMiB(cmd.Process.Pid),
			lagMax: m1["lagmax"] * 1000, simCPU: (sc1 - sc0) / el, clientCPU: (me1 - me0) / el,
		}
		st.print(name, len(cl), el, rec)
	}
	// The baseline: one user of each kind, alone with the cameras.
	if *liveN > 0 {
		phase("baseline", clients[:3], 2, 1)
	} else {
		phase("baseline", clients[1:3], 1, 0)
	}
	nPlay := int(float64(*users) * *share)
	phase("load", clients[3:], nPlay, min(*liveN, nPlay))
}

func username(i int) string { return fmt.Sprintf("u%03d", i) }

// client is one user's browser: its own source address and cookie jar.
type client struct {
	base string
	hc   *http.Client
	csrf string
}

func newClient(base string, i int) *client {
	// 127.0.1.1, 127.0.1.2, ...: every user its own address, as on an office network.
	ip := net.IPv4(127, 0, byte(1+i/250), byte(1+i%250))
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: ip}, Timeout: 10 * time.Second}
	jar, _ := cookiejar.New(nil)
	return &client{base: base, hc: &http.Client{Jar: jar, Transport: &http.Transport{DialContext: d.DialContext, MaxIdleConnsPerHost: 4}}}
}

func (c *client) request(ctx context.Context, method, path string, body any) (*http.Response, error) {
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, r)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.csrf != "" && method != "GET" {
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	return c.hc.Do(req)
}

func (c *client) login(user, secret string) {
	code, err := auth.TOTPCode(secret, time.Now())
	if err != nil {
		proc.Fail("%v", err)
	}
	res, err := c.request(context.Background(), "POST", "/api/session", map[string]string{"username": user, "password": password, "totp": code})
	if err != nil {
		proc.Fail("login %s: %v", user, err)
	}
	defer res.Body.Close()
	var out struct{ CSRF string }
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK || json.Unmarshal(b, &out) != nil || out.CSRF == "" {
		proc.Fail("login %s: %d %s", user, res.StatusCode, b)
	}
	c.csrf = out.CSRF
}

type bench struct {
	base       string
	cams       int
	serveStart time.Time
	think      time.Duration
	purpose    string
}

func (b *bench) pause(ctx context.Context) bool {
	d := time.Duration(float64(b.think) * (0.5 + rand.Float64()))
	select {
	case <-ctx.Done():
		return false
	case <-time.After(d):
		return true
	}
}

func (b *bench) camera() string { return fmt.Sprintf("cam%d", 1+rand.IntN(b.cams)) }

// apiUser uses the API as the console's pages do: the dashboard, camera health, a
// camera's timeline, the access log, its own account.
func (b *bench) apiUser(ctx context.Context, c *client, st *stats) {
	for {
		var name, path string
		switch rand.IntN(5) {
		case 0:
			name, path = "GET /api/dashboard", "/api/dashboard"
		case 1:
			name, path = "GET /api/cameras", "/api/cameras"
		case 2:
			name, path = "GET /api/cameras/{c}/timeline", "/api/cameras/"+b.camera()+"/timeline"
		case 3:
			name, path = "GET /api/accesslog", "/api/accesslog?limit=50"
		case 4:
			name, path = "GET /api/me", "/api/me"
		}
		t := time.Now()
		res, err := c.request(ctx, "GET", path, nil)
		if ctx.Err() != nil {
			return
		}
		if err == nil {
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
		}
		st.call(name, time.Since(t), err == nil && res.StatusCode == http.StatusOK)
		if !b.pause(ctx) {
			return
		}
	}
}

// playbackUser opens recorded footage of a random camera at a random recorded time with
// a purpose, reads 10 s of it at twice real time (as a player buffers ahead), and again.
func (b *bench) playbackUser(ctx context.Context, c *client, st *stats) {
	for {
		// A time the recorder has footage for: after its first 10 s, 20 s before now.
		span := time.Since(b.serveStart) - 30*time.Second
		at := b.serveStart.Add(10*time.Second + time.Duration(rand.Int64N(int64(max(span, time.Second))))).In(custodian.KST)
		t := time.Now()
		ok := b.playOnce(ctx, c, at, st, t)
		if ctx.Err() != nil {
			return
		}
		if !ok {
			st.call("playback", time.Since(t), false)
		}
		if !b.pause(ctx) {
			return
		}
	}
}

func (b *bench) playOnce(ctx context.Context, c *client, at time.Time, st *stats, t time.Time) bool {
	res, err := c.request(ctx, "POST", "/api/cameras/"+b.camera()+"/playback",
		map[string]string{"day": at.Format("2006-01-02"), "at": at.Format("15:04:05"), "purpose": b.purpose})
	if err != nil {
		return false
	}
	var out struct {
		MediaURL string `json:"media_url"`
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	st.call("POST /api/cameras/{c}/playback", time.Since(t), res.StatusCode == http.StatusCreated)
	if res.StatusCode != http.StatusCreated || json.Unmarshal(body, &out) != nil {
		return ctx.Err() != nil
	}
	res, err = c.request(ctx, "GET", out.MediaURL, nil)
	if err != nil {
		return false
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return false
	}
	// Boxes until the first mdat: ftyp, moov, moof, mdat.
	var hdr [8]byte
	for {
		if _, err := io.ReadFull(res.Body, hdr[:]); err != nil {
			return false
		}
		size := int64(binary.BigEndian.Uint32(hdr[:4]))
		if _, err := io.CopyN(io.Discard, res.Body, size-8); err != nil {
			return false
		}
		if string(hdr[4:]) == "mdat" {
			break
		}
	}
	st.start("playback", time.Since(t))
	// Then 10 s of footage (2 Mbit/s: 2.5 MB) at twice real time.
	const rate = 2 * 2e6 / 8 // bytes per second
	for sent := 0; sent < 2_500_000; {
		n, err := io.CopyN(io.Discard, res.Body, 64<<10)
		sent += int(n)
		if err != nil {
			return true
		}
		select {
		case <-ctx.Done():
			return true
		case <-time.After(time.Duration(float64(n) / rate * float64(time.Second))):
		}
	}
	return true
}

// liveUser opens live view of a random camera and watches it for 20 s, and again.
func (b *bench) liveUser(ctx context.Context, c *client, st *stats) {
	for {
		t := time.Now()
		cam := b.camera()
		res, err := c.request(ctx, "POST", "/api/live", map[string]any{"cameras": []string{cam}, "purpose": b.purpose})
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			st.call("POST /api/live", time.Since(t), false)
			continue
		}
		var out struct {
			URLs map[string]string `json:"media_urls"`
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		st.call("POST /api/live", time.Since(t), res.StatusCode == http.StatusCreated)
		if res.StatusCode != http.StatusCreated || json.Unmarshal(body, &out) != nil || out.URLs[cam] == "" {
			if !b.pause(ctx) {
				return
			}
			continue
		}
		wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		res, err = c.request(wctx, "GET", out.URLs[cam], nil)
		if err == nil {
			first := true
			for {
				kind, _, err := live.ReadMessage(res.Body)
				if err != nil {
					break
				}
				if first && kind == live.KindFragment {
					first = false
					st.start("live", time.Since(t))
				}
			}
			res.Body.Close()
		}
		cancel()
		if ctx.Err() != nil || !b.pause(ctx) {
			return
		}
	}
}

type stats struct {
	mu     sync.Mutex
	calls  map[string][]time.Duration
	fails  map[string]int
	starts map[string][]time.Duration
}

func newStats() *stats {
	return &stats{calls: map[string][]time.Duration{}, fails: map[string]int{}, starts: map[string][]time.Duration{}}
}

func (s *stats) call(name string, d time.Duration, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !ok {
		s.fails[name]++
		return
	}
	s.calls[name] = append(s.calls[name], d)
}

func (s *stats) start(name string, d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.starts[name] = append(s.starts[name], d)
}

type recording struct {
	sent, recorded, lost, dropped, cpu, up, mem, lagMax float64
	simCPU, clientCPU                                   float64
	late                                                uint64
}

func pct(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	i := int(p / 100 * float64(len(ds)-1))
	return ds[i]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f", float64(d)/float64(time.Millisecond)) }

func (s *stats) print(phase string, users int, el float64, r recording) {
	fmt.Printf("\n## %s: %d user(s), %.0f s\n\n", phase, users, el)
	fmt.Println("| call | requests | req/s | p50 ms | p90 ms | p99 ms | max ms | failed |")
	fmt.Println("|---|---|---|---|---|---|---|---|")
	names := make([]string, 0, len(s.calls))
	for k := range s.calls {
		names = append(names, k)
	}
	for k := range s.fails {
		if _, ok := s.calls[k]; !ok {
			names = append(names, k)
		}
	}
	slices.Sort(names)
	var all []time.Duration
	fails := 0
	for _, k := range names {
		ds := s.calls[k]
		slices.Sort(ds)
		all = append(all, ds...)
		fails += s.fails[k]
		fmt.Printf("| %s | %d | %.1f | %s | %s | %s | %s | %d |\n", k, len(ds), float64(len(ds))/el, ms(pct(ds, 50)), ms(pct(ds, 90)), ms(pct(ds, 99)), ms(pct(ds, 100)), s.fails[k])
	}
	slices.Sort(all)
	fmt.Printf("| **all** | %d | %.1f | %s | %s | %s | %s | %d |\n", len(all), float64(len(all))/el, ms(pct(all, 50)), ms(pct(all, 90)), ms(pct(all, 99)), ms(pct(all, 100)), fails)
	for _, k := range []string{"playback", "live"} {
		ds := s.starts[k]
		if len(ds) == 0 {
			continue
		}
		slices.Sort(ds)
		fmt.Printf("\n%s start (opening request → first whole fragment): %d starts, p50 %s ms, p90 %s ms, p99 %s ms, max %s ms\n",
			k, len(ds), ms(pct(ds, 50)), ms(pct(ds, 90)), ms(pct(ds, 99)), ms(pct(ds, 100)))
	}
	fmt.Printf("\nrecording: %.0f cameras up; frames sent %.0f, recorded %.0f; RTP packets lost %.0f, frames dropped %.0f, late (simulator) %d; commit lag max %.0f ms; serve CPU %.1f%% of one core, %.0f MiB private; camsim CPU %.1f%%, the users (this process) %.1f%%\n",
		r.up, r.sent, r.recorded, r.lost, r.dropped, r.late, r.lagMax, r.cpu*100, r.mem, r.simCPU*100, r.clientCPU*100)
}

// profiler takes the server's profiles during each phase (-pprof): the block and mutex
// profiles at its start and end (compare them with go tool pprof -diff_base), a CPU
// profile of its middle 20 s and an execution trace of its middle half (go tool trace;
// go tool trace -pprof=sync|syscall|sched|net turns it into profiles of where goroutines
// waited).
type profiler struct {
	dir, base string
}

func (p *profiler) get(path, file string) {
	res, err := http.Get(p.base + path)
	if err != nil {
		fmt.Fprintf(os.Stderr, "pprof %s: %v\n", path, err)
		return
	}
	defer res.Body.Close()
	f, err := os.Create(filepath.Join(p.dir, file))
	if err != nil {
		proc.Fail("%v", err)
	}
	defer f.Close()
	io.Copy(f, res.Body)
}

// phase takes the profiles at a phase's start and, in the background, in its middle; the
// function it returns takes the end's and waits for the middle's.
func (p *profiler) phase(name string, d time.Duration) func() {
	if p == nil {
		return func() {}
	}
	p.get("block", name+"-block0.pb.gz")
	p.get("mutex", name+"-mutex0.pb.gz")
	var wg sync.WaitGroup
	wg.Add(2)
	cpu := min(d/2, 20*time.Second)
	go func() {
		defer wg.Done()
		time.Sleep(d/2 - cpu/2)
		p.get(fmt.Sprintf("profile?seconds=%d", int(cpu.Seconds())), name+"-cpu.pb.gz")
	}()
	go func() {
		defer wg.Done()
		time.Sleep(d / 4)
		p.get(fmt.Sprintf("trace?seconds=%d", max(1, int(d.Seconds()/2))), name+"-trace.out")
		p.get("goroutine?debug=2", name+"-goroutines.txt")
	}()
	return func() {
		p.get("block", name+"-block1.pb.gz")
		p.get("mutex", name+"-mutex1.pb.gz")
		wg.Wait()
	}
}
