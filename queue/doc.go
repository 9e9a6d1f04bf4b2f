// Package queue carries SBOM associations from the API to the validation worker.
//
// # The association event
//
// When an SBOM is associated with a package version, the API stores the association
// (Store.Associate: the version becomes IN_PROGRESS under a fresh association id) and then hands
// it to the queue (catalog.Enqueuer). The message is Event, a versioned JSON document (see Event and
// EventVersion); Encode and Decode are its codec.
//
// # Deployed: SQS
//
// Package sqs's Publisher sends events to an SQS queue. Two consumers read it, both built on Consumer,
// which decodes a message and calls a Processor (the worker):
//
//   - the Lambda function in cmd/sbomworker-lambda, through Lambda's SQS event source with
//     ReportBatchItemFailures: the failed message ids of Consumer.HandleBatch become
//     BatchItemFailures;
//   - package sqs's Runner, a long-poll loop for running anywhere else (cmd/sbomworker):
//     ReceiveMessage of up to ten messages with a wait time, each message's visibility extended
//     while its validation runs, DeleteMessageBatch of up to ten when they are finished,
//     ChangeMessageVisibility with a backoff when they are not, and a graceful stop when its
//     context is done.
//
// Delivery is at least once; the effect is exactly once because the store records results only
// under the version's current association id, replacing any results recorded for the same id
// before (a duplicate delivery), and discarding results for any other id (a superseded or
// disassociated association). A message's ApproximateReceiveCount against the redrive policy's
// maxReceiveCount marks the last attempt, on which the worker records a transient failure as
// FAILED instead of asking for a retry, so no association stays IN_PROGRESS forever. A message
// that is not an event (a poison message) is logged with its id and reported as failed on every
// delivery, so the redrive policy moves it to the dead-letter queue without blocking others.
//
// # Local: the store is the queue
//
// The single-process default (cmd/sbomd) needs no queue service and no queue table. Every
// current association the worker has not finished is, by definition, a version whose SBOM status
// is IN_PROGRESS, and Store.ListInProgress lists exactly those, oldest first. So Local takes its
// work from the store itself:
//
//   - durable by construction: the association and its "event" are the same row, written in
//     one transaction, so an association can never exist without its event, nor an event
//     outlive its association (disassociating or re-associating removes the old one);
//   - restart-safe: an association being validated when the process stopped is still
//     IN_PROGRESS, and the first sweep after the next start takes it up again;
//   - prompt: the API also hands each new association to Local (as its queue) after Associate, so a new
//     association starts at once instead of at the next periodic sweep.
//
// Local retries transient failures with a backoff and, on its last attempt, the worker records
// them as FAILED, as with SQS. Attempts are counted in the store before each begins (the first
// by the association's own write when the API hands it to Local, the others by
// Store.BeginAttempt), so the maximum holds across restarts (an association that was handed
// to Local but had not begun when the process stopped has used its first attempt): an SBOM that kills the process during
// every attempt is recorded FAILED at the start after its last one, without another try. A
// backlog larger than one read of the store is read again as soon as the work known runs low,
// so the worker does not idle while IN_PROGRESS work waits; nothing holds a lease, so work a
// killed process had taken is taken up by the first read after the restart.
package queue
