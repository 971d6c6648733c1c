package auditlog

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/hex"
	"time"

	"custodian"
)

// CheckpointJSON is a checkpoint's one JSON shape: in an export (with "type"), in
// 'audit checkpoints --json' and GET /api/audit/checkpoints. Text is the signed line
// itself; the other fields are what it says.
type CheckpointJSON struct {
	Type      string    `json:"type,omitempty"`
	Seq       uint64    `json:"seq"`
	Hash      string    `json:"hash"`
	Time      time.Time `json:"time"`
	Signature string    `json:"signature"`
	Text      string    `json:"text"`
}

// JSON returns the checkpoint's JSON shape.
func (c Checkpoint) JSON() CheckpointJSON {
	return CheckpointJSON{Seq: c.Seq, Hash: hex.EncodeToString(c.Hash[:]), Time: c.Time,
		Signature: base64.StdEncoding.EncodeToString(c.Signature), Text: c.String()}
}

// MaxListed bounds the checkpoints one ListCheckpoints returns; More says there are more
// (ask again with Since set to the last one's seq).
const MaxListed = 10000

// CheckpointList is what is published for keeping off the machine: the signed
// checkpoints after a seq, oldest first, and the key that verifies them. A witness that
// keeps every list it fetched can later show that the log was cut short or rewritten
// ('custodian audit verify --witness FILE').
type CheckpointList struct {
	PublicKey   string           `json:"public_key"` // the Ed25519 public key, base64 (keys/signing.pub holds it as PEM)
	Since       uint64           `json:"since"`
	Checkpoints []CheckpointJSON `json:"checkpoints"`
	More        bool             `json:"more"`
}

// ListCheckpoints returns the checkpoints in dir's checkpoints.log with a seq above since
// whose signature is pub's, oldest first (at most MaxListed).
func ListCheckpoints(dir string, pub ed25519.PublicKey, since uint64) (*CheckpointList, error) {
	if len(pub) != ed25519.PublicKeySize {
		return nil, custodian.Errorf(custodian.EINVALID, "공개 키가 Ed25519 키가 아닙니다", "the public key is not an Ed25519 key")
	}
	out := &CheckpointList{PublicKey: base64.StdEncoding.EncodeToString(pub), Since: since, Checkpoints: []CheckpointJSON{}}
	s, err := takeSnapshot(dir, true)
	if custodian.ErrorCode(err) == custodian.ENOTFOUND {
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	lines, _ := parseCheckpointFile(s.cps)
	for _, l := range lines {
		if l.err != nil || l.cp.Seq <= since || !l.cp.Valid(pub) {
			continue
		}
		if len(out.Checkpoints) == MaxListed {
			out.More = true
			break
		}
		out.Checkpoints = append(out.Checkpoints, l.cp.JSON())
	}
	return out, nil
}
