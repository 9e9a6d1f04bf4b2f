package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/iot"
	iottypes "github.com/aws/aws-sdk-go-v2/service/iot/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/sbomcat/sbomcat"
	"github.com/sbomcat/sbomcat/deploy"
	"github.com/sbomcat/sbomcat/deploy/lambdatest"
	ddbstore "github.com/sbomcat/sbomcat/dynamodb"
	"github.com/sbomcat/sbomcat/internal/testkit"
	"github.com/sbomcat/sbomcat/jobs/s3presign"
	"github.com/sbomcat/sbomcat/queue"
	"github.com/sbomcat/sbomcat/sqlite"
	sbomsqs "github.com/sbomcat/sbomcat/sqs"
	"github.com/sbomcat/sbomcat/worker/workertest"
)

var discard = slog.New(slog.NewJSONHandler(io.Discard, nil))

// TestAdapter drives the handler through the same adapter Lambda uses, with API Gateway HTTP
// API (payload 2.0) events, on a real store.
func TestAdapter(t *testing.T) {
	store, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), sqlite.FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	c := fnConfig{table: "t", account: "123456789012", queueURL: "unused"}
	proxy := httpadapter.NewV2(newHandler(c, "eu-west-1", store, nil, nil, discard)).ProxyWithContext
	event := func(method, rawPath, query, body string) events.APIGatewayV2HTTPRequest {
		e := events.APIGatewayV2HTTPRequest{Version: "2.0", RawPath: rawPath, RawQueryString: query, Body: body,
			Headers: map[string]string{"content-type": "application/json"}}
		e.RequestContext.HTTP.Method, e.RequestContext.HTTP.Path = method, rawPath
		return e
	}
	tests := []struct {
		name, method, path, query, body string
		status                          int
		check                           func(t *testing.T, body map[string]any, headers map[string]string)
	}{
		{"create", "PUT", "/packages/fw", "clientToken=11111111-2222-3333-4444-555555555555", `{"description":"d"}`, 200, func(t *testing.T, b map[string]any, _ map[string]string) {
			if b["packageArn"] != "arn:aws:iot:eu-west-1:123456789012:package/fw" {
				t.Errorf("body %v", b)
			}
		}},
		{"get", "GET", "/packages/fw", "", "", 200, func(t *testing.T, b map[string]any, _ map[string]string) {
			if _, ok := b["creationDate"].(float64); !ok || b["description"] != "d" {
				t.Errorf("body %v", b)
			}
		}},
		{"escaped name", "GET", "/packages/bad%20name", "", "", 400, func(t *testing.T, b map[string]any, h map[string]string) {
			if h[http.CanonicalHeaderKey("X-Amzn-ErrorType")] != "ValidationException" || b["__type"] != "ValidationException" {
				t.Errorf("headers %v body %v", h, b)
			}
		}},
		{"missing", "GET", "/packages/nope", "", "", 404, nil},
		{"list", "GET", "/packages", "maxResults=1", "", 200, func(t *testing.T, b map[string]any, _ map[string]string) {
			if s, _ := b["packageSummaries"].([]any); len(s) != 1 {
				t.Errorf("body %v", b)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := proxy(context.Background(), event(tt.method, tt.path, tt.query, tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.status, resp.Body)
			}
			if resp.Headers[http.CanonicalHeaderKey("X-Amzn-RequestId")] == "" {
				t.Errorf("no request id in %v", resp.Headers)
			}
			var body map[string]any
			if resp.Body != "" {
				if err := json.Unmarshal([]byte(resp.Body), &body); err != nil {
					t.Fatalf("body %q: %v", resp.Body, err)
				}
			}
			if tt.check != nil {
				tt.check(t, body, resp.Headers)
			}
		})
	}
}

