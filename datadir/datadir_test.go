package datadir_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"custodian"
	"custodian/datadir"
)

func TestInitCreatesKeysWithPrivateModes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data")
	d, err := datadir.Init(path)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]os.FileMode{datadir.MasterKeyFile: 0o600, datadir.SigningKeyFile: 0o600, datadir.SigningPubFile: 0o644, datadir.KeysDir: 0o700} {
		st, err := os.Stat(d.File(name))
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != want {
			t.Errorf("%s: mode %v, want %v", name, st.Mode().Perm(), want)
		}
	}
	key, err := d.MasterKey()
	if err != nil || len(key) != 32 {
		t.Fatalf("master key: %v", err)
	}
	priv, err := d.SigningKey()
	if err != nil || len(priv) != 64 {
		t.Fatalf("signing key: %v", err)
	}
	if _, err := datadir.Open(path); err != nil {
		t.Fatal(err)
	}
}

func TestInitRefusesExisting(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data")
	d, err := datadir.Init(path)
	if err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(d.File(datadir.MasterKeyFile))
	_, err = datadir.Init(path)
	if custodian.ErrorCode(err) != custodian.ECONFLICT || !strings.Contains(err.Error(), "refusing to overwrite") {
		t.Fatalf("second init: %v", err)
	}
	after, _ := os.ReadFile(d.File(datadir.MasterKeyFile))
	if string(before) != string(after) {
		t.Fatal("the master key changed")
	}
	// A non-empty directory that is not a data directory is refused too.
	other := t.TempDir()
	os.WriteFile(filepath.Join(other, "notes.txt"), []byte("x"), 0o644)
	if _, err := datadir.Init(other); custodian.ErrorCode(err) != custodian.ECONFLICT {
		t.Fatalf("non-empty dir: %v", err)
	}
	// An empty existing directory is fine.
	if _, err := datadir.Init(t.TempDir()); err != nil {
		t.Fatalf("empty dir: %v", err)
	}
}

func TestOpenErrors(t *testing.T) {
	if _, err := datadir.Open(filepath.Join(t.TempDir(), "missing")); custodian.ErrorCode(err) != custodian.ENOTFOUND || !strings.Contains(err.Error(), "custodian init") {
		t.Fatalf("missing dir: %v", err)
	}
	if _, err := datadir.Open(t.TempDir()); custodian.ErrorCode(err) != custodian.ENOTFOUND {
		t.Fatalf("uninitialised dir: %v", err)
	}
	path := filepath.Join(t.TempDir(), "data")
	d, err := datadir.Init(path)
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(d.File(datadir.MasterKeyFile), 0o644)
	if _, err := datadir.Open(path); custodian.ErrorCode(err) != custodian.EINVALID || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("world-readable key: %v", err)
	}
}

func TestMasterKeyFormat(t *testing.T) {
	key := make([]byte, 32)
	for i := range key {
		key[i] = byte(i)
	}
	text := datadir.EncodeMasterKey(key)
	got, err := datadir.DecodeMasterKey(text)
	if err != nil || string(got) != string(key) {
		t.Fatalf("round trip: %v", err)
	}
	// A damaged key (one base64 letter changed) no longer matches its ID.
	i := strings.LastIndex(text, " ") + 3
	damaged := text[:i] + string(rune(text[i]^1)) + text[i+1:]
	if _, err := datadir.DecodeMasterKey(damaged); custodian.ErrorCode(err) != custodian.EINVALID {
		t.Fatalf("damaged key accepted: %v", err)
	}
	if _, err := datadir.DecodeMasterKey("garbage"); err == nil {
		t.Fatal("garbage accepted")
	}
}
