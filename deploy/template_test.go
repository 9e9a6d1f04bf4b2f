package deploy

import (
	"context"
	"encoding/json"
	"fmt"
	"go/types"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	ddb "github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/sbomcat/sbomcat/api"
	"github.com/sbomcat/sbomcat/dynamodb"
	"github.com/sbomcat/sbomcat/internal/wiring"
	"github.com/sbomcat/sbomcat/internal/wiring/settings"
	"github.com/sbomcat/sbomcat/validator"
)

// The functions of template.yaml and what they are made of.
var functions = []struct {
	ID, Cmd, Role, LogGroup string
	// Event is the function's one event source: its SAM type and the Lambda event type the
	// handler takes for it.
	EventType, EventGoType string
	// Optional are variables the code reads that the template leaves unset, each with why.
	Optional map[string]string
}{
	{
		ID: "ApiFunction", Cmd: "sbomapi-lambda", Role: "ApiRole", LogGroup: "ApiLogGroup",
		EventType: "HttpApi", EventGoType: "github.com/aws/aws-lambda-go/events.APIGatewayV2HTTPRequest",
	},
	{
		ID: "WorkerFunction", Cmd: "sbomworker-lambda", Role: "WorkerRole", LogGroup: "WorkerLogGroup",
		EventType: "SQS", EventGoType: "github.com/aws/aws-lambda-go/events.SQSEvent",
		Optional: map[string]string{
			wiring.EnvSQLitePath:        "the store is DynamoDB",
			settings.EnvQueueURL:        "the long-poll runner's; in Lambda the SQS event source mapping delivers the messages",
			wiring.EnvVisibilityTimeout: "the long-poll runner's; the queue's own visibility timeout applies in Lambda",
			wiring.EnvWaitTime:          "the long-poll runner's",
			settings.EnvShutdownGrace:   "the long-poll runner's; Lambda ends invocations itself",
			settings.EnvConcurrency:     "the default, the batch's size, is what the event source hands over",
			settings.EnvLogLevel:        "info unless debugging",
			"SBOMCAT_S3_USE_PATH_STYLE": "for S3 emulators only",
			// ReaperFunction reaps; nothing in the worker's Lambda binary uses this.
			wiring.EnvReapAfter: "read by wiring.WorkerFromEnv for the reaper, which runs in ReaperFunction",
		},
	},
	{
		ID: "ReaperFunction", Cmd: "sbomreaper-lambda", Role: "ReaperRole", LogGroup: "ReaperLogGroup",
		EventType: "Schedule", EventGoType: "github.com/aws/aws-lambda-go/events.EventBridgeEvent",
		Optional: map[string]string{
			wiring.EnvSQLitePath:          "the store is DynamoDB",
			settings.EnvQueueURL:          "the reaper reads no queue",
			wiring.EnvVisibilityTimeout:   "the long-poll runner's",
			wiring.EnvWaitTime:            "the long-poll runner's",
			settings.EnvShutdownGrace:     "the long-poll runner's",
			settings.EnvConcurrency:       "the reaper validates nothing",
			wiring.EnvMaxReceiveCount:     "the reaper reads no queue",
			settings.EnvValidationTimeout: "the reaper validates nothing",
			settings.EnvLogLevel:          "info unless debugging",
			settings.EnvProfile:           "the reaper validates nothing",
			"SBOMCAT_MAX_OBJECT_BYTES":    "the reaper validates nothing",
			"SBOMCAT_MAX_FILE_BYTES":      "the reaper validates nothing",
			"SBOMCAT_MAX_TOTAL_BYTES":     "the reaper validates nothing",
			"SBOMCAT_MAX_ENTRIES":         "the reaper validates nothing",
			"SBOMCAT_S3_USE_PATH_STYLE":   "the reaper reads no S3",
		},
	},
}

// lambdaSets are the variables Lambda sets in every function's environment itself, which the
// functions' AWS configuration reads (awsenv.Load).
var lambdaSets = []string{"AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"}

// sdkOptional are the other variables awsenv.Load reads, in every function, and why they are
// left unset.
var sdkOptional = map[string]string{
	"AWS_ACCESS_KEY":                      "the SDK's older name of AWS_ACCESS_KEY_ID, which Lambda sets",
	"AWS_SECRET_KEY":                      "the SDK's older name of AWS_SECRET_ACCESS_KEY, which Lambda sets",
	"AWS_ACCOUNT_ID":                      "the SDK's account-based endpoints are not used",
	"AWS_ENDPOINT_URL":                    "for emulators only (LocalStack, the tests)",
	"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "for emulators only",
	"AWS_MAX_ATTEMPTS":                    "the SDK's default retries",
	"AWS_RETRY_MODE":                      "the SDK's default retries",
}

