package events

import (
	"context"
	"errors"
	"fmt"

	"github.com/vermerk/vermerk/graph/model"
	"github.com/vermerk/vermerk/server/internal/store"
)

// ImportJobLoader loads an import job's current state (graph.Imports has this method).
type ImportJobLoader interface {
	Job(ctx context.Context, id string) (*model.ImportJob, error)
}

// ImportProgress streams the state of one import job: the current state at once, then again
// after every IMPORT_PROGRESS event of the job (event ref = job id), ending after DONE or
// FAILED. Each message is the whole state, so progress events that queue up while the
// client reads are folded into one.
func (b *Bus) ImportProgress(ctx context.Context, jobID string) (<-chan *model.ImportJob, error) {
	if b.Jobs == nil {
		return nil, errors.New("events.ImportProgress: no import job loader configured")
	}
	if err := store.CheckID("jobId", jobID); err != nil {
		return nil, err
	}
	sub, _, err := b.subscribe(func(e *event) bool {
		return e.Kind == store.EventImportProgress && e.Ref == jobID
	}, 1, true)
	if err != nil {
		return nil, fmt.Errorf("events.ImportProgress(%s): %w", jobID, err)
	}
	job, err := b.Jobs.Job(ctx, jobID) // after subscribing: a step made now is not missed
	if err != nil {
		b.unsubscribe(sub)
		return nil, err
	}
	out := make(chan *model.ImportJob)
	go func() {
		defer close(out)
		defer b.unsubscribe(sub)
		for {
			select {
			case out <- job:
			case <-ctx.Done():
				return
			}
			if job.Status == model.ImportStatusDone || job.Status == model.ImportStatusFailed {
				return
			}
			select {
			case <-ctx.Done():
				return
			case _, ok := <-sub.ch:
				if !ok {
					endStream(ctx, sub.err, "importProgress", "subscribe again to follow the job", nil)
					return
				}
			}
			if job, err = b.Jobs.Job(ctx, jobID); err != nil {
				if ctx.Err() == nil {
					b.opts.Log.Error("events: loading import job progress", "job_id", jobID, "err", err)
					endWithError(ctx, "importProgress", "could not load the job's progress just now; subscribe again to follow the job", nil)
				}
				return
			}
		}
	}()
	return out, nil
}