func TestConfiguration(t *testing.T) {
	full := map[string]string{envTable: "t", envAccountID: "123456789012", envQueueURL: "https://sqs.eu-west-1.amazonaws.com/123456789012/q"}
	with := func(k, v string) map[string]string {
		m := map[string]string{}
		for k, v := range full {
			m[k] = v
		}
		m[k] = v
		return m
	}
	tests := []struct {
		name string
		env  map[string]string
		want fnConfig // compared when wantErr is ""
		// wantErr is a variable name the error must mention.
		wantErr string
	}{
		{"required only", full, fnConfig{table: "t", account: "123456789012", queueURL: full[envQueueURL]}, ""},
		{"limits", with(envMaxPackages, "7"), fnConfig{table: "t", account: "123456789012", queueURL: full[envQueueURL], maxPackages: 7}, ""},
		{"no limit", with(envMaxInFlight, "-1"), fnConfig{table: "t", account: "123456789012", queueURL: full[envQueueURL], maxInFlight: -1}, ""},
		{"no table", with(envTable, ""), fnConfig{}, envTable},
		{"no account", with(envAccountID, ""), fnConfig{}, envAccountID},
		{"no queue", with(envQueueURL, ""), fnConfig{}, envQueueURL},
		{"zero limit", with(envMaxVersions, "0"), fnConfig{}, envMaxVersions},
		{"bad limit", with(envMaxVersions, "ten"), fnConfig{}, envMaxVersions},
		{"below -1", with(envMaxPackages, "-2"), fnConfig{}, envMaxPackages},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := configFromEnv(func(k string) string { return tt.env[k] })
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one naming %s", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
	// Every missing variable is named at once, so that one failed deployment says it all.
	_, err := configFromEnv(func(string) string { return "" })
	for _, name := range []string{envTable, envAccountID, envQueueURL} {
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("error %v does not name %s", err, name)
		}
	}
}

// TestTemplateEnvironment: the environment template.yaml gives the function is one it starts
// with, and names the template's own table and queue.
func TestTemplateEnvironment(t *testing.T) {
	tpl, err := deploy.Load("../../template.yaml")
	if err != nil {
		t.Fatal(err)
	}
	env, err := tpl.FunctionEnvironment("ApiFunction", deploy.Values{Parameters: map[string]any{"SbomBuckets": []any{"sboms"}}})
	if err != nil {
		t.Fatal(err)
	}
	c, err := configFromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatalf("the template's environment %v: %v", env, err)
	}
	if c.table != deploy.RefToken("Table") || c.queueURL != deploy.RefToken("Queue") || c.account != deploy.TestAccount {
		t.Errorf("config %+v: want the template's table, queue and account", c)
	}
}

