package greptimetest

import (
	"context"
	"testing"

	"google.golang.org/grpc/codes"
)

func TestPendingFaultsCountsDown(t *testing.T) {
	s, err := Start(Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	s.FailNext(2, Fault{Method: "Handle", Code: codes.Unavailable})
	s.FailNext(1, Fault{Method: "DoPut", Code: codes.Unavailable})
	if n := s.PendingFaults(); n != 3 {
		t.Fatalf("%d pending, want 3", n)
	}
	for want := 2; want >= 1; want-- {
		if err := s.beginCall(context.Background(), "Handle"); err == nil {
			t.Fatal("an injected fault did not fail the call")
		}
		if n := s.PendingFaults(); n != want {
			t.Fatalf("%d pending, want %d", n, want)
		}
	}
	if err := s.beginCall(context.Background(), "Handle"); err != nil {
		t.Fatalf("a Handle call failed with only a DoPut fault left: %v", err)
	}
	if n := s.PendingFaults(); n != 1 {
		t.Fatalf("%d pending, want the DoPut fault", n)
	}
}
