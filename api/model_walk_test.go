package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iot"

	c "github.com/sbomcat/sbomcat/api/constraint"
	"github.com/sbomcat/sbomcat/jobs"
)

// The resource the walk's tagging requests name; it exists, so that a request the model should
// have refused would change it.
const (
	seedPackage = "seed"
	seedARN     = "arn:aws:iot:us-east-1:000000000000:package/" + seedPackage
)

// validByShape are valid values for shapes whose constraints alone do not make one.
var validByShape = map[string]string{
	"ResourceArn":       seedARN,
	"PackageVersionArn": seedARN + "/version/1.0",
	"JobTemplateArn":    "arn:aws:iot:us-east-1:000000000000:jobtemplate/t",
}

// walker derives, from the model, valid values of every shape and the values that break each
// of its constraints.
type walker struct {
	t *testing.T
	m *c.Model
}

// violation is a value that breaks one constraint, and which.
type violation struct {
	what string
	val  any
}

// valid returns a value of shape name that satisfies every constraint; text renders it as a
// path label or query value would carry it.
func (w walker) valid(name string, text bool) any {
	s := w.m.Shapes[name]
	switch s.Type {
	case "string":
		if v, ok := validByShape[name]; ok {
			return v
		}
		if len(s.Enum) > 0 {
			return s.Enum[0]
		}
		v := strings.Repeat("a", max(bound(s.Min), 1))
		if !s.Matches(v) {
			w.t.Fatalf("no valid value for shape %s (pattern %s): add one to validByShape", name, s.Pattern)
		}
		return v
	case "integer", "long", "double", "float":
		n := "1"
		if s.Min != nil {
			n = strconv.FormatFloat(*s.Min, 'f', -1, 64)
		}
		if text {
			return n
		}
		return json.Number(n)
	case "boolean":
		if text {
			return "true"
		}
		return true
	case "structure":
		obj := map[string]any{}
		for _, r := range s.Required {
			obj[r] = w.valid(s.Members[r].Shape, false)
		}
		return obj
	case "list":
		list := []any{}
		for range bound(s.Min) {
			list = append(list, w.valid(s.Member.Shape, false))
		}
		return list
	case "map":
		return w.entries(s, bound(s.Min))
	}
	w.t.Fatalf("shape %s has type %s, which the walk does not know", name, s.Type)
	return nil
}

// entries returns a map of n distinct valid keys to valid values.
func (w walker) entries(s *c.Shape, n int) map[string]any {
	obj := map[string]any{}
	key := w.valid(s.Key.Shape, false).(string)
	for i := range n {
		obj[key+strconv.Itoa(i)] = w.valid(s.Value.Shape, false)
	}
	return obj
}

func bound(p *float64) int {
	if p == nil {
		return 0
	}
	return int(*p)
}

// invalid returns, for every constraint of shape name at any depth, a value breaking it.
func (w walker) invalid(name string, text bool) []violation {
	s := w.m.Shapes[name]
	switch s.Type {
	case "string":
		return w.invalidString(name, s, text)
	case "integer", "long", "double", "float":
		return w.invalidNumber(s, text)
	case "boolean":
		if text {
			return []violation{{"not a boolean", "maybe"}}
		}
		return []violation{{"a string for a boolean", "yes"}}
	case "structure":
		return w.invalidStructure(s)
	case "list":
		return w.invalidList(s)
	case "map":
		return w.invalidMap(s)
	}
	return nil
}

func (w walker) invalidString(name string, s *c.Shape, text bool) []violation {
	var out []violation
	if !text {
		out = append(out, violation{"a number for a string", json.Number("1")})
	}
	if len(s.Enum) > 0 {
		out = append(out, violation{"not in the enum", "NOT_IN_THE_ENUM"})
	}
	valid := w.valid(name, false).(string)
	if s.Min != nil && *s.Min > 0 {
		out = append(out, violation{"shorter than min", strings.Repeat("a", int(*s.Min)-1)})
	}
	if s.Max != nil {
		out = append(out, violation{"longer than max", valid + strings.Repeat("a", int(*s.Max)+1-len(valid))})
	}
	if s.Pattern != "" {
		found := false
		for _, bad := range []string{"a b", "a#b", "a\u0001b", "a\u00a0b", "arn:a b"} {
			if bad = bad + strings.Repeat("a", max(bound(s.Min)-len(bad), 0)); !s.Matches(bad) {
				out, found = append(out, violation{"breaks the pattern", bad}), true
				break
			}
		}
		if !found {
			w.t.Errorf("no value breaking the pattern %s of %s: add one", s.Pattern, name)
		}
	}
	return out
}

