// Package datadir creates and opens Custodian's data directory:
//
//	custodian-data/
//	  custodian.db        the embedded SQLite database (registry, policy versions, ...)
//	  keys/master.key     the master key that wraps every footage data key (0600)
//	  keys/signing.key    the Ed25519 key that signs access-log checkpoints and exports (0600)
//	  keys/signing.pub    its public key, to give to whoever verifies (0644)
//
// The directory is created by `custodian init`, which never overwrites an existing one.
// See docs/OPERATIONS.md for backing up the keys apart from the data.
package datadir

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"custodian"
)

// File names inside the data directory.
const (
	DBFile         = "custodian.db"
	KeysDir        = "keys"
	MasterKeyFile  = "keys/master.key"
	SigningKeyFile = "keys/signing.key"
	SigningPubFile = "keys/signing.pub"
)

// EnvVar names the environment variable that sets the data directory.
const EnvVar = "CUSTODIAN_DATA"

// DefaultPath is the data directory when neither --data nor CUSTODIAN_DATA is given.
const DefaultPath = "./custodian-data"

// Dir is an initialised data directory.
type Dir struct {
	Path string
}

// DBPath returns the path of the SQLite database.
func (d *Dir) DBPath() string { return filepath.Join(d.Path, DBFile) }

// File returns the path of a file in the directory.
func (d *Dir) File(name string) string { return filepath.Join(d.Path, filepath.FromSlash(name)) }

// Init creates a data directory at path with a new master key and signing key. The
// database itself is created by the storage adapter on first open. Init refuses, changing
// nothing, when path exists and is not an empty directory.
func Init(path string) (*Dir, error) {
	if path == "" {
		return nil, custodian.Errorf(custodian.EINVALID, "데이터 디렉터리 경로가 비어 있습니다", "the data directory path is empty")
	}
	entries, err := os.ReadDir(path)
	switch {
	case err == nil && len(entries) > 0:
		return nil, custodian.Errorf(custodian.ECONFLICT,
			"%s에 이미 파일이 있어 초기화하지 않습니다; 기존 데이터 디렉터리를 덮어쓰지 않습니다",
			"%s already exists and is not empty; refusing to overwrite an existing data directory", path)
	case err != nil && errors.Is(err, fs.ErrNotExist):
		if err := os.MkdirAll(path, 0o700); err != nil {
			return nil, custodian.Errorf(custodian.EINVALID, "디렉터리 %s를 만들 수 없습니다: %w", "cannot create directory %s: %w", path, err)
		}
	case err != nil:
		return nil, custodian.Errorf(custodian.EINVALID, "%s를 읽을 수 없습니다: %w", "cannot read %s: %w", path, err)
	}
	d := &Dir{Path: path}
	if err := d.create(); err != nil {
		// Leave nothing half made: remove only what this call created.
		for _, f := range []string{SigningPubFile, SigningKeyFile, MasterKeyFile} {
			os.Remove(d.File(f))
		}
		os.Remove(d.File(KeysDir))
		return nil, err
	}
	return d, nil
}

func (d *Dir) create() error {
	if err := os.Mkdir(d.File(KeysDir), 0o700); err != nil {
		return err
	}
	master := make([]byte, 32)
	if _, err := rand.Read(master); err != nil {
		return err
	}
	if err := writeNew(d.File(MasterKeyFile), []byte(EncodeMasterKey(master)), 0o600); err != nil {
		return err
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return err
	}
	if err := writeNew(d.File(SigningKeyFile), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		return err
	}
	pder, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return err
	}
	if err := writeNew(d.File(SigningPubFile), pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pder}), 0o644); err != nil {
		return err
	}
	return syncDir(d.File(KeysDir))
}

// writeNew creates name (failing if it exists), writes data and fsyncs it.
func writeNew(name string, data []byte, mode os.FileMode) error {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func syncDir(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

const masterKeyTag = "custodian-master-key-v1"

// KeyID returns the short identifier of a master key: the first 8 bytes of its SHA-256, hex.
func KeyID(key []byte) string {
	h := sha256.Sum256(key)
	return hex.EncodeToString(h[:8])
}

// EncodeMasterKey returns the text of a master key file.
func EncodeMasterKey(key []byte) string {
	return "# Custodian master key. Keep a copy apart from the data (docs/OPERATIONS.md).\n" +
		"# Losing it makes all recorded footage unreadable; anyone holding it and the data can read the footage.\n" +
		masterKeyTag + " " + KeyID(key) + " " + base64.StdEncoding.EncodeToString(key) + "\n"
}

// DecodeMasterKey parses the text of a master key file and checks its identifier.
func DecodeMasterKey(text string) ([]byte, error) {
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 3 || f[0] != masterKeyTag {
			break
		}
		key, err := base64.StdEncoding.DecodeString(f[2])
		if err != nil || len(key) != 32 || KeyID(key) != f[1] {
			break
		}
		return key, nil
	}
	return nil, custodian.Errorf(custodian.EINVALID, "마스터 키 파일 형식이 올바르지 않거나 손상되었습니다", "the master key file is malformed or damaged")
}

// Open opens an initialised data directory.
func Open(path string) (*Dir, error) {
	d := &Dir{Path: path}
	st, err := os.Stat(path)
	if err != nil || !st.IsDir() {
		return nil, custodian.Errorf(custodian.ENOTFOUND,
			"데이터 디렉터리 %s가 없습니다. 먼저 'custodian init'을 실행하십시오 (--data 또는 %s로 위치를 지정할 수 있습니다)",
			"no data directory at %s; run 'custodian init' first (set its location with --data or %s)", path, EnvVar)
	}
	for _, f := range []string{MasterKeyFile, SigningKeyFile} {
		st, err := os.Stat(d.File(f))
		if err != nil {
			return nil, custodian.Errorf(custodian.ENOTFOUND,
				"%s가 초기화된 데이터 디렉터리가 아닙니다: %s가 없습니다",
				"%s is not an initialised data directory: %s is missing", path, f)
		}
		if st.Mode().Perm()&0o077 != 0 {
			return nil, custodian.Errorf(custodian.EINVALID,
				"키 파일 %s의 권한이 %v입니다; 소유자만 읽을 수 있어야 합니다 (chmod 600)",
				"key file %s has mode %v; only its owner may read it (chmod 600)", d.File(f), st.Mode().Perm())
		}
	}
	return d, nil
}

// MasterKey reads the master key.
func (d *Dir) MasterKey() ([]byte, error) {
	b, err := os.ReadFile(d.File(MasterKeyFile))
	if err != nil {
		return nil, err
	}
	return DecodeMasterKey(string(b))
}

// SigningKey reads the Ed25519 signing key.
func (d *Dir) SigningKey() (ed25519.PrivateKey, error) {
	b, err := os.ReadFile(d.File(SigningKeyFile))
	if err != nil {
		return nil, err
	}
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "PRIVATE KEY" {
		return nil, custodian.Errorf(custodian.EINVALID, "서명 키 파일 형식이 올바르지 않습니다", "the signing key file is malformed")
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, custodian.Errorf(custodian.EINVALID, "서명 키를 읽을 수 없습니다: %w", "cannot parse the signing key: %w", err)
	}
	priv, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, custodian.Errorf(custodian.EINVALID, "서명 키가 Ed25519 키가 아닙니다", "the signing key is not an Ed25519 key")
	}
	return priv, nil
}

// String returns the directory's path.
func (d *Dir) String() string { return fmt.Sprint(d.Path) }
