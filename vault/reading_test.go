package vault_test

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"custodian/vault"
)

// Whole-segment reads (decryption and hashing) are admitted as many at a time as there are
// processors; one more waits for a slot, then reads the footage whole.
func TestWholeSegmentReadsWaitTheirTurn(t *testing.T) {
	e := newEnv(t)
	data := randomBytes(1 << 20)
	s := e.write("cam1", day0, data)
	n, release := vault.TakeReadingSlots()
	done := make(chan error, 1)
	go func() {
		got, err := e.read(*s)
		if err == nil && !bytes.Equal(got, data) {
			err = errors.New("the footage read differs from what was written")
		}
		done <- err
	}()
	// With every slot taken the read must not go ahead, however long it is given (here a
	// moment: it takes a few milliseconds when it is let through).
	select {
	case err := <-done:
		release()
		t.Fatalf("a whole-segment read went ahead while all %d slots were taken (err %v)", n, err)
	case <-time.After(300 * time.Millisecond):
	}
	release()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
