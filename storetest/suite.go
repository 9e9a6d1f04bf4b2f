package storetest

import (
	"errors"
	"maps"
	"slices"
	"sync"
	"testing"

	"github.com/sbomcat/sbomcat"
)

// Factory returns a new, empty store S for one subtest; the factory arranges its cleanup.
type Factory[S any] func(t *testing.T) S

// RunCases runs every case of a conformance suite, by name, as a parallel subtest on a new,
// empty store from newStore. The suites of this package and of jobstest both run this way.
func RunCases[S any](t *testing.T, newStore Factory[S], cases map[string]func(t *testing.T, s S)) {
	for _, name := range slices.Sorted(maps.Keys(cases)) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cases[name](t, newStore(t))
		})
	}
}

// OneCreateWins runs create(0) … create(n-1) at once, all creating the same thing, and fails t
// unless exactly one succeeded and every other ended in ECONFLICT.
func OneCreateWins(t *testing.T, n int, create func(i int) error) {
	t.Helper()
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() { errs[i] = create(i) })
	}
	wg.Wait()
	created := 0
	for _, err := range errs {
		switch sbomcat.ErrCode(err) {
		case "":
			created++
		case sbomcat.ECONFLICT:
		default:
			t.Errorf("concurrent create: %v", err)
		}
	}
	if created != 1 {
		t.Errorf("%d concurrent creates succeeded, want exactly 1", created)
	}
}

// WantCode fails t unless err has the code (none for ""), as an *sbomcat.Error.
func WantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := sbomcat.ErrCode(err); got != code {
		t.Fatalf("error = %v (code %q), want code %q", err, got, code)
	}
	var e *sbomcat.Error
	if code != "" && !errors.As(err, &e) {
		t.Fatalf("error %v is not an *sbomcat.Error", err)
	}
}

// Must fails t at once on an error.
func Must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// wantZero fails t unless err is nil and got is the zero value: what an empty store answers.
func wantZero[T comparable](t *testing.T, what string, got T, err error) {
	t.Helper()
	Must(t, err)
	var zero T
	if got != zero {
		t.Fatalf("%s of an empty store: %+v, want none", what, got)
	}
}
