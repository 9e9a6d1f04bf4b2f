package s3local_test

import (
	"bytes"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sbomcat/sbomcat/internal/testkit"
)

// TestAWSCLI drives the server with the unmodified AWS CLI when one is installed: it uses
// multipart upload above 8 MB and UploadPartCopy for copies, and botocore keeps header case.
func TestAWSCLI(t *testing.T) {
	testkit.SkipShort(t, "starts the AWS CLI a dozen times")
	awsPath := testkit.AWSCLI(t, "the test drives the server with the AWS CLI")
	s := startServer(t, t.TempDir(), false)
	work := t.TempDir()
	env := []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + work,
		"AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_DEFAULT_REGION=us-east-1",
		"AWS_ENDPOINT_URL=" + s.srv.URL, "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null",
		"AWS_EC2_METADATA_DISABLED=true", "AWS_PAGER=",
	}
	aws := func(args ...string) []byte {
		t.Helper()
		// --endpoint-url as well as AWS_ENDPOINT_URL: a CLI too old for the variable must not
		// reach for real AWS.
		cmd := exec.Command(awsPath, append(args, "--output", "json", "--endpoint-url", s.srv.URL)...)
		cmd.Env, cmd.Dir = env, work
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
		}
		return out
	}
	decode := func(b []byte, v any) {
		t.Helper()
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("%v in %s", err, b)
		}
	}

	aws("s3api", "create-bucket", "--bucket", "cli")
	aws("s3api", "put-bucket-versioning", "--bucket", "cli", "--versioning-configuration", "Status=Enabled")

	big := make([]byte, 20<<20) // above the CLI's 8 MB multipart threshold: three parts
	rand.NewChaCha8([32]byte{3}).Read(big)
	bigPath := filepath.Join(work, "big.bin")
	if err := os.WriteFile(bigPath, big, 0o644); err != nil {
		t.Fatal(err)
	}
	aws("s3", "cp", bigPath, "s3://cli/sboms/big.bin", "--only-show-errors")
	aws("s3", "cp", "s3://cli/sboms/big.bin", "s3://cli/copy.bin", "--only-show-errors") // UploadPartCopy
	aws("s3", "cp", "s3://cli/copy.bin", filepath.Join(work, "back.bin"), "--only-show-errors")
	if back, _ := os.ReadFile(filepath.Join(work, "back.bin")); !bytes.Equal(back, big) {
		t.Fatalf("downloaded copy differs (%d bytes)", len(back))
	}

	small := filepath.Join(work, "small.json")
	os.WriteFile(small, []byte(`{"v":1}`), 0o644)
	var p1, p2 struct{ VersionId string }
	decode(aws("s3api", "put-object", "--bucket", "cli", "--key", "sboms/small.json", "--body", small, "--metadata", "Gen=1"), &p1)
	os.WriteFile(small, []byte(`{"v":2,"x":true}`), 0o644)
	decode(aws("s3api", "put-object", "--bucket", "cli", "--key", "sboms/small.json", "--body", small), &p2)
	if p1.VersionId == "" || p1.VersionId == p2.VersionId {
		t.Fatalf("version ids %q, %q", p1.VersionId, p2.VersionId)
	}
	var head struct {
		ContentLength int64
		VersionId     string
		Metadata      map[string]string
	}
	decode(aws("s3api", "head-object", "--bucket", "cli", "--key", "sboms/small.json", "--version-id", p1.VersionId), &head)
	if head.ContentLength != 7 || head.VersionId != p1.VersionId || head.Metadata["gen"] != "1" {
		t.Errorf("head-object of version 1 = %+v (S3 lower-cases metadata keys)", head)
	}
	aws("s3api", "get-object", "--bucket", "cli", "--key", "sboms/small.json", "--version-id", p1.VersionId, filepath.Join(work, "v1.json"))
	if got, _ := os.ReadFile(filepath.Join(work, "v1.json")); string(got) != `{"v":1}` {
		t.Errorf("get-object version 1 = %q", got)
	}

	aws("s3", "rm", "s3://cli/sboms/small.json")
	var versions struct {
		Versions      []struct{ Key, VersionId string }
		DeleteMarkers []struct {
			Key      string
			IsLatest bool
		}
	}
	decode(aws("s3api", "list-object-versions", "--bucket", "cli", "--prefix", "sboms/"), &versions)
	if len(versions.Versions) != 3 || len(versions.DeleteMarkers) != 1 || !versions.DeleteMarkers[0].IsLatest {
		t.Errorf("list-object-versions = %+v", versions)
	}
	ls := string(aws("s3", "ls", "s3://cli/", "--recursive"))
	if !strings.Contains(ls, "sboms/big.bin") || !strings.Contains(ls, "copy.bin") || strings.Contains(ls, "small.json") {
		t.Errorf("s3 ls:\n%s", ls)
	}

	// The same lower-case metadata header on the wire (Go's client would canonicalise it).
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	req, _ := http.NewRequest(http.MethodHead, s.srv.URL+"/cli/sboms/small.json?versionId="+p1.VersionId, nil)
	req.Close = true
	testkit.SignS3Unsigned(t, req)
	if err := req.Write(conn); err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(conn)
	if !bytes.Contains(raw, []byte("\r\nx-amz-meta-gen: 1\r\n")) {
		t.Errorf("HEAD response:\n%s\nwant the header x-amz-meta-gen in lower case", raw)
	}
}
