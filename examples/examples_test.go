package examples_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"custodian/examples"
	"custodian/publish"
	"custodian/yaml"
)

// seeds maps each example to the seed whose facts its policy must state.
var seeds = map[string]string{
	"000-goyang-ilsan-post.yaml":    "000",
	"001-guro-shinhyup.yaml":        "001",
	"003-moel-customer-centre.yaml": "003",
}

func python(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/python3", "python3"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	t.Fatal("python3 is needed to run check-facts; run scripts/setup.sh")
	return ""
}

// TestSeedFacts renders each seed example's policy to Markdown and runs check-facts on it:
// every fact of the seed must be present.
func TestSeedFacts(t *testing.T) {
	py := python(t)
	dir := t.TempDir()
	for file, seed := range seeds {
		t.Run(seed, func(t *testing.T) {
			data, err := examples.FS.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			r, err := yaml.Load(file, data)
			if err != nil {
				t.Fatal(err)
			}
			md := filepath.Join(dir, seed+".md")
			if err := os.WriteFile(md, []byte(publish.Markdown(publish.Policy(r, publish.PolicyOptions{}))), 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(py, filepath.Join("testdata", "check-facts"), filepath.Join("testdata", "facts", seed+".txt"), md).CombinedOutput()
			if err != nil {
				t.Fatalf("check-facts %s: %v\n%s", seed, err, out)
			}
			if !bytes.Contains(out, []byte("facts present")) {
				t.Fatalf("unexpected check-facts output: %s", out)
			}
			t.Logf("%s: %s", seed, strings.TrimSpace(string(out)))
		})
	}
}

// TestCheckFactsCanFail makes sure the check is real: a policy missing a fact fails.
func TestCheckFactsCanFail(t *testing.T) {
	py := python(t)
	md := filepath.Join(t.TempDir(), "empty.md")
	os.WriteFile(md, []byte("# 빈 방침\n"), 0o644)
	out, err := exec.Command(py, filepath.Join("testdata", "check-facts"), filepath.Join("testdata", "facts", "003.txt"), md).CombinedOutput()
	if err == nil || !bytes.Contains(out, []byte("missing:")) {
		t.Fatalf("check-facts passed an empty policy: %s", out)
	}
}

// TestVendoredFactsMatchShared fails when the copies in testdata differ from the steering
// repository's shared/ beside the project, where that exists.
func TestVendoredFactsMatchShared(t *testing.T) {
	shared := filepath.Join("..", "..", "shared")
	if _, err := os.Stat(shared); err != nil {
		t.Logf("no %s beside the project (a fresh clone elsewhere); using the vendored copies", shared)
		return
	}
	pairs := map[string]string{filepath.Join("testdata", "check-facts"): filepath.Join(shared, "tools", "check-facts")}
	for _, seed := range seeds {
		pairs[filepath.Join("testdata", "facts", seed+".txt")] = filepath.Join(shared, "seeds", "facts", seed+".txt")
	}
	for mine, theirs := range pairs {
		a, err1 := os.ReadFile(mine)
		b, err2 := os.ReadFile(theirs)
		if err1 != nil || err2 != nil {
			t.Fatalf("%v %v", err1, err2)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s differs from %s: copy it again", mine, theirs)
		}
	}
}

// TestEveryExampleLoads loads every embedded example.
func TestEveryExampleLoads(t *testing.T) {
	entries, err := examples.FS.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) < 5 {
		t.Errorf("%d examples; want at least the three seeds and the district and institution kinds", len(entries))
	}
	for _, e := range entries {
		data, _ := examples.FS.ReadFile(e.Name())
		if _, err := yaml.Load(e.Name(), data); err != nil {
			t.Errorf("%s: %v", e.Name(), err)
		}
	}
	if _, err := examples.FS.ReadFile(examples.Demo); err != nil {
		t.Errorf("the demo example %s is missing", examples.Demo)
	}
}