// TestDeployedParts runs the function's handler on the parts it has in AWS, each a real engine
// on loopback: the DynamoDB store (dynalite), the SQS publisher (fauxqs) and the S3 presigner
// (an S3 server), driven by the official IoT client through API Gateway's payload 2.0 events.
func TestDeployedParts(t *testing.T) {
	ctx := context.Background()
	sqsSrv := workertest.StartSQS(t)
	ddbURL := workertest.StartDynamoDB(t).URL
	s3Srv := workertest.StartS3(t)

	store := ddbstore.New(dynamodb.NewFromConfig(testkit.SDKConfig(ddbURL)), "catalog")
	if err := store.CreateTable(ctx); err != nil {
		t.Fatal(err)
	}
	q := sqsSrv.CreateQueue(t, "associations", 5, 30)
	s3Srv.CreateBucket(t, "sboms")
	artifact := []byte("firmware image")
	artifactVersion := s3Srv.Put(t, "sboms", "fw/1.0.bin", artifact)
	sbomVersion := s3Srv.Put(t, "sboms", "fw/1.0-sbom.zip", []byte("not looked at by the API"))

	env := map[string]string{envTable: "catalog", envAccountID: "123456789012", envQueueURL: q.URL}
	c, err := configFromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	// The same construction as main, on the engines' endpoints.
	sqsClient := sqs.NewFromConfig(testkit.SDKConfig(sqsSrv.URL))
	presignClient := testkit.S3Client(s3Srv.URL)
	h := newHandler(c, workertest.Region, store, sbomsqs.NewPublisher(sqsClient, c.queueURL), s3presign.New(presignClient), discard)
	gw := gateway(t, httpadapter.NewV2(h).ProxyWithContext)
	iotc := iot.NewFromConfig(testkit.SDKConfig(gw.URL), signForExecuteAPI)

	t.Run("API Gateway refuses requests signed for iot or with a wrong key", func(t *testing.T) {
		wrongKey := testkit.SDKConfig(gw.URL)
		wrongKey.Credentials = credentials.NewStaticCredentialsProvider(workertest.AccessKey, "wrong", "")
		for name, c := range map[string]*iot.Client{
			"signed for iot": iot.NewFromConfig(testkit.SDKConfig(gw.URL)),
			"wrong secret":   iot.NewFromConfig(wrongKey, signForExecuteAPI),
		} {
			_, err := c.ListPackages(ctx, &iot.ListPackagesInput{})
			var re *awshttp.ResponseError
			if !errors.As(err, &re) || re.HTTPStatusCode() != http.StatusForbidden {
				t.Errorf("%s: %v, want 403", name, err)
			}
		}
	})

	_, err = iotc.CreatePackage(ctx, &iot.CreatePackageInput{PackageName: aws.String("fw")})
	ok(t, err)
	_, err = iotc.CreatePackageVersion(ctx, &iot.CreatePackageVersionInput{PackageName: aws.String("fw"), VersionName: aws.String("1.0"),
		Artifact: &iottypes.PackageVersionArtifact{S3Location: &iottypes.S3Location{
			Bucket: aws.String("sboms"), Key: aws.String("fw/1.0.bin"), Version: aws.String(artifactVersion)}}})
	ok(t, err)
	// Jobs deploy published versions only.
	_, err = iotc.UpdatePackageVersion(ctx, &iot.UpdatePackageVersionInput{PackageName: aws.String("fw"), VersionName: aws.String("1.0"),
		Action: iottypes.PackageVersionActionPublish})
	ok(t, err)

	t.Run("association is published to the queue", func(t *testing.T) {
		_, err := iotc.AssociateSbomWithPackageVersion(ctx, &iot.AssociateSbomWithPackageVersionInput{
			PackageName: aws.String("fw"), VersionName: aws.String("1.0"),
			Sbom: &iottypes.Sbom{S3Location: &iottypes.S3Location{Bucket: aws.String("sboms"), Key: aws.String("fw/1.0-sbom.zip"), Version: aws.String(sbomVersion)}},
		})
		ok(t, err)
		out, err := sqsClient.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(q.URL), WaitTimeSeconds: 5, MaxNumberOfMessages: 10})
		ok(t, err)
		if len(out.Messages) != 1 {
			t.Fatalf("%d messages on the queue, want 1", len(out.Messages))
		}
		a, err := queue.Decode([]byte(aws.ToString(out.Messages[0].Body)))
		ok(t, err)
		want := sbomcat.S3Location{Bucket: "sboms", Key: "fw/1.0-sbom.zip", Version: sbomVersion}
		if a.PackageName != "fw" || a.VersionName != "1.0" || a.SBOM != want || a.ID == "" {
			t.Errorf("event %+v, want fw 1.0 %+v", a, want)
		}
		v, err := iotc.GetPackageVersion(ctx, &iot.GetPackageVersionInput{PackageName: aws.String("fw"), VersionName: aws.String("1.0")})
		ok(t, err)
		if v.SbomValidationStatus != iottypes.SbomValidationStatusInProgress {
			t.Errorf("status %s, want IN_PROGRESS until the worker records results", v.SbomValidationStatus)
		}
	})

	t.Run("job artifact URL is presigned and fetches the version", func(t *testing.T) {
		_, err := iotc.CreateJob(ctx, &iot.CreateJobInput{
			JobId:                      aws.String("update-fw"),
			Targets:                    []string{"arn:aws:iot:us-east-1:123456789012:thing/gateway"},
			Document:                   aws.String(`{"url":"${aws:iot:package:fw:version:1.0:artifact:s3-presigned-url}"}`),
			DestinationPackageVersions: []string{"arn:aws:iot:us-east-1:123456789012:package/fw/version/1.0"},
			PresignedUrlConfig:         &iottypes.PresignedUrlConfig{RoleArn: aws.String("arn:aws:iam::123456789012:role/presign"), ExpiresInSec: aws.Int64(300)},
		})
		ok(t, err)
		doc, err := iotc.GetJobDocument(ctx, &iot.GetJobDocumentInput{JobId: aws.String("update-fw")})
		ok(t, err)
		var d struct{ URL string }
		ok(t, json.Unmarshal([]byte(aws.ToString(doc.Document)), &d))
		u, err := url.Parse(d.URL)
		ok(t, err)
		if u.Query().Get("versionId") != artifactVersion || u.Query().Get("X-Amz-Signature") == "" {
			t.Fatalf("artifact URL %s is not a presigned GET of version %s", d.URL, artifactVersion)
		}
		resp, err := http.Get(d.URL)
		ok(t, err)
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 || !bytes.Equal(body, artifact) {
			t.Errorf("GET artifact URL: %d %q", resp.StatusCode, body)
		}
	})
}

