package validator_test

import (
	"testing"

	"github.com/sbomcat/sbomcat/validator"
)

func TestParseSize(t *testing.T) {
	tests := []struct {
		in   string
		want int64 // 0: an error
	}{
		{"1", 1},
		{"104857600", 100 << 20},
		{"100MiB", 100 << 20},
		{"100 MiB", 100 << 20},
		{"100mb", 100 << 20},
		{"100M", 100 << 20},
		{"512KiB", 512 << 10},
		{"1GiB", 1 << 30},
		{"2g", 2 << 30},
		{" 7 ", 7},
		{"10B", 10},
		{"0", 0},
		{"-1", 0},
		{"1.5GiB", 0},
		{"lots", 0},
		{"", 0},
		{"MiB", 0},
		{"1TiB", 0},
		{"9223372036854775807", 1<<63 - 1},
		{"9223372036854775807K", 0},
		{"99999999999999999999", 0},
	}
	for _, tt := range tests {
		got, err := validator.ParseSize(tt.in)
		if tt.want == 0 {
			if err == nil {
				t.Errorf("ParseSize(%q) = %d, want an error", tt.in, got)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
}
