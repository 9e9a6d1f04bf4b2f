package main

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iot"
	iottypes "github.com/aws/aws-sdk-go-v2/service/iot/types"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"

	"github.com/sbomcat/sbomcat/internal/flagset"
	"github.com/sbomcat/sbomcat/internal/sbomgen"
)

const demoUsage = `usage: sbomctl demo [--endpoint URL] [--region R] [--access-key K --secret-key S] [--bucket B] [--package P]

Drives the whole service loop against a running sbomd (or any endpoint serving the IoT package
catalog and S3) with the AWS SDK for Go: creates a versioned bucket, uploads a zip of generated
SBOMs (some valid, one not) as a new object version, creates a package version, associates the
SBOM, waits for its validation and prints the results.
Exit status: 0 when the loop completed with the expected verdicts, 1 when the verdicts differ,
2 on a usage error or a failed call.
`

// demoConfig is what sbomctl demo talks to.
type demoConfig struct {
	endpoint, region, accessKey, secretKey string
	bucket, pkg                            string
	timeout                                time.Duration
}

// demoFile is one file of the demo archive and the verdict the service must give it.
type demoFile struct {
	name    string
	content []byte
	valid   bool
}

func demo(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	var c demoConfig
	fs := flagset.New("sbomctl demo", demoUsage+flagsHeading)
	fs.StringVar(&c.endpoint, "endpoint", "http://127.0.0.1:4566", "`URL` of sbomd (both the IoT API and S3)")
	fs.StringVar(&c.region, "region", "us-east-1", "region to sign for")
	fs.StringVar(&c.accessKey, "access-key", "test", "access key id")
	fs.StringVar(&c.secretKey, "secret-key", "test", "secret access key")
	fs.StringVar(&c.bucket, "bucket", "sbomcat-demo", "S3 `bucket` for the SBOMs (created, versioning on)")
	fs.StringVar(&c.pkg, "package", "sbomcat-demo", "`package` to create (if absent) and add a version to")
	fs.DurationVar(&c.timeout, "timeout", 2*time.Minute, "how long to wait for the validation")
	if status, ended := fs.Ended(fs.Parse(args), stdout, stderr); ended {
		return status
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "sbomctl demo: unexpected arguments %q\n%s", fs.Args(), demoUsage)
		return exitError
	}
	files, err := demoFiles()
	if err != nil {
		fmt.Fprintf(stderr, "sbomctl demo: %v\n", err)
		return exitError
	}
	ok, err := runDemo(ctx, c, files, stdout)
	if errors.Is(err, syscall.ECONNREFUSED) {
		fmt.Fprintf(stderr, "sbomctl demo: nothing listens at %s: start sbomd first, with `make run` in another terminal (or give --endpoint)\n(%v)\n", c.endpoint, err)
		return exitError
	}
	if err != nil {
		fmt.Fprintf(stderr, "sbomctl demo: %v\n", err)
		return exitError
	}
	if !ok {
		return exitFailed
	}
	return exitOK
}

// demoFiles are the archive's SBOMs: two generated ones (sbomgen, as the benchmarks use), two
// small hand-written ones, and one CycloneDX document that breaks its schema.
func demoFiles() ([]demoFile, error) {
	var cdx, spdx bytes.Buffer
	if err := sbomgen.CycloneDX(&cdx, 256<<10); err != nil {
		return nil, fmt.Errorf("generating a CycloneDX SBOM: %w", err)
	}
	if err := sbomgen.SPDX(&spdx, 256<<10); err != nil {
		return nil, fmt.Errorf("generating an SPDX SBOM: %w", err)
	}
	return []demoFile{
		{"gateway-fw.cdx.json", cdx.Bytes(), true},
		{"gateway-fw.spdx.json", spdx.Bytes(), true},
		{"bootloader.cdx.json", []byte(`{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"components":[{"type":"library","name":"u-boot","version":"2024.04","purl":"pkg:generic/u-boot@2024.04"}]}`), true},
		{"libs/openssl.spdx.json", []byte(`{"spdxVersion":"SPDX-2.3","dataLicense":"CC0-1.0","SPDXID":"SPDXRef-DOCUMENT","name":"openssl","documentNamespace":"https://example.com/spdx/openssl-3.0.13",` +
			`"creationInfo":{"created":"2025-03-14T09:26:53Z","creators":["Tool: sbomctl-demo"]},` +
			`"packages":[{"SPDXID":"SPDXRef-Package-openssl","name":"openssl","versionInfo":"3.0.13","downloadLocation":"NOASSERTION","filesAnalyzed":false}]}`), true},
		// A purl must be a string: the service names the JSON pointer and what it found.
		{"broken-radio.cdx.json", []byte(`{"bomFormat":"CycloneDX","specVersion":"1.5","version":1,"components":[{"type":"library","name":"radio-blob","purl":7}]}`), false},
	}, nil
}