// gateway serves proxy over HTTP, turning each request into the API Gateway HTTP API (payload
// 2.0) event API Gateway would send and the function's response back into HTTP, so that the
// official IoT client can drive the handler as it would the deployed API.
func gateway(t *testing.T, proxy func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		// The HTTP API's IAM authorisation: requests signed for execute-api, or 403.
		if err := verifyExecuteAPI(r, body); err != nil {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprintf(w, `{"message":%q}`, err.Error())
			return
		}
		ev := events.APIGatewayV2HTTPRequest{Version: "2.0", RouteKey: "ANY /{proxy+}", RawPath: r.URL.EscapedPath(),
			RawQueryString: r.URL.RawQuery, Headers: map[string]string{}}
		for k, v := range r.Header {
			ev.Headers[strings.ToLower(k)] = strings.Join(v, ",")
		}
		if utf8.Valid(body) {
			ev.Body = string(body)
		} else {
			ev.Body, ev.IsBase64Encoded = base64.StdEncoding.EncodeToString(body), true
		}
		ev.RequestContext.HTTP.Method, ev.RequestContext.HTTP.Path = r.Method, r.URL.Path
		ev.RequestContext.DomainName = r.Host
		resp, err := proxy(r.Context(), ev)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		for k, v := range resp.Headers {
			w.Header().Set(k, v)
		}
		for k, vs := range resp.MultiValueHeaders {
			w.Header()[k] = vs
		}
		out := []byte(resp.Body)
		if resp.IsBase64Encoded {
			if out, err = base64.StdEncoding.DecodeString(resp.Body); err != nil {
				http.Error(w, err.Error(), http.StatusBadGateway)
				return
			}
		}
		w.WriteHeader(resp.StatusCode)
		w.Write(out)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// signForExecuteAPI makes an IoT client sign for execute-api, the service API Gateway's IAM
// authorisation checks, instead of iot: how a client calls the deployed API (README's sam
// deploy walkthrough).
var signForExecuteAPI = iot.WithSigV4SigningName("execute-api")

// verifyExecuteAPI checks a request's SigV4 signature as API Gateway's IAM authorisation does
// for the test credentials: scoped to execute-api in the test region, and matching the
// signature of the signed headers recomputed here.
func verifyExecuteAPI(r *http.Request, body []byte) error {
	auth := r.Header.Get("Authorization")
	m := regexp.MustCompile(`^AWS4-HMAC-SHA256 Credential=([^/]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request, SignedHeaders=([^,]+), Signature=[0-9a-f]+$`).FindStringSubmatch(auth)
	if m == nil {
		return fmt.Errorf("missing or malformed Authorization %q", auth)
	}
	if m[1] != workertest.AccessKey || m[3] != workertest.Region || m[4] != "execute-api" {
		return fmt.Errorf("credential scope %s/%s/%s: want %s/%s/execute-api", m[1], m[3], m[4], workertest.AccessKey, workertest.Region)
	}
	at, err := time.Parse("20060102T150405Z", r.Header.Get("X-Amz-Date"))
	if err != nil {
		return fmt.Errorf("X-Amz-Date: %w", err)
	}
	req, err := http.NewRequest(r.Method, "http://"+r.Host+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		return err
	}
	for _, h := range strings.Split(m[5], ";") {
		if h != "host" {
			req.Header[http.CanonicalHeaderKey(h)] = r.Header.Values(h)
		}
	}
	sum := sha256.Sum256(body)
	creds := aws.Credentials{AccessKeyID: workertest.AccessKey, SecretAccessKey: workertest.SecretKey}
	if err := v4.NewSigner().SignHTTP(r.Context(), creds, req, hex.EncodeToString(sum[:]), "execute-api", m[3], at); err != nil {
		return err
	}
	if req.Header.Get("Authorization") != auth {
		return errors.New("signature mismatch")
	}
	return nil
}

func ok(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestUnderLambdaRuntime runs the built bootstrap under the Lambda Runtime Interface Emulator
// on DynamoDB (dynalite), SQS (fauxqs) and S3 (gofakes3), and sends it an API Gateway HTTP API
// (payload 2.0) event for each kind of operation, errors included. Each answer must be the one
// the same API handler gives over net/http, as sbomd serves it, on a catalog of its own that
// gets the same requests: status, body (timestamps aside) and headers, Content-Type included
// and absent alike (the request id aside, which is new per request). It logs the init duration
// of three cold starts.
func TestUnderLambdaRuntime(t *testing.T) {
	rie := lambdatest.BuildEmulator(t)
	bootstrap := lambdatest.Build(t, ".", runtime.GOARCH)
	ddbURL := workertest.StartDynamoDB(t).URL
	sqsSrv := workertest.StartSQS(t)
	s3Srv := workertest.StartS3(t)
	s3Srv.CreateBucket(t, "sboms")
	sbomVersion := s3Srv.Put(t, "sboms", "fw/sbom.json", []byte("{}"))
	q := sqsSrv.CreateQueue(t, "associations", 5, 30)
	for _, table := range []string{"lambda", "reference"} {
		if err := ddbstore.New(dynamodb.NewFromConfig(testkit.SDKConfig(ddbURL)), table).CreateTable(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	const account = "123456789012"
	env := workertest.AWSEnv("AWS_ENDPOINT_URL_DYNAMODB="+ddbURL, "AWS_ENDPOINT_URL_SQS="+sqsSrv.URL, "AWS_ENDPOINT_URL_S3="+s3Srv.URL,
		"SBOMCAT_S3_USE_PATH_STYLE=true", envTable+"=lambda", envAccountID+"="+account, envQueueURL+"="+q.URL)
	fn := lambdatest.Start(t, rie, bootstrap, env)

	c := fnConfig{table: "reference", account: account, queueURL: q.URL}
	refStore := ddbstore.New(dynamodb.NewFromConfig(testkit.SDKConfig(ddbURL)), c.table)
	presigner := s3presign.New(testkit.S3Client(s3Srv.URL))
	ref := httptest.NewServer(newHandler(c, workertest.Region, refStore, sbomsqs.NewPublisher(sqs.NewFromConfig(testkit.SDKConfig(sqsSrv.URL)), q.URL), presigner, discard))
	defer ref.Close()

	pkgARN := "arn:aws:iot:" + workertest.Region + ":" + account + ":package/fw"
	sbom := `{"sbom":{"s3Location":{"bucket":"sboms","key":"fw/sbom.json","version":"` + sbomVersion + `"}}}`
	steps := []struct{ name, method, path, query, body string }{
		{"CreatePackage", "PUT", "/packages/fw", "", `{"description":"gateway firmware","tags":{"team":"a"}}`},
		{"CreatePackage again", "PUT", "/packages/fw", "", `{}`},
		{"GetPackage", "GET", "/packages/fw", "", ""},
		{"GetPackage missing", "GET", "/packages/nope", "", ""},
		{"GetPackage bad name", "GET", "/packages/bad%20name", "", ""},
		{"UpdatePackage", "PATCH", "/packages/fw", "", `{"description":"new"}`},
		{"UpdatePackage malformed JSON", "PATCH", "/packages/fw", "", `{"description":`},
		{"ListPackages", "GET", "/packages", "maxResults=1", ""},
		{"ListPackages bad maxResults", "GET", "/packages", "maxResults=0", ""},
		{"CreatePackageVersion", "PUT", "/packages/fw/versions/1.0", "", `{"attributes":{"k":"v"}}`},
		{"GetPackageVersion", "GET", "/packages/fw/versions/1.0", "", ""},
		{"UpdatePackageVersion", "PATCH", "/packages/fw/versions/1.0", "", `{"action":"PUBLISH"}`},
		{"ListPackageVersions", "GET", "/packages/fw/versions", "", ""},
		{"AssociateSbom", "PUT", "/packages/fw/versions/1.0/sbom", "", sbom},
		{"ListSbomValidationResults", "GET", "/packages/fw/versions/1.0/sbom-validation-results", "", ""},
		{"DisassociateSbom", "DELETE", "/packages/fw/versions/1.0/sbom", "", ""},
		{"GetPackageConfiguration", "GET", "/package-configuration", "", ""},
		{"UpdatePackageConfiguration", "PATCH", "/package-configuration", "", `{"versionUpdateByJobsConfig":{"enabled":false}}`},
		{"TagResource", "POST", "/tags", "resourceArn=" + pkgARN, `{"tags":{"env":"prod"}}`},
		{"ListTagsForResource", "GET", "/tags", "resourceArn=" + pkgARN, ""},
		{"UntagResource", "POST", "/untag", "resourceArn=" + pkgARN, `{"tagKeys":["env"]}`},
		{"ListJobs", "GET", "/jobs", "", ""},
		{"DescribeJob missing", "GET", "/jobs/none", "", ""},
		{"unknown operation", "GET", "/nothing-here", "", ""},
		{"DeletePackageVersion", "DELETE", "/packages/fw/versions/1.0", "", ""},
		{"DeletePackage", "DELETE", "/packages/fw", "", ""},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			want := serve(t, ref.URL, s.method, s.path, s.query, s.body)
			ev := events.APIGatewayV2HTTPRequest{Version: "2.0", RouteKey: "$default", RawPath: s.path, RawQueryString: s.query,
				Headers: map[string]string{"content-type": "application/json", "host": "api.example"}, Body: s.body}
			ev.RequestContext.HTTP.Method, ev.RequestContext.HTTP.Path = s.method, s.path
			var got events.APIGatewayV2HTTPResponse
			fn.InvokeOK(t, ev, &got)
			if got.StatusCode != want.StatusCode {
				t.Errorf("status %d, sbomd's %d: %s", got.StatusCode, want.StatusCode, got.Body)
			}
			if g, w := normalize(got.Body), normalize(want.Body); g != w {
				t.Errorf("body\n%s\nsbomd's\n%s", g, w)
			}
			gh, wh := http.Header{}, want.Headers
			for k, v := range got.Headers {
				gh.Set(k, v)
			}
			for _, h := range []http.Header{gh, wh} {
				if h.Get("X-Amzn-RequestId") != "" {
					h.Set("X-Amzn-RequestId", "<id>")
				}
			}
			if !maps.EqualFunc(gh, wh, slices.Equal) {
				t.Errorf("headers\n%v\nsbomd's\n%v", gh, wh)
			}
		})
	}
	fn.Stop()

	list := events.APIGatewayV2HTTPRequest{Version: "2.0", RawPath: "/packages", Headers: map[string]string{}}
	list.RequestContext.HTTP.Method, list.RequestContext.HTTP.Path = "GET", "/packages"
	lambdatest.LogInit(t, rie, bootstrap, env, list)
}

// response is what net/http sent, with the headers the handler set: Date and Content-Length
// are the server's, and API Gateway sets its own.
type response struct {
	StatusCode int
	Headers    http.Header
	Body       string
}

func serve(t *testing.T, base, method, path, query, body string) response {
	t.Helper()
	u := base + path
	if query != "" {
		u += "?" + query
	}
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	resp.Header.Del("Date")
	resp.Header.Del("Content-Length")
	return response{resp.StatusCode, resp.Header, string(b)}
}

// normalize replaces the values of JSON members named *Date (the two catalogs were written a
// moment apart) and reindents the document; anything else is returned as it is.
func normalize(body string) string {
	var v any
	if json.Unmarshal([]byte(body), &v) != nil {
		return body
	}
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if strings.HasSuffix(k, "Date") {
					v[k] = "<date>"
					continue
				}
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(v)
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", " ")
	enc.Encode(v)
	return b.String()
}

// TestLinksNoLocalEngines: the function runs on DynamoDB alone, and every package linked costs
// its cold start (initialisation and pages of the binary): SQLite and the embedded S3, which
// package wiring brings for sbomd and the worker binaries, must stay out, and so must the
// worker and its validator (the function only publishes events), and the SDK's config package
// with the credential providers it brings (the function's configuration is its environment).
func TestLinksNoLocalEngines(t *testing.T) {
	lambdatest.LinksNone(t, "modernc.org/sqlite", "github.com/sbomcat/sbomcat/sqlite", "github.com/sbomcat/sbomcat/s3local",
		"github.com/sbomcat/sbomcat/internal/wiring", "github.com/sbomcat/sbomcat/worker", "github.com/sbomcat/sbomcat/validator",
		"github.com/aws/aws-sdk-go-v2/config", "github.com/aws/aws-sdk-go-v2/service/sts")
}