func (w walker) invalidNumber(s *c.Shape, text bool) []violation {
	num := func(f float64) any {
		if text {
			return strconv.FormatFloat(f, 'f', -1, 64)
		}
		return json.Number(strconv.FormatFloat(f, 'f', -1, 64))
	}
	out := []violation{{"not a number", "abc"}}
	if s.Type == "integer" || s.Type == "long" {
		out = append(out, violation{"not an integer", num(1.5)})
	}
	if s.Min != nil {
		out = append(out, violation{"below min", num(*s.Min - 1)})
	}
	if s.Max != nil {
		out = append(out, violation{"above max", num(*s.Max + 1)})
	}
	return out
}

func (w walker) invalidStructure(s *c.Shape) []violation {
	out := []violation{{"a string for a structure", "x"}}
	base := func() map[string]any {
		obj := map[string]any{}
		for _, r := range s.Required {
			obj[r] = w.valid(s.Members[r].Shape, false)
		}
		return obj
	}
	for _, name := range slices.Sorted(maps.Keys(s.Members)) {
		if slices.Contains(s.Required, name) {
			obj := base()
			delete(obj, name)
			out = append(out, violation{name + " missing", obj})
		}
		for _, v := range w.invalid(s.Members[name].Shape, false) {
			obj := base()
			obj[name] = v.val
			out = append(out, violation{name + ": " + v.what, obj})
		}
	}
	return out
}

func (w walker) invalidList(s *c.Shape) []violation {
	out := []violation{{"an object for a list", map[string]any{}}}
	member := w.valid(s.Member.Shape, false)
	if s.Min != nil && *s.Min > 0 {
		out = append(out, violation{"fewer than min", slices.Repeat([]any{member}, int(*s.Min)-1)})
	}
	if s.Max != nil {
		out = append(out, violation{"more than max", slices.Repeat([]any{member}, int(*s.Max)+1)})
	}
	for _, v := range w.invalid(s.Member.Shape, false) {
		list := slices.Repeat([]any{member}, max(bound(s.Min)-1, 0))
		out = append(out, violation{"member: " + v.what, append(list, v.val)})
	}
	return out
}

func (w walker) invalidMap(s *c.Shape) []violation {
	out := []violation{{"a list for a map", []any{}}}
	if s.Min != nil && *s.Min > 0 {
		out = append(out, violation{"fewer entries than min", w.entries(s, int(*s.Min)-1)})
	}
	if s.Max != nil {
		out = append(out, violation{"more entries than max", w.entries(s, int(*s.Max)+1)})
	}
	key, value := w.valid(s.Key.Shape, false).(string), w.valid(s.Value.Shape, false)
	for _, v := range w.invalid(s.Key.Shape, false) {
		if k, ok := v.val.(string); ok {
			out = append(out, violation{"key: " + v.what, map[string]any{k: value}})
		}
	}
	for _, v := range w.invalid(s.Value.Shape, false) {
		out = append(out, violation{"value: " + v.what, map[string]any{key: v.val}})
	}
	return out
}

// walkRequest is one HTTP request built from an operation's input members.
type walkRequest struct {
	labels map[string]string
	query  url.Values
	body   map[string]any
}

// baseline returns op's input with every required member valid.
func (w walker) baseline(op c.Operation) walkRequest {
	in := w.m.Shapes[op.Input]
	r := walkRequest{labels: map[string]string{}, query: url.Values{}, body: map[string]any{}}
	for name, mem := range in.Members {
		if mem.Location == "uri" || slices.Contains(in.Required, name) {
			r.set(name, mem, w.valid(mem.Shape, mem.Location != ""))
		}
	}
	return r
}

