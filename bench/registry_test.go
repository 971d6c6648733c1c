package bench

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"

	"custodian/pdf"
	"custodian/publish"
	"custodian/sqlite"
	"custodian/yaml"

	yamlv3 "gopkg.in/yaml.v3"
)

const (
	benchSites   = 300
	benchCameras = 5000
)

func TestOrganisationIsValid(t *testing.T) {
	r := Organisation(benchSites, benchCameras)
	if err := r.Validate(); err != nil {
		t.Fatal(err)
	}
	if n := r.Index().Total(); n != benchCameras {
		t.Fatalf("%d cameras", n)
	}
}

func registryYAML(b *testing.B) []byte {
	data, err := yaml.Encode(Organisation(benchSites, benchCameras))
	if err != nil {
		b.Fatal(err)
	}
	return data
}

// BenchmarkImport is `custodian import` of the generated organisation: strict parse,
// validation and the transaction that stores the revision and rebuilds the tables.
func BenchmarkImport(b *testing.B) {
	data := registryYAML(b)
	db, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "c.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r, err := yaml.Load("bench.yaml", data)
		if err != nil {
			b.Fatal(err)
		}
		r.Organisation.Phone = string(rune('0' + i%10)) // a new revision every time
		if _, err := db.SaveRegistry(context.Background(), r, "bench.yaml"); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(benchCameras)*float64(b.N)/b.Elapsed().Seconds(), "cameras/s")
}

// BenchmarkImportBaselineParse is the baseline for BenchmarkImport: parsing the same bytes
// with yaml.v3 into generic maps, with no checks, positions or storage.
func BenchmarkImportBaselineParse(b *testing.B) {
	data := registryYAML(b)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		var v map[string]any
		if err := yamlv3.Unmarshal(data, &v); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoad is the strict parse and validation alone, without storage.
func BenchmarkLoad(b *testing.B) {
	data := registryYAML(b)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := yaml.Load("bench.yaml", data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkRenderMarkdown(b *testing.B) {
	r := Organisation(benchSites, benchCameras)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		md := publish.Markdown(publish.Policy(r, publish.PolicyOptions{}))
		b.SetBytes(int64(len(md)))
	}
}

func BenchmarkRenderHTML(b *testing.B) {
	r := Organisation(benchSites, benchCameras)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		h, err := publish.HTML(publish.Policy(r, publish.PolicyOptions{}))
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(len(h)))
	}
}

func BenchmarkRenderPDF(b *testing.B) {
	r := Organisation(benchSites, benchCameras)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p, err := pdf.Policy(publish.Policy(r, publish.PolicyOptions{}), pdf.Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(len(p)))
	}
}

// BenchmarkRenderBaselineJSON is the baseline for the renderers: serialising the same
// registry to JSON, the least work that writes all of it out.
func BenchmarkRenderBaselineJSON(b *testing.B) {
	r := Organisation(benchSites, benchCameras)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		j, err := json.Marshal(r)
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(len(j)))
	}
}
