package dynamodb_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/sbomcat/sbomcat"
	"github.com/sbomcat/sbomcat/dynamodb"
	"github.com/sbomcat/sbomcat/internal/testkit"
	"github.com/sbomcat/sbomcat/jobs"
	"github.com/sbomcat/sbomcat/jobs/jobstest"
	"github.com/sbomcat/sbomcat/storetest"
	"github.com/sbomcat/sbomcat/worker/workertest"
)

// dynalite is started at the first test that needs it and stopped at the end: each test makes
// a table of its own on it.
var (
	dynalite workertest.SharedDynamoDB
	tableSeq atomic.Int64
)

func TestMain(m *testing.M) {
	code := m.Run()
	dynalite.Stop()
	os.Exit(code)
}

func client(t *testing.T) *awsddb.Client {
	t.Helper()
	return awsddb.NewFromConfig(testkit.SDKConfig(dynalite.URL(t)))
}

// newTable creates a fresh table for one test, deleted when it ends, and a store on it.
func newTable(t *testing.T) (c *awsddb.Client, s *dynamodb.Store, table string) {
	t.Helper()
	c = client(t)
	table = fmt.Sprintf("sbomcat-test-%d", tableSeq.Add(1))
	s = dynamodb.New(c, table)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := s.CreateTable(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c.DeleteTable(context.Background(), &awsddb.DeleteTableInput{TableName: aws.String(table)})
	})
	return c, s, table
}

// newStore creates a fresh table for one test.
func newStore(t *testing.T) sbomcat.Store {
	_, s, _ := newTable(t)
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, newStore)
}

func TestJobsConformance(t *testing.T) {
	jobstest.Run(t, func(t *testing.T) jobs.Store { return newStore(t).(*dynamodb.Store) })
}

// TestJobsLargeDocuments: two documents of 32,768 characters that JSON would escape sixfold
// still fit one item, because documents are attributes of their own.
func TestJobsLargeDocuments(t *testing.T) {
	s := newStore(t).(*dynamodb.Store)
	ctx := context.Background()
	j := jobstest.FullJob("big")
	j.Document = strings.Repeat("\x01", jobs.MaxDocumentLen)
	j.Resolved.Document = strings.Repeat("\x02", jobs.MaxDocumentLen)
	j.Resolved.Artifacts = nil
	if err := s.CreateJob(ctx, j); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetJob(ctx, "big")
	if err != nil {
		t.Fatal(err)
	}
	jobstest.EqualJobs(t, got, j)
}

// TestIdempotencyTTLAttribute: a clientToken record carries, in TTLAttribute, the epoch second
// at which DynamoDB's TTL may delete it: IdempotencyRetention after its creation.
func TestIdempotencyTTLAttribute(t *testing.T) {
	c, s, table := newTable(t)
	ctx := context.Background()
	created := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	if err := s.PutIdempotency(ctx, sbomcat.IdempotencyRecord{Operation: "CreatePackage", Token: "t", Fingerprint: "f", CreatedAt: created}); err != nil {
		t.Fatal(err)
	}
	out, err := c.Scan(ctx, &awsddb.ScanInput{TableName: aws.String(table)})
	if err != nil {
		t.Fatal(err)
	}
	want := strconv.FormatInt(created.Add(sbomcat.IdempotencyRetention).Unix(), 10)
	found := 0
	for _, it := range out.Items {
		if n, ok := it[dynamodb.TTLAttribute].(*types.AttributeValueMemberN); ok {
			found++
			if n.Value != want {
				t.Errorf("%s = %s, want %s", dynamodb.TTLAttribute, n.Value, want)
			}
		}
	}
	if found != 1 {
		t.Errorf("%d items carry %s, want the one clientToken record", found, dynamodb.TTLAttribute)
	}
}

