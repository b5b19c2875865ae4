package retention

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/vermerk/vermerk/server/internal/periodic"
)

// scheduleLock is the advisory lock of the scheduled run (transaction-level, so it works
// through PgBouncer's transaction pooling and is released when the run's transaction ends).
const scheduleLock = 7243018

// Schedule is a daily time of day ("03:30") in the server's time zone.
type Schedule struct{ Hour, Minute int }

// ParseSchedule reads VERMERK_RETENTION_SCHEDULE: "HH:MM", daily.
func ParseSchedule(s string) (Schedule, error) {
	t, err := time.Parse("15:04", s)
	if err != nil {
		return Schedule{}, fmt.Errorf("%q is not a time of day such as 03:30 (the retention runs daily then)", s)
	}
	return Schedule{Hour: t.Hour(), Minute: t.Minute()}, nil
}

// RunDaily runs the retention (deleting, not a dry run) once a day from the scheduled time
// on, checking every `every`, until ctx ends. Every instance may run it: the one that gets
// the advisory lock and claims the day in retention_runs does; the others skip that day.
func (s *Service) RunDaily(ctx context.Context, at Schedule, every time.Duration, log *slog.Logger) {
	periodic.Run(ctx, every, func(ctx context.Context) {
		now := s.Now()
		if now.Hour()*60+now.Minute() < at.Hour*60+at.Minute {
			return
		}
		rep, ran, err := s.RunOnce(ctx, now)
		switch {
		case ctx.Err() != nil:
		case err != nil:
			log.Error("retention: the scheduled run failed; it is tried again later today", "err", err)
		case ran:
			log.Info("retention: scheduled run done", "examined", rep.Examined, "deleted", rep.Deleted)
		}
	})
}

// RunOnce runs the retention for now's day unless another instance runs it or has run it;
// ran says whether this call did. The claim of the day and the advisory lock live in one
// transaction held for the whole run, so a failed run leaves the day unclaimed.
func (s *Service) RunOnce(ctx context.Context, now time.Time) (rep Report, ran bool, err error) {
	day := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	err = pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		var locked bool
		if err := tx.QueryRow(ctx, `SELECT pg_try_advisory_xact_lock($1)`, scheduleLock).Scan(&locked); err != nil || !locked {
			return err
		}
		tag, err := tx.Exec(ctx, `INSERT INTO retention_runs (run_on) VALUES ($1) ON CONFLICT DO NOTHING`, day)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		if rep, err = s.Run(ctx, false, nil); err != nil {
			return err
		}
		ran = true
		_, err = tx.Exec(ctx, `UPDATE retention_runs SET finished_at = now(), examined = $2, deleted = $3 WHERE run_on = $1`,
			day, rep.Examined, rep.Deleted)
		return err
	})
	if err != nil {
		return rep, false, fmt.Errorf("retention.RunOnce(%s): %w", day.Format(time.DateOnly), err)
	}
	return rep, ran, nil
}
