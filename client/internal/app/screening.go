package app

import (
	"context"
	"time"

	"github.com/vermerk/vermerk/client/internal/api"
)

// ScreenDelay is how long the form waits after the last keystroke before it screens.
const ScreenDelay = 200 * time.Millisecond

// ScreenAnswer is one screening result for the form's banner.
type ScreenAnswer = Answer[api.ContactInput, api.ScreeningFields]

// NewLiveScreen screens the form's candidate while the user types: debounced by delay,
// stale answers dropped. A candidate with nothing matchable is answered at once with an
// empty screening, without asking the server.
func NewLiveScreen(b Backend, delay time.Duration, deliver func(ScreenAnswer)) *Debounced[api.ContactInput, api.ScreeningFields] {
	return NewDebounced(delay, func(ctx context.Context, c api.ContactInput) (api.ScreeningFields, error) {
		if !Screenable(c) {
			return api.ScreeningFields{}, nil
		}
		return b.Screen(ctx, c)
	}, deliver)
}
