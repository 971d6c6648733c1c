package auditlog

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"custodian"
)

// CheckpointsFile is the name of the file of signed checkpoints in a log directory.
const CheckpointsFile = "checkpoints.log"

// checkpointTag begins the text form of a checkpoint and its signed message.
const checkpointTag = "custodian-audit-checkpoint-v1"

// Checkpoint is a signed statement "the log's record Seq has hash Hash", made at Time.
// Seq 0 with a zero hash is the empty log. A checkpoint kept apart from the log (exported)
// lets Verify detect a log that was cut short or rewritten since.
//
// Its text form is one line:
//
//	custodian-audit-checkpoint-v1 SEQ HASH-HEX TIME-RFC3339NANO SIGNATURE-BASE64
type Checkpoint struct {
	Seq       uint64
	Hash      [32]byte
	Time      time.Time
	Signature []byte
}

// message returns the signed bytes: the tag, a newline, seq, hash and time (Unix ns),
// integers big-endian.
func (c Checkpoint) message() []byte {
	m := make([]byte, 0, len(checkpointTag)+1+8+32+8)
	m = append(m, checkpointTag...)
	m = append(m, '\n')
	m = binary.BigEndian.AppendUint64(m, c.Seq)
	m = append(m, c.Hash[:]...)
	m = binary.BigEndian.AppendUint64(m, uint64(c.Time.UnixNano()))
	return m
}

func signCheckpoint(key ed25519.PrivateKey, seq uint64, hash [32]byte, t time.Time) Checkpoint {
	c := Checkpoint{Seq: seq, Hash: hash, Time: time.Unix(0, t.UnixNano()).In(custodian.KST)}
	c.Signature = ed25519.Sign(key, c.message())
	return c
}

// Valid reports whether the checkpoint's signature is pub's.
func (c Checkpoint) Valid(pub ed25519.PublicKey) bool {
	return len(pub) == ed25519.PublicKeySize && len(c.Signature) == ed25519.SignatureSize &&
		ed25519.Verify(pub, c.message(), c.Signature)
}

// MarshalText returns the one-line text form, or nothing for the zero Checkpoint.
func (c Checkpoint) MarshalText() ([]byte, error) {
	if c.Signature == nil && c.Time.IsZero() {
		return []byte{}, nil
	}
	return []byte(c.String()), nil
}

// String returns the one-line text form.
func (c Checkpoint) String() string {
	return checkpointTag + " " + strconv.FormatUint(c.Seq, 10) + " " + hex.EncodeToString(c.Hash[:]) + " " +
		c.Time.In(custodian.KST).Format(time.RFC3339Nano) + " " + base64.StdEncoding.EncodeToString(c.Signature)
}

// UnmarshalText parses the one-line text form (surrounding space is ignored).
func (c *Checkpoint) UnmarshalText(text []byte) error {
	bad := func(what string) error {
		return custodian.Errorf(custodian.EINVALID, "체크포인트 형식이 올바르지 않습니다 (%s)", "malformed checkpoint (%s)", what)
	}
	f := strings.Fields(string(text))
	if len(f) != 5 || f[0] != checkpointTag {
		return bad("expected: " + checkpointTag + " SEQ HASH TIME SIGNATURE")
	}
	seq, err := strconv.ParseUint(f[1], 10, 64)
	if err != nil || strconv.FormatUint(seq, 10) != f[1] {
		return bad("sequence number")
	}
	h, err := hex.DecodeString(f[2])
	if err != nil || len(h) != 32 || hex.EncodeToString(h) != f[2] {
		return bad("hash")
	}
	t, err := time.Parse(time.RFC3339Nano, f[3])
	if err != nil || !timeInRange(t) {
		return bad("time")
	}
	sig, err := base64.StdEncoding.DecodeString(f[4])
	if err != nil || len(sig) != ed25519.SignatureSize {
		return bad("signature")
	}
	*c = Checkpoint{Seq: seq, Time: t.In(custodian.KST), Signature: sig}
	copy(c.Hash[:], h)
	return nil
}

// ParseCheckpoints reads checkpoints from text: lines in the text form, and JSON holding
// them as strings — an export's lines ({"type":"checkpoint",...,"text":"..."}), the
// output of 'audit checkpoints --json' and GET /api/audit/checkpoints, compact or
// indented. Lines without a checkpoint are ignored; one that holds the start of a
// checkpoint that does not parse is an error.
func ParseCheckpoints(data []byte) ([]Checkpoint, error) {
	var out []Checkpoint
	for i, line := range bytes.Split(data, []byte("\n")) {
		j := bytes.Index(line, []byte(checkpointTag))
		if j < 0 {
			continue
		}
		quoted := j > 0 && line[j-1] == '"'
		line = line[j:]
		if quoted {
			k := bytes.IndexByte(line, '"')
			if k < 0 {
				return nil, custodian.Errorf(custodian.EINVALID, "%d번째 줄: 체크포인트를 읽을 수 없습니다", "line %d: cannot read the checkpoint", i+1)
			}
			line = line[:k]
		}
		var c Checkpoint
		if err := c.UnmarshalText(line); err != nil {
			return nil, fmt.Errorf("%d: %w", i+1, err)
		}
		out = append(out, c)
	}
	return out, nil
}

// cpLine is a line of checkpoints.log.
type cpLine struct {
	cp     Checkpoint
	off    int64 // byte offset of the line
	err    error // the line does not parse
	line   string
	source string // CheckpointsFile, or "" for an exported checkpoint
}

// parseCheckpointFile splits checkpoints.log; a last line without a newline is torn.
func parseCheckpointFile(data []byte) (lines []cpLine, torn int) {
	off := 0
	for off < len(data) {
		i := bytes.IndexByte(data[off:], '\n')
		if i < 0 {
			return lines, len(data) - off
		}
		raw := data[off : off+i]
		l := cpLine{off: int64(off), line: string(raw), source: CheckpointsFile}
		if len(bytes.TrimSpace(raw)) > 0 {
			l.err = l.cp.UnmarshalText(raw)
			lines = append(lines, l)
		}
		off += i + 1
	}
	return lines, 0
}
