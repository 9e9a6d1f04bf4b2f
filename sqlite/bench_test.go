package sqlite_test

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/sbomcat/sbomcat"
	"github.com/sbomcat/sbomcat/sqlite"
)

// BenchmarkSynchronous measures acknowledged writes (CreatePackage: one committed transaction
// each) under each synchronous setting, one writer and several. It is the price of surviving a
// power loss (FULL) rather than a process kill only (NORMAL):
//
//	go test ./sqlite -run '^$' -bench Synchronous -benchtime 2000x
func BenchmarkSynchronous(b *testing.B) {
	for _, sync := range []sqlite.Synchronous{sqlite.SyncNormal, sqlite.SyncFull} {
		for _, p := range []int{1, 8} {
			b.Run(fmt.Sprintf("%s/writers=%d", sync, p*runtime.GOMAXPROCS(0)), func(b *testing.B) {
				s, err := sqlite.OpenWith(context.Background(), filepath.Join(b.TempDir(), sqlite.FileName), sqlite.Options{Synchronous: sync})
				if err != nil {
					b.Fatal(err)
				}
				defer s.Close()
				var seq atomic.Int64
				b.SetParallelism(p) // p × GOMAXPROCS goroutines
				b.ResetTimer()
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						p := &sbomcat.Package{Name: fmt.Sprint(seq.Add(1))}
						if err := s.CreatePackage(context.Background(), p, sbomcat.NoLimit); err != nil {
							b.Error(err)
							return
						}
					}
				})
				b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "writes/s")
			})
		}
	}
}