// TestOlderTable: a table written before the counts existed (package items without a version
// count, no quota counters) is counted at the first write that needs it: quotas see what is
// there, and its packages can still be emptied and deleted.
func TestOlderTable(t *testing.T) {
	c, s, table := newTable(t)
	ctx := context.Background()
	S := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
	N := func(v string) types.AttributeValue { return &types.AttributeValueMemberN{Value: v} }
	old := []map[string]types.AttributeValue{ // as the previous release wrote them
		{"pk": S("P#old"), "sk": S("#PKG"), "gsi1pk": S("PACKAGES"), "gsi1sk": S("old"), "name": S("old"), "defaultVersion": S(""), "rev": N("0"), "created": N("1"), "updated": N("1")},
		{"pk": S("P#old"), "sk": S("V#1"), "package": S("old"), "version": S("1"), "status": S("DRAFT"), "rev": N("0"), "created": N("1"), "updated": N("1")},
		{"pk": S("P#old"), "sk": S("V#2"), "package": S("old"), "version": S("2"), "status": S("DRAFT"), "rev": N("0"), "created": N("1"), "updated": N("1")},
	}
	for _, it := range old {
		if _, err := c.PutItem(ctx, &awsddb.PutItemInput{TableName: aws.String(table), Item: it}); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := s.Counts(ctx); err != nil || got != (sbomcat.Counts{Packages: 1, Versions: 2}) {
		t.Fatalf("Counts = %+v, %v; want 1 package, 2 versions", got, err)
	}
	if err := s.CreateVersion(ctx, &sbomcat.PackageVersion{PackageName: "old", VersionName: "3"}, 3); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateVersion(ctx, &sbomcat.PackageVersion{PackageName: "old", VersionName: "4"}, 3); sbomcat.ErrCode(err) != sbomcat.EQUOTA {
		t.Fatalf("a fourth version under a limit of 3: %v, want EQUOTA", err)
	}
	for _, v := range []string{"1", "2", "3"} {
		if err := s.DeletePackage(ctx, "old"); sbomcat.ErrCode(err) != sbomcat.EINVALID {
			t.Fatalf("DeletePackage with versions left: %v, want EINVALID", err)
		}
		if err := s.DeleteVersion(ctx, "old", v); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.DeletePackage(ctx, "old"); err != nil {
		t.Fatalf("DeletePackage of the emptied package: %v", err)
	}
	if got, err := s.Counts(ctx); err != nil || got != (sbomcat.Counts{}) {
		t.Errorf("Counts after emptying = %+v, %v; want zero", got, err)
	}
}

// TestRedeliveredResults: a redelivered validation's results replace the first delivery's
// whichever way each was kept (on the version item up to ten, as result items beyond), an
// earlier, unfinished delivery's extra result items are never listed, results recorded by the
// previous release (result items, no resultCount) are listed whole, and filters and pages
// work the same on both kinds.
func TestRedeliveredResults(t *testing.T) {
	results := func(n int) []sbomcat.FileResult {
		var rs []sbomcat.FileResult
		for i := range n {
			r := sbomcat.FileResult{FileName: fmt.Sprintf("f%02d.json", i), Result: sbomcat.ResultSucceeded, Format: sbomcat.FormatCycloneDX, SpecVersion: "1.6"}
			if i%3 == 1 {
				r = sbomcat.FileResult{FileName: r.FileName, Result: sbomcat.ResultFailed, ErrorCode: sbomcat.ErrorIncompatibleFormat, ErrorMessage: fmt.Sprint("bad ", i)}
			}
			rs = append(rs, r)
		}
		return rs
	}
	tests := []struct {
		name  string
		first int // results of a first delivery recorded before the second (0: none)
		stray int // result items of an unfinished delivery, written but never committed
		last  int // results of the delivery that stands
	}{
		{"inline", 0, 0, 3},
		{"items", 0, 0, 23},
		{"items then inline", 23, 0, 2},
		{"inline then items", 2, 0, 12},
		{"fewer items after more", 23, 0, 12},
		{"stray items beyond inline", 0, 30, 4},
		{"stray items beyond items", 0, 30, 11},
	}
	ctx := context.Background()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, s, table := newTable(t)
			workertest.CreateVersion(t, s, "p", "1")
			a := workertest.Associate(t, s, "p", "1", sbomcat.S3Location{Bucket: "b", Key: "k", Version: "v"})
			for i := range tt.stray {
				putResultItem(t, c, table, a.ID, i, sbomcat.FileResult{FileName: "stray", Result: sbomcat.ResultFailed})
			}
			if tt.first > 0 {
				storetest.Must(t, s.RecordValidation(ctx, sbomcat.Validation{AssociationID: a.ID, PackageName: "p", VersionName: "1", Results: results(tt.first)}))
			}
			want := results(tt.last)
			storetest.Must(t, s.RecordValidation(ctx, sbomcat.Validation{AssociationID: a.ID, PackageName: "p", VersionName: "1", Results: want}))
			checkListed(t, s, want)
		})
	}
	t.Run("previous release", func(t *testing.T) {
		c, s, table := newTable(t)
		workertest.CreateVersion(t, s, "p", "1")
		a := workertest.Associate(t, s, "p", "1", sbomcat.S3Location{Bucket: "b", Key: "k", Version: "v"})
		want := results(13)
		for i, r := range want {
			putResultItem(t, c, table, a.ID, i, r)
		}
		// As the previous release committed them: the status alone.
		_, err := c.UpdateItem(ctx, &awsddb.UpdateItemInput{TableName: aws.String(table),
			Key:                       map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "P#p"}, "sk": &types.AttributeValueMemberS{Value: "V#1"}},
			UpdateExpression:          aws.String("SET sbomStatus = :st REMOVE ippk, ipsk"),
			ExpressionAttributeValues: map[string]types.AttributeValue{":st": &types.AttributeValueMemberS{Value: string(sbomcat.RollUp(want))}}})
		storetest.Must(t, err)
		checkListed(t, s, want)
	})
}

