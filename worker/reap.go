package worker

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/sbomcat/sbomcat"
	"github.com/sbomcat/sbomcat/internal/periodic"
)

// A Reaper ends associations that no worker finished (no association stays IN_PROGRESS
// forever: docs/behaviour.md, "Validation status"). Retries with a last attempt cover every failure
// a worker sees; the reaper covers the ones it cannot: a worker that dies during the last delivery,
// an event that reaches the dead-letter queue without being processed, an event that was never
// sent. An association still IN_PROGRESS after MaxAge, which should exceed the time all deliveries
// can take (visibility timeout × maxReceiveCount, plus backoff), is recorded FAILED.
//
// Recording is conditional on the association id, like any result: a reaped association that
// was superseded meanwhile is left alone, and a worker that does finish later replaces the
// reaper's result with real ones.
type Reaper struct {
	Store interface {
		ListInProgress(ctx context.Context, limit int) ([]sbomcat.Association, error)
		RecordValidation(ctx context.Context, v sbomcat.Validation) error
	}
	MaxAge time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger; nil discards.
	Logger *slog.Logger
}

// reapBatch is how many in-progress associations one Reap call reads at a time.
const reapBatch = 100

// Reap records FAILED for every association IN_PROGRESS for longer than MaxAge and returns
// how many it ended.
func (r *Reaper) Reap(ctx context.Context) (int, error) {
	now := time.Now
	if r.Now != nil {
		now = r.Now
	}
	log := r.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	cutoff := now().Add(-r.MaxAge)
	reaped := 0
	// ListInProgress is oldest first, and every association reaped leaves the list, so reading
	// from the start again until the first one young enough is seen visits each once.
	for {
		as, err := r.Store.ListInProgress(ctx, reapBatch)
		if err != nil {
			return reaped, fmt.Errorf("list in progress: %w", err)
		}
		progressed := false
		for _, a := range as {
			if !a.CreatedAt.Before(cutoff) {
				return reaped, nil
			}
			msg := fmt.Sprintf("Validation could not complete: no worker finished it within %s of the association. Associate the SBOM again to retry.", r.MaxAge)
			err := r.Store.RecordValidation(ctx, sbomcat.Validation{
				AssociationID: a.ID, PackageName: a.PackageName, VersionName: a.VersionName,
				Results: []sbomcat.FileResult{{FileName: objectName(a.SBOM.Key), Result: sbomcat.ResultFailed, ErrorMessage: msg}},
			})
			switch sbomcat.ErrCode(err) {
			case "":
				reaped++
				progressed = true
				log.Warn("association reaped", "association_id", a.ID, "package", a.PackageName, "version", a.VersionName, "associated_at", a.CreatedAt)
			case sbomcat.ECONFLICT, sbomcat.ENOTFOUND:
				progressed = true // superseded or deleted meanwhile: nothing to end
			default:
				return reaped, fmt.Errorf("record reaped association %s: %w", a.ID, err)
			}
		}
		if len(as) < reapBatch || !progressed {
			return reaped, nil
		}
	}
}

// Run reaps every interval until ctx is done, logging failures rather than stopping.
func (r *Reaper) Run(ctx context.Context, interval time.Duration) {
	reap := func() {
		if _, err := r.Reap(ctx); err != nil && ctx.Err() == nil && r.Logger != nil {
			r.Logger.Error("reaping failed", "error", err.Error())
		}
	}
	reap()
	periodic.Every(ctx, interval, reap)
}
