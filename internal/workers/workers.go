// Package workers runs jobs on goroutines kept for as long as their owner runs: the embedded
// queue's attempts and the SQS runner's messages.
//
// A job of either calls deep (the pure-Go SQLite, the AWS SDK's middleware), and a goroutine
// started for each job grew its stack by copying several times per job: runtime.newstack was
// 11% of sbomworker's CPU in the SQS path's benchmark and about 1.5% of sbomd's. A kept
// goroutine keeps the stack it grew.
package workers

import "sync"

// Start starts n goroutines that each call do with the jobs sent on jobs, and returns stop,
// which closes jobs and waits for every job sent to be done. jobs holds n jobs: an owner that
// never has more than n jobs sent and not yet done never blocks sending one.
func Start[T any](n int, do func(T)) (jobs chan<- T, stop func()) {
	c := make(chan T, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			for job := range c {
				do(job)
			}
		})
	}
	return c, func() { close(c); wg.Wait() }
}
