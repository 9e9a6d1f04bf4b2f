package queue_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/sbomcat/sbomcat/queue"
)

// These are unit tests of Consumer's own logic (decoding, attempt counting, failure
// collection), so the processor is a function that records its calls; the end-to-end tests
// in sqs_test.go and cmd/sbomworker-lambda run the real worker.

func eventBody(t *testing.T) string {
	t.Helper()
	b, err := queue.Encode(sampleAssociation())
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestConsumerLastAttempt(t *testing.T) {
	tests := []struct {
		max, receiveCount int
		attempt           int
		last              bool
	}{
		{max: 3, receiveCount: 1, attempt: 1, last: false},
		{max: 3, receiveCount: 2, attempt: 2, last: false},
		{max: 3, receiveCount: 3, attempt: 3, last: true},
		{max: 3, receiveCount: 7, attempt: 7, last: true}, // redrive policy lowered meanwhile
		{max: 1, receiveCount: 1, attempt: 1, last: true},
		{max: 0, receiveCount: queue.DefaultMaxReceiveCount - 1, attempt: queue.DefaultMaxReceiveCount - 1, last: false},
		{max: 0, receiveCount: queue.DefaultMaxReceiveCount, attempt: queue.DefaultMaxReceiveCount, last: true},
		{max: 3, receiveCount: 0, attempt: 1, last: false}, // attribute missing
	}
	for _, tt := range tests {
		var got queue.Job
		c := queue.Consumer{MaxReceiveCount: tt.max, Processor: queue.ProcessorFunc(func(_ context.Context, j queue.Job) error { got = j; return nil })}
		if err := c.Handle(context.Background(), queue.Message{ID: "m1", Body: eventBody(t), ReceiveCount: tt.receiveCount}); err != nil {
			t.Fatal(err)
		}
		if got.Attempt != tt.attempt || got.Last != tt.last || got.MessageID != "m1" || got.Association != sampleAssociation() {
			t.Errorf("max %d, receive count %d: job %+v, want attempt %d, last %v", tt.max, tt.receiveCount, got, tt.attempt, tt.last)
		}
	}
}

func TestConsumerPoisonNeverReachesProcessor(t *testing.T) {
	called := false
	c := queue.Consumer{Processor: queue.ProcessorFunc(func(context.Context, queue.Job) error { called = true; return nil })}
	err := c.Handle(context.Background(), queue.Message{ID: "m-poison", Body: "not json", ReceiveCount: 1})
	var pe *queue.PoisonError
	if !errors.As(err, &pe) || pe.MessageID != "m-poison" || !errors.Is(err, queue.ErrNotEvent) {
		t.Fatalf("Handle = %v, want a *PoisonError for m-poison", err)
	}
	if called {
		t.Error("a poison message reached the processor")
	}
}

// TestConsumerHandleBatch checks that exactly the messages to retry are reported, in order, and
// that neither a poison message nor a panicking job affects the others.
func TestConsumerHandleBatch(t *testing.T) {
	body := eventBody(t)
	var mu sync.Mutex
	seen := map[string]bool{}
	c := queue.Consumer{Concurrency: 2, Processor: queue.ProcessorFunc(func(_ context.Context, j queue.Job) error {
		mu.Lock()
		seen[j.MessageID] = true
		mu.Unlock()
		switch j.MessageID {
		case "retry":
			return errors.New("S3 unavailable")
		case "panic":
			panic("bug")
		}
		return nil
	})}
	msgs := []queue.Message{{ID: "ok1", Body: body}, {ID: "retry", Body: body}, {ID: "poison", Body: "{}"},
		{ID: "panic", Body: body}, {ID: "ok2", Body: body}}
	got := c.HandleBatch(context.Background(), msgs)
	if want := []string{"retry", "poison", "panic"}; !slices.Equal(got, want) {
		t.Errorf("failed ids %v, want %v", got, want)
	}
	if !seen["ok1"] || !seen["ok2"] || seen["poison"] {
		t.Errorf("processed %v", seen)
	}
	if got := c.HandleBatch(context.Background(), nil); got != nil {
		t.Errorf("empty batch: %v", got)
	}
}
