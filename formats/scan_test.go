package formats

import (
	"math/rand/v2"
	"testing"
)

// TestPlainRunAgreesWithTable checks the eight-bytes-at-a-time scan for the end of plain string
// content against the byte table, on random buffers rich in the bytes that end a run.
func TestPlainRunAgreesWithTable(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	interesting := []byte{'"', '\\', 0x00, 0x1f, 0x20, 0x21, 0x7f, 0x80, 0xff, 'a', '!', '#', '[', ']', '\\' + 1, '"' - 1, '"' + 1}
	for range 200000 {
		buf := make([]byte, r.IntN(40))
		for k := range buf {
			if r.IntN(6) == 0 {
				buf[k] = interesting[r.IntN(len(interesting))]
			} else {
				buf[k] = byte(0x20 + r.IntN(0x5f))
			}
		}
		start := 0
		if len(buf) > 0 {
			start = r.IntN(len(buf) + 1)
		}
		want := start
		for want < len(buf) && !stringSpecial[buf[want]] {
			want++
		}
		if got := plainRun(buf, start); got != want {
			t.Fatalf("plainRun(%q, %d) = %d, want %d", buf, start, got, want)
		}
	}
}
