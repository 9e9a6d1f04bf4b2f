package main

import (
	"bytes"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/sbomcat/sbomcat/deploy/lambdatest"
	ddbstore "github.com/sbomcat/sbomcat/dynamodb"
	"github.com/sbomcat/sbomcat/jobs/s3presign"
	sbomsqs "github.com/sbomcat/sbomcat/sqs"
	"github.com/sbomcat/sbomcat/worker/workertest"
)

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
	ddbURL := workertest.StartDynamoDB(t)
	sqsSrv := workertest.StartSQS(t)
	s3Srv := workertest.StartS3(t)
	s3Srv.CreateBucket(t, "sboms")
	sbomVersion := s3Srv.Put(t, "sboms", "fw/sbom.json", []byte("{}"))
	q := sqsSrv.CreateQueue(t, "associations", 5, 30)
	for _, table := range []string{"lambda", "reference"} {
		if err := ddbstore.New(dynamodb.NewFromConfig(workertest.Config(ddbURL)), table).CreateTable(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	const account = "123456789012"
	env := append(lambdatest.AWSEnv(map[string]string{"AWS_ENDPOINT_URL_DYNAMODB": ddbURL, "AWS_ENDPOINT_URL_SQS": sqsSrv.URL, "AWS_ENDPOINT_URL_S3": s3Srv.URL}),
		envTable+"=lambda", envAccountID+"="+account, envQueueURL+"="+q.URL)
	fn := lambdatest.Start(t, rie, bootstrap, env)

	c := fnConfig{table: "reference", account: account, queueURL: q.URL}
	refStore := ddbstore.New(dynamodb.NewFromConfig(workertest.Config(ddbURL)), c.table)
	presigner := s3presign.New(s3.NewFromConfig(workertest.Config(s3Srv.URL), func(o *s3.Options) { o.UsePathStyle = true }))
	ref := httptest.NewServer(newHandler(c, workertest.Region, refStore, sbomsqs.NewPublisher(sqs.NewFromConfig(workertest.Config(sqsSrv.URL)), q.URL), presigner, discard))
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
	inits := lambdatest.ColdStarts(t, rie, bootstrap, env, list, 3)
	t.Logf("init duration (aws-lambda-rie INIT REPORT), best of %d cold starts: %v (all: %v)", len(inits), slices.Min(inits), inits)
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