// The SDK operations each function's code calls, as reached from its main (derived below from
// the source, and kept here in full so that a change to them is a visible change to review).
var wantSDKCalls = map[string][]string{
	"ApiFunction": {
		"dynamodb:BatchWriteItem", "dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem",
		"dynamodb:Query", "dynamodb:Scan", "dynamodb:UpdateItem",
		"s3:GetObject (presigned, versioned or not)",
		"sqs:SendMessage",
	},
	"WorkerFunction": {
		"dynamodb:BatchWriteItem", "dynamodb:GetItem", "dynamodb:Query", "dynamodb:UpdateItem",
		"s3:GetObject (versioned)",
	},
	"ReaperFunction": {
		"dynamodb:BatchWriteItem", "dynamodb:GetItem", "dynamodb:Query", "dynamodb:UpdateItem",
	},
}

// Actions a role needs that no SDK call in the code makes.
var infrastructureActions = map[string]map[string]string{
	"ApiFunction": {
		"logs:CreateLogStream": "Lambda writes the function's logs",
		"logs:PutLogEvents":    "Lambda writes the function's logs",
	},
	"WorkerFunction": {
		"logs:CreateLogStream":   "Lambda writes the function's logs",
		"logs:PutLogEvents":      "Lambda writes the function's logs",
		"sqs:ReceiveMessage":     "the SQS event source mapping polls the queue with the function's role",
		"sqs:DeleteMessage":      "the event source mapping deletes the messages not reported as failed",
		"sqs:GetQueueAttributes": "the event source mapping reads the queue's attributes",
	},
	"ReaperFunction": {
		"logs:CreateLogStream": "Lambda writes the function's logs",
		"logs:PutLogEvents":    "Lambda writes the function's logs",
	},
}

// testValues are the deployment values the checks use: the parameters without defaults.
var testValues = Values{Parameters: map[string]any{"SbomBuckets": []any{"sboms-eu", "firmware-sboms"}}}

func (v Values) with(name string, value any) Values {
	p := map[string]any{}
	for k, x := range v.Parameters {
		p[k] = x
	}
	p[name] = value
	v.Parameters = p
	return v
}

var (
	tplOnce sync.Once
	tpl     *Template
	tplErr  error
)

func template(t *testing.T) *Template {
	t.Helper()
	tplOnce.Do(func() { tpl, tplErr = Load("../template.yaml") })
	if tplErr != nil {
		t.Fatal(tplErr)
	}
	return tpl
}

