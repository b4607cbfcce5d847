package greptimetest

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow/flight"
	flightpb "github.com/apache/arrow-go/v18/arrow/flight/gen/flight"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// flightUnimplemented answers every Flight method but DoPut and DoGet as
// GreptimeDB's FlightCraftWrapper does: Unimplemented "Not yet implemented"
// (servers/src/grpc/flight.rs).
type flightUnimplemented struct {
	flightpb.UnimplementedFlightServiceServer
}

func flightNotYet() error { return status.Error(codes.Unimplemented, "Not yet implemented") }

// Handshake is not implemented by GreptimeDB.
func (flightUnimplemented) Handshake(flight.FlightService_HandshakeServer) error {
	return flightNotYet()
}

// ListFlights is not implemented by GreptimeDB.
func (flightUnimplemented) ListFlights(*flight.Criteria, flight.FlightService_ListFlightsServer) error {
	return flightNotYet()
}

// GetFlightInfo is not implemented by GreptimeDB.
func (flightUnimplemented) GetFlightInfo(context.Context, *flight.FlightDescriptor) (*flight.FlightInfo, error) {
	return nil, flightNotYet()
}

// PollFlightInfo is not implemented by GreptimeDB.
func (flightUnimplemented) PollFlightInfo(context.Context, *flight.FlightDescriptor) (*flight.PollInfo, error) {
	return nil, flightNotYet()
}

// GetSchema is not implemented by GreptimeDB.
func (flightUnimplemented) GetSchema(context.Context, *flight.FlightDescriptor) (*flight.SchemaResult, error) {
	return nil, flightNotYet()
}

// DoExchange is not implemented by GreptimeDB.
func (flightUnimplemented) DoExchange(flight.FlightService_DoExchangeServer) error {
	return flightNotYet()
}

// DoAction is not implemented by GreptimeDB.
func (flightUnimplemented) DoAction(*flight.Action, flight.FlightService_DoActionServer) error {
	return flightNotYet()
}

// ListActions is not implemented by GreptimeDB.
func (flightUnimplemented) ListActions(*flight.Empty, flight.FlightService_ListActionsServer) error {
	return flightNotYet()
}
