package retention

import "context"

// StepLater returns one deletion step of a run that began now, to be taken later: what the
// run's rules did not see when it began (a request filed since) must hold a record too.
func (s *Service) StepLater(ctx context.Context) (func(due []string) (int, error), error) {
	r, err := s.rules(ctx)
	return func(due []string) (int, error) { return s.delete(ctx, due, r) }, err
}

// PersonsRequesting is personsRequesting: the records held by the persons of open requests.
var PersonsRequesting = personsRequesting