// putResultItem writes a result item as RecordValidation does for more than ten results.
func putResultItem(t *testing.T, c *awsddb.Client, table, assoc string, rank int, r sbomcat.FileResult) {
	t.Helper()
	S := func(v string) types.AttributeValue { return &types.AttributeValueMemberS{Value: v} }
	_, err := c.PutItem(context.Background(), &awsddb.PutItemInput{TableName: aws.String(table), Item: map[string]types.AttributeValue{
		"pk": S("R#" + assoc), "sk": S(fmt.Sprintf("%08d", rank)), "fileName": S(r.FileName), "result": S(string(r.Result)),
		"errorCode": S(string(r.ErrorCode)), "errorMessage": S(r.ErrorMessage), "format": S(string(r.Format)), "specVersion": S(r.SpecVersion)}})
	storetest.Must(t, err)
}

// checkListed lists p/1's results whole, failed ones only, and in pages of 2 of each, and
// compares with want (in file name order).
func checkListed(t *testing.T, s *dynamodb.Store, want []sbomcat.FileResult) {
	t.Helper()
	var failed []sbomcat.FileResult
	for _, r := range want {
		if r.Result == sbomcat.ResultFailed {
			failed = append(failed, r)
		}
	}
	for _, c := range []struct {
		filter sbomcat.ValidationResult
		want   []sbomcat.FileResult
	}{{"", want}, {sbomcat.ResultFailed, failed}} {
		for _, limit := range []int{0, 2} {
			var got []sbomcat.FileResult
			page := sbomcat.PageRequest{MaxResults: limit}
			for {
				p, err := s.ListValidationResults(context.Background(), "p", "1", c.filter, page)
				storetest.Must(t, err)
				if limit > 0 && len(p.Items) > limit {
					t.Fatalf("page of %d, limit %d", len(p.Items), limit)
				}
				got = append(got, p.Items...)
				if p.NextToken == "" {
					break
				}
				page.NextToken = p.NextToken
			}
			if fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Errorf("filter %q, pages of %d:\n got %v\nwant %v", c.filter, limit, got, c.want)
			}
		}
	}
}
