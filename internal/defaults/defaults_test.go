package defaults

import (
	"testing"
	"time"
)

func TestPositive(t *testing.T) {
	for _, tc := range []struct{ v, want int64 }{{0, 7}, {-1, 7}, {1, 1}, {9, 9}} {
		if got := Positive(tc.v, 7); got != tc.want {
			t.Errorf("Positive(%d, 7) = %d, want %d", tc.v, got, tc.want)
		}
	}
	if got := Positive(-time.Second, time.Minute); got != time.Minute {
		t.Errorf("Positive(-1s, 1m) = %v", got)
	}
	if got := Positive(time.Second, time.Minute); got != time.Second {
		t.Errorf("Positive(1s, 1m) = %v", got)
	}
}
