package catalog

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/sbomcat/sbomcat"
)

// idempotent runs do once per (op, token) within the TTL: a retry with the same token and the
// same parameters gets the first call's result, the same token with other parameters is
// ECONFLICT. params is everything that identifies the request besides the token; the record
// keeps the domain result, so that a replay returns what the first call returned whatever
// front end renders it.
func idempotent[T any](s *Service, ctx context.Context, op, token string, params any, do func() (T, error)) (T, error) {
	return idempotentWith(s, ctx, op, token, params, func(*sbomcat.IdempotencyRecord) (T, bool, error) {
		out, err := do()
		return out, false, err
	})
}

// idempotentWith is idempotent for a do that can store the clientToken record itself, in the
// same write as its change (Store.AssociateRecorded): do gets the record to store (nil without
// a token) and reports whether it stored it; if it did not, the record is stored after it.
func idempotentWith[T any](s *Service, ctx context.Context, op, token string, params any, do func(rec *sbomcat.IdempotencyRecord) (T, bool, error)) (T, error) {
	var zero T
	if token == "" {
		out, _, err := do(nil)
		return out, err
	}
	material, err := json.Marshal(params)
	if err != nil {
		return zero, fmt.Errorf("fingerprint %s request: %w", op, err)
	}
	sum := sha256.Sum256(material)
	fp := hex.EncodeToString(sum[:])

	if out, ok, err := replay[T](s, ctx, op, token, fp); ok || err != nil {
		return out, err
	}
	rec := sbomcat.IdempotencyRecord{Operation: op, Token: token, Fingerprint: fp, CreatedAt: s.cfg.Now()}
	out, recorded, err := do(&rec)
	if sbomcat.ErrCode(err) == sbomcat.ECONFLICT {
		// A concurrent retry with the same token may have won the race: answer as it did.
		if prev, ok, rerr := replay[T](s, ctx, op, token, fp); ok && rerr == nil {
			return prev, nil
		}
	}
	if errors.Is(err, sbomcat.ErrNotRecorded) {
		s.cfg.Logger.Warn("idempotency record not stored", "op", op, "error", err.Error())
		return out, nil
	}
	if err != nil || recorded {
		return out, err
	}
	if rec.Response, err = json.Marshal(out); err != nil {
		return zero, fmt.Errorf("record %s result: %w", op, err)
	}
	if err := s.cfg.Store.PutIdempotency(ctx, rec); err != nil {
		// The change is made; failing the call now would invite a retry that cannot be
		// recognised anyway.
		s.cfg.Logger.Warn("idempotency record not stored", "op", op, "error", err.Error())
	}
	return out, nil
}

// forget expires the record of (op, token) so that a retry with the token runs again: for a
// change that was recorded with its record but then failed (an association the queue
// refused). The record is overwritten as created long ago rather than deleted: replay ignores
// it from then on and the purge removes it (Store has no delete of one record).
func (s *Service) forget(ctx context.Context, rec *sbomcat.IdempotencyRecord) {
	expired := *rec
	expired.Response, expired.CreatedAt = nil, time.UnixMilli(1).UTC()
	if err := s.cfg.Store.PutIdempotency(ctx, expired); err != nil {
		s.cfg.Logger.Warn("idempotency record of a failed call not expired", "op", rec.Operation, "error", err.Error())
	}
}

// replay returns the recorded result of (op, token) and true when there is a live record for
// the same parameters; ECONFLICT when the live record is for other parameters.
func replay[T any](s *Service, ctx context.Context, op, token, fp string) (T, bool, error) {
	var out T
	rec, err := s.cfg.Store.GetIdempotency(ctx, op, token)
	if sbomcat.ErrCode(err) == sbomcat.ENOTFOUND {
		return out, false, nil
	} else if err != nil {
		return out, false, err
	}
	if s.cfg.Now().Sub(rec.CreatedAt) > s.cfg.IdempotencyTTL {
		return out, false, nil
	}
	if rec.Fingerprint != fp {
		return out, false, sbomcat.Errorf(sbomcat.ECONFLICT, "The clientToken %s was already used for a %s request with different parameters.", token, op)
	}
	if err := json.Unmarshal(rec.Response, &out); err != nil {
		// A record this version cannot read (written by an older one, whose records held
		// the wire response) is no record of this call's result: refuse rather than guess.
		return out, false, sbomcat.Errorf(sbomcat.ECONFLICT, "The clientToken %s was used for a %s request whose result this server can no longer replay; use a new clientToken.", token, op)
	}
	return out, true, nil
}
