package ratelimit

import (
	"context"
	"fmt"

	"github.com/vermerk/vermerk/graph"
	"github.com/vermerk/vermerk/graph/apperr"
	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/graph/viewer"
)

// MaxIdentifiers bounds the e-mails and the phones of one contact write, as for screen.
const MaxIdentifiers = 50

// Contacts is a graph.Contacts whose writes share the screening budget: a write refused for a
// blacklist match tells what a screen tells, so it costs one screen, and a token whose budget
// is spent has its writes refused until it is back. The other methods pass through.
type Contacts struct {
	graph.Contacts
	budget *Blacklist
}

// Writes wraps c so its writes count against the screening budget of b.
func Writes(c graph.Contacts, b *Blacklist) *Contacts { return &Contacts{Contacts: c, budget: b} }

func (c *Contacts) CreateContact(ctx context.Context, in model.ContactInput, override *model.OverrideInput) (*model.ContactPayload, error) {
	if err := c.before(ctx, in); err != nil {
		return nil, err
	}
	p, err := c.Contacts.CreateContact(ctx, in, override)
	c.after(ctx, p)
	return p, err
}

func (c *Contacts) UpdateContact(ctx context.Context, id string, in model.ContactInput, override *model.OverrideInput) (*model.ContactPayload, error) {
	if err := c.before(ctx, in); err != nil {
		return nil, err
	}
	p, err := c.Contacts.UpdateContact(ctx, id, in, override)
	c.after(ctx, p)
	return p, err
}

func (c *Contacts) before(ctx context.Context, in model.ContactInput) error {
	var errs apperr.List
	if len(in.Emails) > MaxIdentifiers {
		errs = append(errs, apperr.BadInput("input.emails", apperr.ReasonTooLong, "at most %d e-mail addresses per contact; this write has %d", MaxIdentifiers, len(in.Emails)))
	}
	if len(in.Phones) > MaxIdentifiers {
		errs = append(errs, apperr.BadInput("input.phones", apperr.ReasonTooLong, "at most %d phone numbers per contact; this write has %d", MaxIdentifiers, len(in.Phones)))
	}
	if len(errs) > 0 {
		return errs
	}
	if wait, spent := c.budget.exhausted(viewer.From(ctx)); spent {
		c.budget.refusals.Inc()
		return &apperr.Error{Code: apperr.RateLimited, Message: fmt.Sprintf(
			"this token has used up its screenings (%g per second, VERMERK_SCREEN_RATE), which writes refused for a blacklist match count against; retry in %s",
			float64(c.budget.limit), roundUp(wait))}
	}
	return nil
}

func (c *Contacts) after(ctx context.Context, p *model.ContactPayload) {
	if p != nil && p.Contact == nil && p.Screening != nil && p.Screening.Blocked {
		c.budget.spend(viewer.From(ctx), 1)
	}
}