func codeOf(t *testing.T, cmd string) *binary {
	t.Helper()
	c, err := loadCode()
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.reach(modulePath + "/cmd/" + cmd)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func resource(t *testing.T, id string, v Values) map[string]any {
	t.Helper()
	r, err := template(t).Resource(id, v)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestTemplateEvaluates: the template is SAM, and every resource and output resolves (every
// Ref, GetAtt, FindInMap and condition) in each partition.
func TestTemplateEvaluates(t *testing.T) {
	tp := template(t)
	if tr := fmt.Sprint(tp.Transform); !strings.Contains(tr, "AWS::Serverless-2016-10-31") {
		t.Errorf("Transform %v: want AWS::Serverless-2016-10-31", tp.Transform)
	}
	for _, partition := range []string{"aws", "aws-cn", "aws-us-gov"} {
		v := testValues
		v.Partition = partition
		for id := range tp.Resources {
			if _, err := tp.Resource(id, v); err != nil {
				t.Errorf("%s: %v", partition, err)
			}
		}
		if _, err := tp.Eval(tp.Outputs, v); err != nil {
			t.Errorf("%s: outputs: %v", partition, err)
		}
	}
	for name, p := range tp.Parameters {
		if p.Default == nil && testValues.Parameters[name] == nil {
			t.Errorf("parameter %s has no default and the tests give it no value", name)
		}
	}
}

// TestFunctionsAreTheBinaries: each function's code is what `make build-lambda` builds from
// cmd/<name>, a main that hands its handler to lambda.Start, for the runtime and architecture
// the template names, and the handler takes the event its event source sends.
func TestFunctionsAreTheBinaries(t *testing.T) {
	makefile, err := os.ReadFile("../Makefile")
	if err != nil {
		t.Fatal(err)
	}
	lambdas := regexp.MustCompile(`(?m)^LAMBDAS\s*:?=\s*(.*)$`).FindSubmatch(makefile)
	recipe := regexp.MustCompile(`(?ms)^build-lambda:.*?\n((?:\t.*\n)+)`).FindSubmatch(makefile)
	if lambdas == nil || recipe == nil {
		t.Fatal("the Makefile has no LAMBDAS list or no build-lambda recipe")
	}
	for _, f := range functions {
		t.Run(f.ID, func(t *testing.T) {
			tp := template(t)
			r := tp.Resources[f.ID]
			if r.Type != "AWS::Serverless::Function" {
				t.Fatalf("type %q", r.Type)
			}
			p := resource(t, f.ID, testValues)
			want := map[string]any{"CodeUri": "bin/" + f.Cmd + "/", "Handler": "bootstrap", "Runtime": "provided.al2023"}
			for k, v := range want {
				if p[k] != v {
					t.Errorf("%s = %v, want %v", k, p[k], v)
				}
			}
			if a := listOf(p["Architectures"]); len(a) != 1 || a[0] != "arm64" {
				t.Errorf("Architectures = %v, want [arm64]", p["Architectures"])
			}
			// sam build copies what make build-lambda built instead of building it.
			if r.Metadata["SkipBuild"] != true {
				t.Errorf("Metadata.SkipBuild = %v, want true", r.Metadata["SkipBuild"])
			}

			if !slices.Contains(strings.Fields(string(lambdas[1])), f.Cmd) {
				t.Errorf("the Makefile's LAMBDAS (%s) does not build %s", lambdas[1], f.Cmd)
			}
			for _, flag := range []string{"GOOS=linux", "GOARCH=arm64", "CGO_ENABLED=0", "-tags lambda.norpc", "-s -w", "-o bin/$$f/bootstrap", "./cmd/$$f"} {
				if !strings.Contains(string(recipe[1]), flag) {
					t.Errorf("build-lambda recipe lacks %q:\n%s", flag, recipe[1])
				}
			}

			b := codeOf(t, f.Cmd)
			var starts []string
			var args []types.Type
			for n := range b.reachable {
				starts = append(starts, n.started...)
				args = append(args, n.startArgs...)
			}
			if len(starts) != 1 || len(args) != 1 {
				t.Fatalf("cmd/%s calls lambda.Start %d times (%v), want once", f.Cmd, len(starts), starts)
			}
			sig, _ := args[0].Underlying().(*types.Signature)
			if sig == nil || sig.Params().Len() != 2 || sig.Params().At(1).Type().String() != f.EventGoType {
				t.Errorf("cmd/%s's handler is %s: want one taking (context.Context, %s) for its %s event", f.Cmd, args[0], f.EventGoType, f.EventType)
			}
			events := mapOf(p["Events"])
			if len(events) != 1 {
				t.Fatalf("events %v: want one", events)
			}
			for _, e := range events {
				if got := mapOf(e)["Type"]; got != f.EventType {
					t.Errorf("event type %v, want %s", got, f.EventType)
				}
			}
		})
	}
}

// TestEnvironmentMatchesCode: every variable a function's code reads is set by the template (or
// by Lambda itself), unless it is on the function's documented optional list or sdkOptional;
// every variable the template sets is
// one the code reads (a misspelt name would be set and ignored).
func TestEnvironmentMatchesCode(t *testing.T) {
	for _, f := range functions {
		t.Run(f.ID, func(t *testing.T) {
			env, err := template(t).FunctionEnvironment(f.ID, testValues)
			if err != nil {
				t.Fatal(err)
			}
			read := codeOf(t, f.Cmd).envReads()
			if len(read) == 0 {
				t.Fatal("no environment reads found in the code: the analysis is broken")
			}
			names := make([]string, 0, len(read))
			for name := range read {
				names = append(names, name)
			}
			sort.Strings(names)
			t.Logf("cmd/%s reads %s", f.Cmd, strings.Join(names, " "))
			for _, name := range names {
				_, set := env[name]
				set = set || slices.Contains(lambdaSets, name)
				why, optional := f.Optional[name]
				if !optional {
					why, optional = sdkOptional[name]
				}
				switch {
				case !set && !optional:
					t.Errorf("cmd/%s reads %s, which the template does not set (set it, or list it as optional with a reason)", f.Cmd, name)
				case set && optional:
					t.Errorf("%s is set by the template but listed as optional (%s)", name, why)
				}
			}
			for name := range env {
				if !read[name] {
					t.Errorf("the template sets %s, which cmd/%s never reads", name, f.Cmd)
				}
			}
			for name := range f.Optional {
				if _, both := sdkOptional[name]; both {
					t.Errorf("optional %s is listed for every function already", name)
				}
				if !read[name] {
					t.Errorf("optional %s is not read by cmd/%s any more: drop it from the list", name, f.Cmd)
				}
			}
		})
	}
}

// TestWorkerEnvironmentConfiguresTheWorker: the worker's configuration, parsed by the code
// from the template's environment, is the template's: its table, the redrive policy's receive
// count, the function's timeout, and the validator's own default limits.
func TestWorkerEnvironmentConfiguresTheWorker(t *testing.T) {
	tp := template(t)
	for _, receives := range []string{"3", "5", "12"} {
		v := testValues.with("MaxReceiveCount", receives)
		env, err := tp.FunctionEnvironment("WorkerFunction", v)
		if err != nil {
			t.Fatal(err)
		}
		c, err := wiring.WorkerFromEnv(func(k string) string { return env[k] })
		if err != nil {
			t.Fatalf("the worker rejects the template's environment %v: %v", env, err)
		}
		redrive := mapOf(resource(t, "Queue", v)["RedrivePolicy"])
		if got, _ := scalarString(redrive["maxReceiveCount"]); got != receives || strconv.Itoa(c.MaxReceiveCount) != receives {
			t.Errorf("MaxReceiveCount=%s: redrive maxReceiveCount %v, worker %d", receives, redrive["maxReceiveCount"], c.MaxReceiveCount)
		}
		if c.Store.Kind != wiring.StoreDynamoDB || c.Store.Table != RefToken("Table") {
			t.Errorf("store %+v: want dynamodb on the template's table", c.Store)
		}
		fn := resource(t, "WorkerFunction", v)
		timeout, _ := scalarString(fn["Timeout"])
		secs, _ := strconv.Atoi(timeout)
		if c.Timeout <= 0 || c.Timeout > time.Duration(secs)*time.Second {
			t.Errorf("validation timeout %v: want at most the function's %ss", c.Timeout, timeout)
		}
		wantLimits := validator.Limits{MaxObjectBytes: validator.DefaultMaxObjectBytes, MaxFileBytes: validator.DefaultMaxFileBytes,
			MaxTotalBytes: validator.DefaultMaxTotalBytes, MaxEntries: validator.DefaultMaxEntries}
		if c.Validator.Limits != wantLimits {
			t.Errorf("limits by default %+v, want the validator's defaults %+v", c.Validator.Limits, wantLimits)
		}
	}
	// The API's limits default to the API's defaults.
	for param, want := range map[string]int{"MaxPackages": api.DefaultMaxPackages, "MaxVersions": api.DefaultMaxVersions,
		"MaxInFlightValidations": api.DefaultMaxInFlightValidations} {
		if got, _ := scalarString(tp.Parameters[param].Default); got != strconv.Itoa(want) {
			t.Errorf("parameter %s defaults to %s, the API's default is %d", param, got, want)
		}
	}
}

// TestWorkerEventSource: SQS delivers to the worker with partial batch responses, in batches
// it can finish in time, and no message becomes visible again while a batch holding it may
// still run.
func TestWorkerEventSource(t *testing.T) {
	tp := template(t)
	timeoutParam := tp.Parameters["WorkerTimeout"]
	if len(timeoutParam.AllowedValues) == 0 {
		t.Fatal("WorkerTimeout has no AllowedValues: the visibility mapping cannot cover every value")
	}
	for _, allowed := range timeoutParam.AllowedValues {
		timeout, _ := scalarString(allowed)
		v := testValues.with("WorkerTimeout", timeout)
		fn := resource(t, "WorkerFunction", v)
		q := resource(t, "Queue", v)
		fnTimeout := number(t, fn["Timeout"])
		if fnTimeout != number(t, timeout) || fnTimeout > 900 {
			t.Errorf("WorkerTimeout=%s: function timeout %v", timeout, fn["Timeout"])
		}
		var ev map[string]any
		for _, e := range mapOf(fn["Events"]) {
			ev = mapOf(mapOf(e)["Properties"])
		}
		window := 0.0
		if w, ok := ev["MaximumBatchingWindowInSeconds"]; ok {
			window = number(t, w)
		}
		// AWS: at least six times the function timeout, plus the batching window.
		if vis := number(t, q["VisibilityTimeout"]); vis < 6*fnTimeout+window {
			t.Errorf("WorkerTimeout=%s: visibility timeout %v < 6 x %v + %v", timeout, vis, fnTimeout, window)
		}
	}

	fn := resource(t, "WorkerFunction", testValues)
	var ev map[string]any
	for _, e := range mapOf(fn["Events"]) {
		ev = mapOf(mapOf(e)["Properties"])
	}
	if ev["Queue"] != AttToken("Queue", "Arn") {
		t.Errorf("event source queue %v", ev["Queue"])
	}
	if frt := listOf(ev["FunctionResponseTypes"]); len(frt) != 1 || frt[0] != "ReportBatchItemFailures" {
		t.Errorf("FunctionResponseTypes %v: want [ReportBatchItemFailures]", ev["FunctionResponseTypes"])
	}
	// Without a batching window SQS batches hold at most 10 messages; every value the
	// parameter allows must be valid.
	bp := tp.Parameters["WorkerBatchSize"]
	for _, b := range []any{bp.Default, bp.MinValue, bp.MaxValue} {
		if n := number(t, b); n < 1 || n > 10 {
			t.Errorf("WorkerBatchSize allows %v: SQS batch sizes are 1 to 10 without a batching window", b)
		}
	}
	if ev["BatchSize"] != "5" {
		t.Errorf("BatchSize = %v, want the parameter's default 5", ev["BatchSize"])
	}
	if mc := number(t, mapOf(ev["ScalingConfig"])["MaximumConcurrency"]); mc < 2 {
		t.Errorf("MaximumConcurrency %v: SQS event sources take 2 or more", mc)
	}

	q := resource(t, "Queue", testValues)
	redrive := mapOf(q["RedrivePolicy"])
	if redrive["deadLetterTargetArn"] != AttToken("DeadLetterQueue", "Arn") {
		t.Errorf("redrive policy %v: want the dead-letter queue", redrive)
	}
	if r := tp.Resources["DeadLetterQueue"]; r.Type != "AWS::SQS::Queue" {
		t.Errorf("DeadLetterQueue is %q", r.Type)
	}
	// Every concurrent validation of a batch may spool an object of the largest size to /tmp.
	maxObject, err := validator.ParseSize(fmt.Sprint(tp.Parameters["MaxObjectBytes"].Default))
	if err != nil {
		t.Fatal(err)
	}
	tmpMB := number(t, mapOf(fn["EphemeralStorage"])["Size"])
	if need := number(t, bp.Default) * float64(maxObject); tmpMB*1e6 < need {
		t.Errorf("ephemeral storage %v MB < batch size x MaxObjectBytes = %v bytes", tmpMB, need)
	}
}

// TestIAMCoversSDKCalls: each role grants exactly the actions that the SDK calls its function's
// code can reach need (plus the logs and event source actions that Lambda performs with the
// role), each on the resources the function uses.
func TestIAMCoversSDKCalls(t *testing.T) {
	for _, f := range functions {
		t.Run(f.ID, func(t *testing.T) {
			b := codeOf(t, f.Cmd)
			calls := b.sdkCalls()
			found := map[string]bool{}
			required := map[string]string{} // IAM action -> why
			usesIndex := false              // some query may read an index
			for _, c := range calls {
				usesIndex = usesIndex || c.Index
				found[describe(c)] = true
				actions, err := iamActions(c)
				if err != nil {
					t.Errorf("%s at %s: %v", c.Func, c.Pos, err)
				}
				for _, a := range actions {
					required[a] = fmt.Sprintf("%s.%s in %s", c.Service, c.Operation, c.Func)
				}
			}
			var got []string
			for d := range found {
				got = append(got, d)
			}
			sort.Strings(got)
			if !slices.Equal(got, wantSDKCalls[f.ID]) {
				t.Errorf("SDK calls reached from cmd/%s:\n  got  %v\n  want %v\n(update wantSDKCalls and the role together)", f.Cmd, got, wantSDKCalls[f.ID])
			}
			// The analysis must be precise enough to leave out what only setup code does.
			if b.reached("(*github.com/sbomcat/sbomcat/dynamodb.Store).CreateTable") {
				t.Errorf("cmd/%s reaches dynamodb.Store.CreateTable; the template creates the table", f.Cmd)
			}

			fn := resource(t, f.ID, testValues)
			if fn["Role"] != AttToken(f.Role, "Arn") {
				t.Fatalf("Role = %v, want %s's", fn["Role"], f.Role)
			}
			grants := grantsOf(t, resource(t, f.Role, testValues))
			for a, why := range required {
				if _, ok := grants[a]; !ok {
					t.Errorf("%s is not granted; the code needs it for %s", a, why)
				}
			}
			for a := range grants {
				if _, ok := required[a]; ok {
					continue
				}
				if _, ok := infrastructureActions[f.ID][a]; ok {
					continue
				}
				t.Errorf("%s is granted but no code path of cmd/%s needs it", a, f.Cmd)
			}
			for a := range infrastructureActions[f.ID] {
				if _, ok := grants[a]; !ok {
					t.Errorf("%s is not granted (%s)", a, infrastructureActions[f.ID][a])
				}
			}

			// Each action on the one resource it is for.
			logGroup := AttToken(f.LogGroup, "Arn")
			if got := mapOf(fn["LoggingConfig"])["LogGroup"]; got != RefToken(f.LogGroup) {
				t.Errorf("LoggingConfig.LogGroup = %v, want %s", got, f.LogGroup)
			}
			buckets := bucketObjectARNs(testValues, "aws")
			for a, res := range grants {
				var want []string
				switch {
				case strings.HasPrefix(a, "logs:"):
					want = []string{logGroup}
				case strings.HasPrefix(a, "dynamodb:"):
					want = []string{AttToken("Table", "Arn")}
					if usesIndex {
						want = append(want, AttToken("Table", "Arn")+"/index/*")
					}
				case strings.HasPrefix(a, "sqs:"):
					want = []string{AttToken("Queue", "Arn")}
				case strings.HasPrefix(a, "s3:"):
					want = buckets
				default:
					t.Errorf("unexpected action %s", a)
					continue
				}
				sort.Strings(res)
				sort.Strings(want)
				if !slices.Equal(res, want) {
					t.Errorf("%s on %v, want %v", a, res, want)
				}
			}

			trust := mapOf(resource(t, f.Role, testValues)["AssumeRolePolicyDocument"])
			stmts := listOf(trust["Statement"])
			if len(stmts) != 1 || fmt.Sprint(mapOf(mapOf(stmts[0])["Principal"])["Service"]) != "lambda.amazonaws.com" {
				t.Errorf("%s is not assumable by Lambda alone: %v", f.Role, trust)
			}
		})
	}
}

// describe names an SDK call as wantSDKCalls does.
func describe(c sdkCall) string {
	d := c.Service + ":" + c.Operation
	if c.Service == "s3" {
		presigned := ""
		if c.Presigned {
			presigned = "presigned, "
		}
		switch {
		case c.Versioned && c.Unversioned:
			d += " (" + presigned + "versioned or not)"
		case c.Versioned:
			d += " (" + presigned + "versioned)"
		default:
			d += " (" + strings.TrimSuffix(presigned, ", ") + ")"
		}
	}
	return d
}

// iamActions maps an SDK call to the IAM actions it needs. DynamoDB and SQS actions are named
// after their operations; S3 reads need s3:GetObject, or s3:GetObjectVersion with a VersionId.
func iamActions(c sdkCall) ([]string, error) {
	switch c.Service {
	case "dynamodb", "sqs":
		if strings.HasPrefix(c.Operation, "waiter ") {
			return nil, fmt.Errorf("%s: add the operation it polls to waiterOperations", c.Operation)
		}
		return []string{c.Service + ":" + c.Operation}, nil
	case "s3":
		switch c.Operation {
		case "GetObject", "HeadObject":
			var out []string
			if c.Unversioned {
				out = append(out, "s3:GetObject")
			}
			if c.Versioned {
				out = append(out, "s3:GetObjectVersion")
			}
			return out, nil
		}
	}
	return nil, fmt.Errorf("no IAM mapping for %s:%s: add one to iamActions", c.Service, c.Operation)
}

// grantsOf returns a role's allowed actions, each with its resources.
func grantsOf(t *testing.T, role map[string]any) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, pol := range listOf(role["Policies"]) {
		for _, s := range listOf(mapOf(mapOf(pol)["PolicyDocument"])["Statement"]) {
			st := mapOf(s)
			if st["Effect"] != "Allow" {
				t.Errorf("statement %v: only Allow statements are expected", st["Sid"])
				continue
			}
			if _, ok := st["Condition"]; ok {
				t.Errorf("statement %v has a condition this test does not read", st["Sid"])
			}
			for _, a := range strs(st["Action"]) {
				if strings.Contains(a, "*") {
					t.Errorf("statement %v grants wildcard action %s", st["Sid"], a)
				}
				for _, r := range strs(st["Resource"]) {
					if r == "*" {
						t.Errorf("statement %v grants %s on every resource", st["Sid"], a)
					}
					out[a] = append(out[a], r)
				}
			}
		}
	}
	if len(listOf(role["ManagedPolicyArns"])) > 0 {
		t.Errorf("managed policies %v: grants are inline so that this test sees them", role["ManagedPolicyArns"])
	}
	return out
}

// TestBucketARNs: the S3 grants name the object ARNs of exactly the configured buckets, in the
// deployment's partition.
func TestBucketARNs(t *testing.T) {
	for _, partition := range []string{"aws", "aws-cn", "aws-us-gov"} {
		for _, buckets := range [][]any{{"one"}, {"sboms-eu", "firmware-sboms", "x"}} {
			v := testValues.with("SbomBuckets", buckets)
			v.Partition = partition
			want := bucketObjectARNs(v, partition)
			for _, f := range functions {
				for a, res := range grantsOf(t, resource(t, f.Role, v)) {
					if !strings.HasPrefix(a, "s3:") {
						continue
					}
					if !slices.Equal(res, want) {
						t.Errorf("%s %s in %s: %v, want %v", f.Role, a, partition, res, want)
					}
				}
			}
		}
	}
}

func bucketObjectARNs(v Values, partition string) []string {
	var out []string
	for _, b := range listOf(v.Parameters["SbomBuckets"]) {
		out = append(out, fmt.Sprintf("arn:%s:s3:::%s/*", partition, b))
	}
	return out
}

// TestTableMatchesStore: the template's table is the one package dynamodb creates and
// queries. The store's own CreateTable request is captured by an endpoint that records it.
func TestTableMatchesStore(t *testing.T) {
	var captured []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.Header.Get("X-Amz-Target"), ".CreateTable") {
			captured, _ = io.ReadAll(r.Body)
		}
		// Refuse, so that the store stops there instead of waiting for the table.
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		w.WriteHeader(http.StatusBadRequest)
		io.WriteString(w, `{"__type":"com.amazonaws.dynamodb.v20120810#ValidationException","message":"recorded"}`)
	}))
	defer srv.Close()
	client := ddb.NewFromConfig(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})
	if err := dynamodb.New(client, "catalog").CreateTable(context.Background()); err == nil {
		t.Fatal("CreateTable succeeded against a refusing endpoint")
	}
	if captured == nil {
		t.Fatal("the store sent no CreateTable request")
	}
	var fromCode map[string]any
	if err := json.Unmarshal(captured, &fromCode); err != nil {
		t.Fatal(err)
	}
	table := resource(t, "Table", testValues)
	for _, k := range []string{"BillingMode", "AttributeDefinitions", "KeySchema"} {
		if got, want := canonical(table[k]), canonical(fromCode[k]); got != want {
			t.Errorf("%s:\n  template %s\n  code     %s", k, got, want)
		}
	}
	// GSIs in name order; the template cannot carry provisioned throughput on PAY_PER_REQUEST.
	norm := func(v any) string {
		l := listOf(v)
		sort.Slice(l, func(i, j int) bool { return str(mapOf(l[i])["IndexName"]) < str(mapOf(l[j])["IndexName"]) })
		return canonical(l)
	}
	if got, want := norm(table["GlobalSecondaryIndexes"]), norm(fromCode["GlobalSecondaryIndexes"]); got != want {
		t.Errorf("GlobalSecondaryIndexes:\n  template %s\n  code     %s", got, want)
	}
	if table["BillingMode"] != "PAY_PER_REQUEST" {
		t.Errorf("BillingMode %v", table["BillingMode"])
	}
	if mapOf(table["PointInTimeRecoverySpecification"])["PointInTimeRecoveryEnabled"] != true {
		t.Errorf("point-in-time recovery is off: %v", table["PointInTimeRecoverySpecification"])
	}
	if ttl := mapOf(table["TimeToLiveSpecification"]); ttl["Enabled"] != true || ttl["AttributeName"] != dynamodb.TTLAttribute {
		t.Errorf("TimeToLiveSpecification %v: want TTL on %q, the attribute the store writes on clientToken records", table["TimeToLiveSpecification"], dynamodb.TTLAttribute)
	}
	if r := template(t).Resources["Table"]; r.DeletionPolicy != "Retain" {
		t.Errorf("DeletionPolicy %q: deleting the stack must not delete the catalog", r.DeletionPolicy)
	}
}

