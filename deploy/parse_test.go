package deploy

import (
	"reflect"
	"strings"
	"testing"
)

const parseFixture = `
Parameters:
  Names: {Type: CommaDelimitedList, Default: "a, b"}
  Size: {Type: Number, Default: 3}
  Env: {Type: String, Default: prod}
  Required: {Type: String}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  NotProd: !Not [!Condition IsProd]
  Both: !And [!Condition IsProd, !Equals [!Ref AWS::Region, us-east-1]]
Mappings:
  Sizes:
    "3": {Memory: 512}
Resources:
  Bucket:
    Type: AWS::S3::Bucket
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Environment:
        Variables:
          A: from-resource
Globals:
  Function:
    Environment:
      Variables:
        A: from-globals
        B: !Ref Size
`

// TestShortForms: each short form means what its long form does, evaluated for the values.
func TestShortForms(t *testing.T) {
	tests := []struct {
		name, expr string
		want       any
	}{
		{"ref parameter is a string", `!Ref Size`, "3"},
		{"ref list parameter", `!Ref Names`, []any{"a", "b"}},
		{"ref resource", `!Ref Bucket`, RefToken("Bucket")},
		{"ref pseudo", `!Ref AWS::AccountId`, TestAccount},
		{"getatt short", `!GetAtt Bucket.Arn`, AttToken("Bucket", "Arn")},
		{"getatt dotted attribute", `!GetAtt Bucket.Endpoint.Address`, AttToken("Bucket", "Endpoint.Address")},
		{"getatt long", `{"Fn::GetAtt": [Bucket, Arn]}`, AttToken("Bucket", "Arn")},
		{"sub", `!Sub "${Bucket.Arn}/x/${AWS::Partition}/${Size}/${!Literal}"`, AttToken("Bucket", "Arn") + "/x/aws/3/${Literal}"},
		{"sub with map", `!Sub ["${X}-${Env}", {X: !Join ["+", !Ref Names]}]`, "a+b-prod"},
		{"join", `!Join ["/*,arn:", [x, y, z]]`, "x/*,arn:y/*,arn:z"},
		{"split", `!Split [",", "p,q"]`, []any{"p", "q"}},
		{"select", `!Select [1, !Ref Names]`, "b"},
		{"if true", `!If [IsProd, yes, no]`, "yes"},
		{"if nested condition", `!If [NotProd, yes, no]`, "no"},
		{"and", `!If [Both, yes, no]`, "yes"},
		{"find in map", `!FindInMap [Sizes, !Ref Size, Memory]`, int64(512)},
		{"no value removes the key", `{Keep: 1, Drop: !Ref AWS::NoValue}`, map[string]any{"Keep": int64(1)}},
		{"no value removes the element", `[1, !If [IsProd, !Ref AWS::NoValue, 2]]`, []any{int64(1)}},
		{"plain scalars", `[true, 1.5, "2.0", null]`, []any{true, 1.5, "2.0", nil}},
	}
	tp, err := Parse([]byte(parseFixture))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := evalIn(t, tt.expr)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %#v, want %#v", got, tt.want)
			}
		})
	}

	env, err := tp.FunctionEnvironment("Fn", Values{Parameters: map[string]any{"Size": "9"}})
	if err != nil {
		t.Fatal(err)
	}
	if want := map[string]string{"A": "from-resource", "B": "9"}; !reflect.DeepEqual(env, want) {
		t.Errorf("environment with Globals: %v, want %v", env, want)
	}
}

// TestRefusals: what CloudFormation would refuse, or what this reader cannot know, is an
// error rather than a guess.
func TestRefusals(t *testing.T) {
	parse := []struct{ name, doc, want string }{
		{"duplicate key", "A: 1\nA: 2\n", "duplicate key"},
		{"alias", "A: &x 1\nB: *x\n", "alias"},
		{"getatt without attribute", "A: !GetAtt Bucket\n", "Resource.Attribute"},
		{"resource without type", "Resources:\n  R: {Properties: {}}\n", "no Type"},
	}
	for _, tt := range parse {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Parse([]byte(tt.doc)); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
	eval := []struct{ name, expr, want string }{
		{"unknown ref", `!Ref Nope`, "no such parameter or resource"},
		{"function in join delimiter", `!Join [!Ref Env, [a]]`, "literal"},
		{"unsupported function", `!GetAZs ""`, "not supported"},
		{"unknown getatt resource", `!GetAtt Nope.Arn`, "no resource"},
		{"unknown sub resource", `!Sub "${Nope.Arn}"`, "no resource"},
		{"unknown condition", `!If [Nope, a, b]`, "no condition"},
		{"missing mapping key", `!FindInMap [Sizes, "4", Memory]`, "no key"},
		{"parameter without value", `!Ref Required`, "no default"},
	}
	for _, tt := range eval {
		t.Run(tt.name, func(t *testing.T) {
			_, err := evalIn(t, tt.expr)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// evalIn evaluates expr as an output of the fixture template.
func evalIn(t *testing.T, expr string) (any, error) {
	t.Helper()
	tp, err := Parse([]byte(parseFixture + "Outputs:\n  V: {Value: " + expr + "}\n"))
	if err != nil {
		t.Fatal(err)
	}
	return tp.Eval(mapOf(tp.Outputs["V"])["Value"], Values{})
}
