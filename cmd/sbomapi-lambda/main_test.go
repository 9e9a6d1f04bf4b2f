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
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
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
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/awslabs/aws-lambda-go-api-proxy/httpadapter"

	"github.com/sbomcat/sbomcat"
	"github.com/sbomcat/sbomcat/deploy"
	ddbstore "github.com/sbomcat/sbomcat/dynamodb"
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
	ddbURL := workertest.StartDynamoDB(t)
	s3Srv := workertest.StartS3(t)

	store := ddbstore.New(dynamodb.NewFromConfig(workertest.Config(ddbURL)), "catalog")
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
	sqsClient := sqs.NewFromConfig(workertest.Config(sqsSrv.URL))
	presignClient := s3.NewFromConfig(workertest.Config(s3Srv.URL), func(o *s3.Options) { o.UsePathStyle = true })
	h := newHandler(c, workertest.Region, store, sbomsqs.NewPublisher(sqsClient, c.queueURL), s3presign.New(presignClient), discard)
	gw := gateway(t, httpadapter.NewV2(h).ProxyWithContext)
	iotc := iot.NewFromConfig(workertest.Config(gw.URL), signForExecuteAPI)

	t.Run("API Gateway refuses requests signed for iot or with a wrong key", func(t *testing.T) {
		wrongKey := workertest.Config(gw.URL)
		wrongKey.Credentials = credentials.NewStaticCredentialsProvider(workertest.AccessKey, "wrong", "")
		for name, c := range map[string]*iot.Client{
			"signed for iot": iot.NewFromConfig(workertest.Config(gw.URL)),
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