// canonical renders v as JSON with sorted keys, lists of key/attribute definitions sorted.
func canonical(v any) string {
	if l, ok := v.([]any); ok {
		parts := make([]string, len(l))
		for i, x := range l {
			parts[i] = canonical(x)
		}
		if len(l) > 0 && mapOf(l[0])["AttributeType"] != nil {
			sort.Strings(parts) // attribute definitions are a set
		}
		return "[" + strings.Join(parts, ",") + "]"
	}
	b, _ := json.Marshal(v) // maps marshal with sorted keys
	return string(b)
}

// TestHttpApiUsesIAM: the API is an HTTP API whose every route requires IAM authorisation
// (so that DisableAuth in the function is safe), routing everything to the function in
// payload format 2.0, which its adapter (httpadapter.NewV2) reads.
func TestHttpApiUsesIAM(t *testing.T) {
	tp := template(t)
	if r := tp.Resources["Api"]; r.Type != "AWS::Serverless::HttpApi" {
		t.Fatalf("Api is %q", r.Type)
	}
	auth := mapOf(resource(t, "Api", testValues)["Auth"])
	if auth["EnableIamAuthorizer"] != true || auth["DefaultAuthorizer"] != "AWS_IAM" {
		t.Errorf("Auth %v: want IAM authorisation by default", auth)
	}
	fn := resource(t, "ApiFunction", testValues)
	for name, e := range mapOf(fn["Events"]) {
		p := mapOf(mapOf(e)["Properties"])
		if p["ApiId"] != RefToken("Api") || p["Method"] != "ANY" || p["Path"] != "/{proxy+}" || p["PayloadFormatVersion"] != "2.0" {
			t.Errorf("event %s %v: want ANY /{proxy+} on Api in payload format 2.0", name, p)
		}
		if _, overridden := p["Auth"]; overridden {
			t.Errorf("event %s overrides the API's authoriser", name)
		}
	}
	if timeout := number(t, fn["Timeout"]); timeout > 30 {
		t.Errorf("API function timeout %v: API Gateway gives up after 30 s", timeout)
	}
}