func (r walkRequest) set(name string, mem c.Member, v any) {
	switch mem.Location {
	case "uri":
		r.labels[mem.LocationName] = v.(string)
	case "querystring":
		r.query.Set(mem.LocationName, v.(string))
	default:
		r.body[name] = v
	}
}

func (r walkRequest) unset(name string, mem c.Member) {
	r.query.Del(mem.LocationName)
	delete(r.body, name)
}

func (r walkRequest) path(uri string) string {
	for k, v := range r.labels {
		uri = strings.ReplaceAll(uri, "{"+k+"}", url.PathEscape(v))
	}
	if q := r.query.Encode(); q != "" {
		uri += "?" + q
	}
	return uri
}

// TestModelConstraints sends, for every operation served and every constraint of its input at
// any depth (type, required, length, pattern, range, enum; list members, map keys and values),
// a request breaking that constraint alone through the real handler, and expects 400 with the
// error type the operation's model lists for bad input; then checks that nothing was stored.
func TestModelConstraints(t *testing.T) {
	e := newEnv(t, func(c *envConfig) { c.Jobs = c.Service.Store.(jobs.Store) })
	ctx := context.Background()
	must[*iot.CreatePackageOutput](t)(e.client.CreatePackage(ctx, &iot.CreatePackageInput{
		PackageName: aws.String(seedPackage), Tags: map[string]string{"k": "v"}}))
	before := must[*iot.GetPackageConfigurationOutput](t)(e.client.GetPackageConfiguration(ctx, &iot.GetPackageConfigurationInput{}))

	w := walker{t: t, m: c.IoT()}
	cases := 0
	for _, opName := range slices.Sorted(maps.Keys(c.IoT().Operations)) {
		op := c.IoT().Operations[opName]
		want := "InvalidRequestException"
		if slices.Contains(op.Errors, "ValidationException") {
			want = "ValidationException"
		}
		if in := c.IoT().Shapes[op.Input]; len(in.Members) > 0 && !slices.Contains(op.Errors, want) {
			t.Errorf("%s lists neither ValidationException nor InvalidRequestException: %v", opName, op.Errors)
		}
		in := c.IoT().Shapes[op.Input]
		for _, name := range slices.Sorted(maps.Keys(in.Members)) {
			mem := in.Members[name]
			var vs []violation
			if slices.Contains(in.Required, name) && mem.Location != "uri" {
				vs = append(vs, violation{"missing", nil})
			}
			vs = append(vs, w.invalid(mem.Shape, mem.Location != "")...)
			for _, v := range vs {
				r := w.baseline(op)
				if v.val == nil {
					r.unset(name, mem)
				} else {
					r.set(name, mem, v.val)
				}
				cases++
				w.send(e, opName, op, r, fmt.Sprintf("%s.%s %s", opName, name, v.what), want)
			}
		}
	}
	t.Logf("%d requests, each breaking one constraint", cases)

	// Nothing was stored: the seed package alone, its tags as they were, no version, no job,
	// the configuration unchanged.
	pkgs := must[*iot.ListPackagesOutput](t)(e.client.ListPackages(ctx, &iot.ListPackagesInput{}))
	if len(pkgs.PackageSummaries) != 1 || aws.ToString(pkgs.PackageSummaries[0].PackageName) != seedPackage {
		t.Errorf("packages after the walk: %d, want only %s", len(pkgs.PackageSummaries), seedPackage)
	}
	tags := must[*iot.ListTagsForResourceOutput](t)(e.client.ListTagsForResource(ctx, &iot.ListTagsForResourceInput{ResourceArn: aws.String(seedARN)}))
	if len(tags.Tags) != 1 || aws.ToString(tags.Tags[0].Key) != "k" || aws.ToString(tags.Tags[0].Value) != "v" {
		t.Errorf("seed's tags changed: %v", tags.Tags)
	}
	vers := must[*iot.ListPackageVersionsOutput](t)(e.client.ListPackageVersions(ctx, &iot.ListPackageVersionsInput{PackageName: aws.String(seedPackage)}))
	jobList := must[*iot.ListJobsOutput](t)(e.client.ListJobs(ctx, &iot.ListJobsInput{}))
	if len(vers.PackageVersionSummaries) != 0 || len(jobList.Jobs) != 0 {
		t.Errorf("after the walk: %d versions, %d jobs; want none", len(vers.PackageVersionSummaries), len(jobList.Jobs))
	}
	after := must[*iot.GetPackageConfigurationOutput](t)(e.client.GetPackageConfiguration(ctx, &iot.GetPackageConfigurationInput{}))
	if aws.ToBool(after.VersionUpdateByJobsConfig.Enabled) != aws.ToBool(before.VersionUpdateByJobsConfig.Enabled) ||
		aws.ToString(after.VersionUpdateByJobsConfig.RoleArn) != aws.ToString(before.VersionUpdateByJobsConfig.RoleArn) {
		t.Errorf("package configuration changed")
	}
}

