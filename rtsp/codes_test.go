package rtsp_test

import (
	"context"
	"errors"
	"net"
	"sync"
	"testing"
	"time"

	"custodian"
	"custodian/rtsp"
)

// A camera that does not answer, refuses the connection or stops sending is unavailable
// (try again), not bad input; a cancelled request keeps its cause.
func TestUnreachableCameraIsUnavailable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	defer func() {
		l.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	}()
	silent := "rtsp://" + l.Addr().String() + "/x"
	c, err := rtsp.Dial(context.Background(), silent, rtsp.ClientConfig{Timeout: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Describe(context.Background())
	c.Close()
	if code := custodian.ErrorCode(err); code != custodian.EUNAVAILABLE {
		t.Errorf("silent camera: code %q (%v)", code, err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	c, err = rtsp.Dial(context.Background(), silent, rtsp.ClientConfig{Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	time.AfterFunc(50*time.Millisecond, cancel)
	_, err = c.Options(ctx)
	c.Close()
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v does not wrap context.Canceled", err)
	}

	// Nothing listening.
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := closed.Addr().String()
	closed.Close()
	c, err = rtsp.Dial(context.Background(), "rtsp://"+addr+"/x", rtsp.ClientConfig{Timeout: time.Second})
	if err == nil {
		_, err = c.Describe(context.Background())
		c.Close()
	}
	if code := custodian.ErrorCode(err); code != custodian.EUNAVAILABLE {
		t.Errorf("refused connection: code %q (%v)", code, err)
	}

	// A camera that stops sending media.
	h := &handler{sdp: []byte(testSDP), pkts: packets(3), interval: time.Millisecond, stopAt: 3}
	u, _ := serve(t, &rtsp.Server{Handler: h})
	cl, _, _ := session(t, u, rtsp.ClientConfig{Timeout: 200 * time.Millisecond})
	for range 3 {
		if _, _, err := cl.ReadPacket(); err != nil {
			t.Fatal(err)
		}
	}
	_, _, err = cl.ReadPacket()
	if code := custodian.ErrorCode(err); code != custodian.EUNAVAILABLE {
		t.Errorf("stalled camera: code %q (%v)", code, err)
	}
}