// TestAlarms: the dead-letter queue's depth raises an alarm as soon as a message lands there.
func TestAlarms(t *testing.T) {
	tp := template(t)
	found := false
	for id, r := range tp.Resources {
		if r.Type != "AWS::CloudWatch::Alarm" {
			continue
		}
		a := resource(t, id, testValues)
		dims := listOf(a["Dimensions"])
		if len(dims) != 1 || mapOf(dims[0])["Value"] != AttToken("DeadLetterQueue", "QueueName") {
			continue
		}
		found = true
		if a["Namespace"] != "AWS/SQS" || a["MetricName"] != "ApproximateNumberOfMessagesVisible" ||
			mapOf(dims[0])["Name"] != "QueueName" || a["ComparisonOperator"] != "GreaterThanThreshold" || number(t, a["Threshold"]) != 0 {
			t.Errorf("%s: %v: want ApproximateNumberOfMessagesVisible > 0 on the dead-letter queue", id, a)
		}
		// With a topic the alarm notifies it; without, it has no actions (not an empty list).
		withTopic := resource(t, id, testValues.with("AlarmTopicArn", "arn:aws:sns:us-east-1:123456789012:ops"))
		if acts := listOf(withTopic["AlarmActions"]); len(acts) != 1 || acts[0] != "arn:aws:sns:us-east-1:123456789012:ops" {
			t.Errorf("%s with a topic: AlarmActions %v", id, withTopic["AlarmActions"])
		}
		if _, ok := a["AlarmActions"]; ok {
			t.Errorf("%s without a topic: AlarmActions %v, want none", id, a["AlarmActions"])
		}
	}
	if !found {
		t.Error("no alarm on the dead-letter queue's depth")
	}
}

// TestOutputs: what a client needs after deploying.
func TestOutputs(t *testing.T) {
	tp := template(t)
	out, err := tp.Eval(tp.Outputs, testValues)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"ApiUrl":       "https://" + RefToken("Api") + ".execute-api.us-east-1.amazonaws.com",
		"ApiInvokeArn": "arn:aws:execute-api:us-east-1:" + TestAccount + ":" + RefToken("Api") + "/*",
		"QueueUrl":     RefToken("Queue"),
		"TableName":    RefToken("Table"),
	}
	for k, v := range want {
		if got := mapOf(mapOf(out)[k])["Value"]; got != v {
			t.Errorf("output %s = %v, want %s", k, got, v)
		}
	}
}

func number(t *testing.T, v any) float64 {
	t.Helper()
	s, ok := scalarString(v)
	if !ok {
		t.Fatalf("%v is not a number", v)
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("%v is not a number", v)
	}
	return f
}

func strs(v any) []string {
	if s, ok := v.(string); ok {
		return []string{s}
	}
	var out []string
	for _, x := range listOf(v) {
		s, _ := scalarString(x)
		out = append(out, s)
	}
	return out
}
