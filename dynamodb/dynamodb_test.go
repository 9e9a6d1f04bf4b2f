package dynamodb_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
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

// dynalite is started once per test binary, on a free loopback port, and stopped at the end.
var (
	dynaliteOnce sync.Once
	dynaliteURL  string
	dynaliteErr  error
	dynaliteSkip string
	dynaliteCmd  *exec.Cmd
	dynaliteDone chan struct{} // closed when dynalite has exited
	tableSeq     atomic.Int64
)

func TestMain(m *testing.M) {
	code := m.Run()
	if dynaliteCmd != nil {
		dynaliteCmd.Process.Kill()
		<-dynaliteDone
	}
	os.Exit(code)
}

func startDynalite() {
	cli, skip, err := workertest.ToolCLI("dynalite/cli.js")
	if skip != "" || err != nil {
		dynaliteSkip, dynaliteErr = skip, err
		return
	}
	node, err := exec.LookPath("node")
	if err != nil {
		dynaliteErr = fmt.Errorf("dynalite needs node: %w", err)
		return
	}
	// The port is free when chosen but could be taken before dynalite binds it: try a few.
	for range 5 {
		port, err := testkit.FreePort()
		if err != nil {
			dynaliteErr = err
			return
		}
		var out bytes.Buffer
		cmd := exec.Command(node, cli, "--port", strconv.Itoa(port), "--host", "127.0.0.1", "--createTableMs", "0", "--deleteTableMs", "0", "--updateTableMs", "0")
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			dynaliteErr = err
			return
		}
		exited := make(chan struct{})
		go func() { cmd.Wait(); close(exited) }()
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); {
			select {
			case <-exited:
				deadline = time.Time{}
				continue
			default:
			}
			if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
				c.Close()
				dynaliteCmd, dynaliteDone, dynaliteURL = cmd, exited, "http://"+addr
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
		cmd.Process.Kill()
		<-exited
		dynaliteErr = fmt.Errorf("dynalite did not start on %s: %s", addr, out.String())
	}
}

func client(t *testing.T) *awsddb.Client {
	t.Helper()
	dynaliteOnce.Do(startDynalite)
	if dynaliteSkip != "" {
		t.Skip(dynaliteSkip)
	}
	if dynaliteErr != nil {
		t.Fatal(dynaliteErr)
	}
	return awsddb.NewFromConfig(aws.Config{
		Region:      "us-east-1",
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
	}, func(o *awsddb.Options) { o.BaseEndpoint = aws.String(dynaliteURL) })
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
