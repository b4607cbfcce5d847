package greptimetest

// PendingFaults returns how many failures injected with FailNext have not
// happened yet, so a test can wait for its faults to be used up instead of
// guessing how long that takes.
func (s *Server) PendingFaults() int {
	s.fmu.Lock()
	defer s.fmu.Unlock()
	n := 0
	for _, pf := range s.faults {
		n += pf.n
	}
	return n
}
