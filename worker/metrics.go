package worker

import (
	"encoding/json"
	"io"
	"sync"
	"time"

	"github.com/sbomcat/sbomcat"
	"github.com/sbomcat/sbomcat/queue"
)

// emf writes one CloudWatch Embedded Metric Format document per job: a JSON log line that
// CloudWatch Logs turns into metrics (Lambda does this for stdout; elsewhere the CloudWatch agent
// does), so the worker needs no metrics client or credentials for it. Spec:
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
type emf struct {
	mu        sync.Mutex
	w         io.Writer
	namespace string
}

func newEMF(w io.Writer, namespace string) *emf {
	if w == nil {
		return nil
	}
	return &emf{w: w, namespace: namespace}
}

// Metric names, all per job.
var emfMetrics = []emfMetric{
	{"Validations", "Count"},
	{"Files", "Count"},
	{"FilesSucceeded", "Count"},
	{"FilesFailed", "Count"},
	{"IncompatibleFormat", "Count"},
	{"FileSizeLimitExceeded", "Count"},
	{"ObjectUnreadable", "Count"},
	{"Bytes", "Bytes"},
	{"Duration", "Milliseconds"},
}

type emfMetric struct {
	Name string `json:"Name"`
	Unit string `json:"Unit"`
}

type emfDirective struct {
	Namespace  string      `json:"Namespace"`
	Dimensions [][]string  `json:"Dimensions"`
	Metrics    []emfMetric `json:"Metrics"`
}

type emfMeta struct {
	Timestamp         int64          `json:"Timestamp"`
	CloudWatchMetrics []emfDirective `json:"CloudWatchMetrics"`
}

func (m *emf) emit(a sbomcat.Association, job queue.Job, rep report, elapsed time.Duration, start time.Time) {
	if m == nil {
		return
	}
	var ok, failed, incompatible, tooLarge, unreadable int
	for _, r := range rep.results {
		if r.Succeeded() {
			ok++
			continue
		}
		failed++
		switch r.ErrorCode {
		case sbomcat.ErrorIncompatibleFormat:
			incompatible++
		case sbomcat.ErrorFileSizeLimitExceeded:
			tooLarge++
		default:
			unreadable++
		}
	}
	doc := map[string]any{
		"_aws": emfMeta{
			Timestamp: start.UnixMilli(),
			// One dimension of few values keeps the metrics cheap; ids go in as properties, which
			// CloudWatch Logs Insights can search without making them dimensions.
			CloudWatchMetrics: []emfDirective{{Namespace: m.namespace, Dimensions: [][]string{{"Outcome"}}, Metrics: emfMetrics}},
		},
		"Outcome":               rep.outcome,
		"Validations":           1,
		"Files":                 len(rep.results),
		"FilesSucceeded":        ok,
		"FilesFailed":           failed,
		"IncompatibleFormat":    incompatible,
		"FileSizeLimitExceeded": tooLarge,
		"ObjectUnreadable":      unreadable,
		"Bytes":                 rep.bytes,
		"Duration":              float64(elapsed.Microseconds()) / 1000,
		"associationId":         a.ID,
		"packageName":           a.PackageName,
		"versionName":           a.VersionName,
		"attempt":               job.Attempt,
	}
	if job.MessageID != "" {
		doc["messageId"] = job.MessageID
	}
	line, err := json.Marshal(doc)
	if err != nil {
		return
	}
	line = append(line, '\n')
	// One Write per document, under the lock, so that concurrent jobs never interleave lines.
	m.mu.Lock()
	defer m.mu.Unlock()
	m.w.Write(line)
}
