package greptimetest

import (
	"encoding/binary"
	"io"
	"net"
	"testing"
	"time"
)

// TestFlowControlWindows checks the HTTP/2 flow-control windows the server
// grants, as GreptimeDB's tonic server does with hyper's defaults: an
// INITIAL_WINDOW_SIZE setting of 1 MiB for streams, and the connection
// window raised to 1 MiB by a WINDOW_UPDATE on stream 0 (RFC 9113 §6.5.2,
// §6.9.2: the connection window starts at 65,535 and only WINDOW_UPDATE
// changes it). Frames are read by hand: the test needs two of them.
func TestFlowControlWindows(t *testing.T) {
	for _, load := range []bool{false, true} {
		s := StartT(t, Options{Load: load})
		conn, err := net.DialTimeout("tcp", s.Addr(), 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if err := conn.SetDeadline(time.Now().Add(10 * time.Second)); err != nil {
			t.Fatal(err)
		}
		// The client preface and an empty SETTINGS frame.
		if _, err := conn.Write(append([]byte("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), 0, 0, 0, 4, 0, 0, 0, 0, 0)); err != nil {
			t.Fatal(err)
		}
		var streamWindow, connIncrement uint32
		// The server's SETTINGS and WINDOW_UPDATE come before its
		// acknowledgement of the client's SETTINGS, which ends the read.
		var sawSettings, sawUpdate, acked bool
		for !acked {
			var h [9]byte
			if _, err := io.ReadFull(conn, h[:]); err != nil {
				t.Fatalf("load=%v: reading frames: %v", load, err)
			}
			n := int(h[0])<<16 | int(h[1])<<8 | int(h[2])
			typ, flags, stream := h[3], h[4], binary.BigEndian.Uint32(h[5:])&0x7fffffff
			p := make([]byte, n)
			if _, err := io.ReadFull(conn, p); err != nil {
				t.Fatal(err)
			}
			switch {
			case typ == 0x4 && flags&0x1 != 0: // SETTINGS ACK
				acked = true
			case typ == 0x4: // SETTINGS
				sawSettings = true
				for i := 0; i+6 <= len(p); i += 6 {
					if binary.BigEndian.Uint16(p[i:]) == 0x4 { // SETTINGS_INITIAL_WINDOW_SIZE
						streamWindow = binary.BigEndian.Uint32(p[i+2:])
					}
				}
			case typ == 0x8 && stream == 0 && n == 4: // WINDOW_UPDATE of the connection
				sawUpdate = true
				connIncrement = binary.BigEndian.Uint32(p) & 0x7fffffff
			}
		}
		if !sawSettings || !sawUpdate {
			t.Fatalf("load=%v: before the acknowledgement: SETTINGS %v, connection WINDOW_UPDATE %v", load, sawSettings, sawUpdate)
		}
		if streamWindow != 1<<20 {
			t.Errorf("load=%v: INITIAL_WINDOW_SIZE %d, want %d", load, streamWindow, 1<<20)
		}
		if got, want := connIncrement+65535, uint32(1<<20); got != want {
			t.Errorf("load=%v: connection window %d, want %d", load, got, want)
		}
	}
}