func zipOf(files []demoFile) ([]byte, error) {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		w, err := zw.Create(f.name)
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(f.content); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// runDemo drives the loop and prints what it does. It reports whether every file got the
// verdict it should; an error means the loop could not be completed.
func runDemo(ctx context.Context, c demoConfig, files []demoFile, out io.Writer) (bool, error) {
	cfg := aws.Config{
		Region:      c.region,
		Credentials: credentials.NewStaticCredentialsProvider(c.accessKey, c.secretKey, ""),
		HTTPClient:  &http.Client{Timeout: time.Minute},
	}
	s3c := s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.BaseEndpoint = aws.String(c.endpoint)
		o.UsePathStyle = true // a local endpoint has no per-bucket host names
	})
	iotc := iot.NewFromConfig(cfg, func(o *iot.Options) { o.BaseEndpoint = aws.String(c.endpoint) })

	// 1. A bucket with versioning: associations name an object version, never a mutable key.
	if _, err := s3c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(c.bucket)}); err != nil && !isCode(err, "BucketAlreadyOwnedByYou", "BucketAlreadyExists") {
		return false, fmt.Errorf("create bucket %s: %w", c.bucket, err)
	}
	if _, err := s3c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{
		Bucket:                  aws.String(c.bucket),
		VersioningConfiguration: &s3types.VersioningConfiguration{Status: s3types.BucketVersioningStatusEnabled},
	}); err != nil {
		return false, fmt.Errorf("enable versioning on %s: %w", c.bucket, err)
	}
	fmt.Fprintf(out, "bucket      s3://%s (versioning enabled)\n", c.bucket)

	// 2. The SBOMs, zipped, as a new version of one key.
	body, err := zipOf(files)
	if err != nil {
		return false, fmt.Errorf("zip: %w", err)
	}
	// A new version name per run, so that the demo can be run again and again.
	version := "1.0.0-" + time.Now().UTC().Format("20060102T150405.000")
	key := "demo/sboms.zip"
	put, err := s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(c.bucket), Key: aws.String(key), Body: bytes.NewReader(body)})
	if err != nil {
		return false, fmt.Errorf("upload s3://%s/%s: %w", c.bucket, key, err)
	}
	objVersion := aws.ToString(put.VersionId)
	if objVersion == "" {
		return false, fmt.Errorf("upload s3://%s/%s: no version id came back; is versioning on?", c.bucket, key)
	}
	fmt.Fprintf(out, "uploaded    s3://%s/%s version %s (%d files, %d bytes)\n", c.bucket, key, objVersion, len(files), len(body))

	// 3. A package (kept from earlier runs) and a new version of it.
	if _, err := iotc.CreatePackage(ctx, &iot.CreatePackageInput{PackageName: aws.String(c.pkg)}); err != nil {
		var conflict *iottypes.ConflictException
		if !errors.As(err, &conflict) {
			return false, fmt.Errorf("create package %s: %w", c.pkg, err)
		}
	}
	if _, err := iotc.CreatePackageVersion(ctx, &iot.CreatePackageVersionInput{PackageName: aws.String(c.pkg), VersionName: aws.String(version)}); err != nil {
		return false, fmt.Errorf("create package version %s %s: %w", c.pkg, version, err)
	}
	fmt.Fprintf(out, "package     %s version %s\n", c.pkg, version)

	// 4. Associate, then wait for the worker to leave IN_PROGRESS.
	start := time.Now()
	if _, err := iotc.AssociateSbomWithPackageVersion(ctx, &iot.AssociateSbomWithPackageVersionInput{
		PackageName: aws.String(c.pkg), VersionName: aws.String(version),
		Sbom: &iottypes.Sbom{S3Location: &iottypes.S3Location{Bucket: aws.String(c.bucket), Key: aws.String(key), Version: aws.String(objVersion)}},
	}); err != nil {
		return false, fmt.Errorf("associate the SBOM: %w", err)
	}
	status, err := waitForValidation(ctx, iotc, c.pkg, version, c.timeout)
	if err != nil {
		return false, err
	}
	fmt.Fprintf(out, "validated   %s in %s\n\n", status, time.Since(start).Round(time.Millisecond))

	// 5. The results, every page.
	got := map[string]iottypes.SbomValidationResult{}
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "FILE\tRESULT\tERROR CODE\tMESSAGE")
	pages := iot.NewListSbomValidationResultsPaginator(iotc, &iot.ListSbomValidationResultsInput{PackageName: aws.String(c.pkg), VersionName: aws.String(version)})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return false, fmt.Errorf("list validation results: %w", err)
		}
		for _, r := range page.ValidationResultSummaries {
			name := aws.ToString(r.FileName)
			got[name] = r.ValidationResult
			code, msg := string(r.ErrorCode), aws.ToString(r.ErrorMessage)
			if code == "" {
				code = "-"
			}
			if msg == "" {
				msg = "-"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", printable(name), r.ValidationResult, code, printable(msg))
		}
	}
	if err := tw.Flush(); err != nil {
		return false, err
	}

	// The demo knows what it uploaded, so it can say whether the service judged it right.
	ok := true
	var wrong []string
	for _, f := range files {
		want := iottypes.SbomValidationResultSucceeded
		if !f.valid {
			want = iottypes.SbomValidationResultFailed
		}
		if got[f.name] != want {
			ok = false
			wrong = append(wrong, fmt.Sprintf("%s: got %q, want %s", f.name, got[f.name], want))
		}
	}
	wantStatus := iottypes.SbomValidationStatusSucceeded
	for _, f := range files {
		if !f.valid {
			wantStatus = iottypes.SbomValidationStatusFailed
		}
	}
	if status != wantStatus {
		ok = false
		wrong = append(wrong, fmt.Sprintf("status %s, want %s", status, wantStatus))
	}
	if ok {
		fmt.Fprintf(out, "\n%d files: every verdict as expected (the broken one is meant to fail)\n", len(files))
	} else {
		fmt.Fprintf(out, "\nunexpected verdicts:\n  %s\n", strings.Join(wrong, "\n  "))
	}
	return ok, nil
}

// waitForValidation polls GetPackageVersion until the SBOM status leaves IN_PROGRESS.
func waitForValidation(ctx context.Context, c *iot.Client, pkg, version string, timeout time.Duration) (iottypes.SbomValidationStatus, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	delay := 50 * time.Millisecond
	for {
		v, err := c.GetPackageVersion(ctx, &iot.GetPackageVersionInput{PackageName: aws.String(pkg), VersionName: aws.String(version)})
		if err != nil {
			return "", fmt.Errorf("get package version: %w", err)
		}
		if s := v.SbomValidationStatus; s != iottypes.SbomValidationStatusInProgress {
			return s, nil
		}
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("the SBOM of %s %s is still IN_PROGRESS after %s: is a validation worker running?", pkg, version, timeout)
		case <-time.After(delay):
		}
		delay = min(delay*2, time.Second)
	}
}

func isCode(err error, codes ...string) bool {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return false
	}
	for _, c := range codes {
		if ae.ErrorCode() == c {
			return true
		}
	}
	return false
}