// send signs and sends r as op and checks that it is refused with want.
func (w walker) send(e *env, name string, op c.Operation, r walkRequest, what, want string) {
	w.t.Helper()
	var body []byte
	if c.IoT().HasBody(name) {
		var err error
		if body, err = json.Marshal(r.body); err != nil {
			w.t.Fatal(err)
		}
	}
	resp := e.raw(op.HTTP.Method, r.path(op.HTTP.RequestURI), body, signed)
	if resp.status != 400 || resp.header.Get("X-Amzn-ErrorType") != want {
		msg := string(resp.body)
		if len(msg) > 300 {
			msg = msg[:300] + "…"
		}
		w.t.Errorf("%s: %d %s, want 400 %s: %s", what, resp.status, resp.header.Get("X-Amzn-ErrorType"), want, msg)
		return
	}
	checkAWSShape(w.t, resp)
}

// TestModelConstraintsThroughSDK sends, with the Go SDK (whose client-side validation checks
// only required members), the violations found against the service, and bad page tokens.
func TestModelConstraintsThroughSDK(t *testing.T) {
	e := newEnv(t, func(c *envConfig) { c.Jobs = c.Service.Store.(jobs.Store) })
	ctx := context.Background()
	must[*iot.CreatePackageOutput](t)(e.client.CreatePackage(ctx, &iot.CreatePackageInput{
		PackageName: aws.String(seedPackage), Tags: map[string]string{"k": "v"}}))
	tests := []struct {
		name    string
		call    func() error
		code    string
		message string
	}{
		{"UntagResource: a key breaking TagKey's pattern", func() error {
			_, err := e.client.UntagResource(ctx, &iot.UntagResourceInput{ResourceArn: aws.String(seedARN), TagKeys: []string{"k#1"}})
			return err
		}, "InvalidRequestException", "'tagKeys.1.member'"},
		{"CreateJob: an empty documentSource", func() error {
			_, err := e.client.CreateJob(ctx, &iot.CreateJobInput{JobId: aws.String("j1"), Targets: jobTargets, DocumentSource: aws.String("")})
			return err
		}, "InvalidRequestException", "'documentSource'"},
		{"ListJobs: a token this server did not issue", func() error {
			_, err := e.client.ListJobs(ctx, &iot.ListJobsInput{NextToken: aws.String("not-a-token")})
			return err
		}, "InvalidRequestException", "nextToken"},
		{"ListTagsForResource: a token this server did not issue", func() error {
			_, err := e.client.ListTagsForResource(ctx, &iot.ListTagsForResourceInput{ResourceArn: aws.String(seedARN), NextToken: aws.String("x")})
			return err
		}, "InvalidRequestException", "nextToken"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ae := apiError(t, tt.call(), tt.code, 400)
			if !strings.Contains(ae.ErrorMessage(), tt.message) {
				t.Errorf("message %q does not name %s", ae.ErrorMessage(), tt.message)
			}
		})
	}
	jobList := must[*iot.ListJobsOutput](t)(e.client.ListJobs(ctx, &iot.ListJobsInput{}))
	tags := must[*iot.ListTagsForResourceOutput](t)(e.client.ListTagsForResource(ctx, &iot.ListTagsForResourceInput{ResourceArn: aws.String(seedARN)}))
	if len(jobList.Jobs) != 0 || len(tags.Tags) != 1 {
		t.Errorf("after the refusals: %d jobs, %d tags; want 0 and 1", len(jobList.Jobs), len(tags.Tags))
	}
}
