package deploy

// What the code does, read from the code: which of the module's functions a binary can reach,
// which AWS SDK operations they call, and which environment variables they read. The template
// test compares these with what template.yaml grants and sets, so that a new SDK call or a new
// variable cannot ship without its IAM action or its setting.
//
// The module's packages are type-checked from source (dependencies from the compiler's export
// data, `go list -export`), then reachability is computed from main and the init functions:
//
//   - a use of a module function or concrete method (called or taken as a value) reaches it;
//   - a use of an interface method reaches every module method of that name whose type
//     implements the interface (the store's methods through sbomcat.Store, say);
//   - a module type that reachable code names can have its methods called by code outside the
//     module through that code's interfaces (net/http calling ServeHTTP, encoding/json calling
//     MarshalJSON): its methods that implement any interface declared outside the module are
//     reached too.
//
// That over-approximates what runs (every branch counts), never under-approximates it short of
// reflection on method names, which the module does not use; and it is precise enough that a
// method nothing calls, such as dynamodb.Store.CreateTable in the Lambda binaries, does not
// count.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/sbomcat/sbomcat/internal/testkit"
)

const modulePath = "github.com/sbomcat/sbomcat"

// sdkCall is one call site of an AWS SDK operation.
type sdkCall struct {
	Service   string // dynamodb, s3, sqs (the SDK package name)
	Operation string // GetItem, HeadObject, ...
	// Versioned and Unversioned say whether the input names an object version (S3 reads);
	// both are true when the code decides at run time.
	Versioned, Unversioned bool
	// Index: a DynamoDB Query or Scan that may read a secondary index.
	Index bool
	// Presigned: the call only signs a URL; whoever uses the URL makes the request, with the
	// signer's permissions.
	Presigned bool
	Func      string // the enclosing module function
	Pos       string
}

// code is the module's source, type-checked, for the packages linked into some binaries.
type code struct {
	fset  *token.FileSet
	pkgs  map[string]*srcPkg // module packages by import path
	order []string
	// external holds every package loaded from export data.
	external map[string]*types.Package
	funcs    map[*types.Func]*funcNode
	// vars are the package-level variable initialisers of each module package, which run
	// before main like init functions.
	vars map[string]*funcNode
}

type srcPkg struct {
	path  string
	files []*ast.File
	pkg   *types.Package
	info  *types.Info
}

// funcNode is a module function or method (or a package's variable initialisers).
type funcNode struct {
	name    string
	pkg     *srcPkg
	uses    []*types.Func // functions and methods used (called or referenced)
	types   []*types.TypeName
	calls   []sdkCall
	envs    []string
	started []string // functions of other modules it calls, by full name (lambda.Start)
	// startArgs are the types of the arguments of lambda.Start calls.
	startArgs []types.Type
}

var (
	loadOnce   sync.Once
	loadedCode *code
	loadErr    error
)

// loadCode type-checks the module packages linked into the Lambda binaries.
func loadCode() (*code, error) {
	loadOnce.Do(func() {
		loadedCode, loadErr = load("./cmd/sbomapi-lambda", "./cmd/sbomworker-lambda", "./cmd/sbomreaper-lambda")
	})
	return loadedCode, loadErr
}

func load(patterns ...string) (*code, error) {
	cmd := exec.Command(testkit.GoTool(), append([]string{"list", "-deps", "-export", "-json=ImportPath,Dir,GoFiles,Export,Module"}, patterns...)...)
	cmd.Dir = ".." // the module root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list: %w: %s", err, stderr.String())
	}
	type listed struct {
		ImportPath, Dir, Export string
		GoFiles                 []string
		Module                  *struct{ Path string }
	}
	exports := map[string]string{}
	var mine []listed
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p listed
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			return nil, fmt.Errorf("go list output: %w", err)
		}
		if p.Module != nil && p.Module.Path == modulePath {
			// Listed after their dependencies (-deps is a post-order), the order to check in.
			mine = append(mine, p)
		} else {
			exports[p.ImportPath] = p.Export
		}
	}
	c := &code{fset: token.NewFileSet(), pkgs: map[string]*srcPkg{}, external: map[string]*types.Package{},
		funcs: map[*types.Func]*funcNode{}, vars: map[string]*funcNode{}}
	gc := importer.ForCompiler(c.fset, "gc", func(path string) (io.ReadCloser, error) {
		f, ok := exports[path]
		if !ok || f == "" {
			return nil, fmt.Errorf("no export data for %s", path)
		}
		return os.Open(f)
	})
	imp := importerFunc(func(path string) (*types.Package, error) {
		if p, ok := c.pkgs[path]; ok {
			return p.pkg, nil
		}
		p, err := gc.Import(path)
		if err == nil {
			c.external[path] = p
		}
		return p, err
	})
	for _, lp := range mine {
		sp := &srcPkg{path: lp.ImportPath, info: &types.Info{
			Types: map[ast.Expr]types.TypeAndValue{}, Defs: map[*ast.Ident]types.Object{}, Uses: map[*ast.Ident]types.Object{},
			Selections: map[*ast.SelectorExpr]*types.Selection{},
		}}
		for _, f := range lp.GoFiles {
			af, err := parser.ParseFile(c.fset, filepath.Join(lp.Dir, f), nil, parser.SkipObjectResolution)
			if err != nil {
				return nil, err
			}
			sp.files = append(sp.files, af)
		}
		conf := types.Config{Importer: imp}
		if sp.pkg, err = conf.Check(lp.ImportPath, c.fset, sp.files, sp.info); err != nil {
			return nil, fmt.Errorf("type-check %s: %w", lp.ImportPath, err)
		}
		c.pkgs[lp.ImportPath] = sp
		c.order = append(c.order, lp.ImportPath)
	}
	for _, path := range c.order {
		c.index(c.pkgs[path])
	}
	return c, nil
}

type importerFunc func(path string) (*types.Package, error)

func (f importerFunc) Import(path string) (*types.Package, error) { return f(path) }

// index records, for each function of p, what it uses, calls and reads.
func (c *code) index(p *srcPkg) {
	vars := &funcNode{name: p.path + " (variables)", pkg: p}
	c.vars[p.path] = vars
	for _, f := range p.files {
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				obj, _ := p.info.Defs[d.Name].(*types.Func)
				if obj == nil || d.Body == nil {
					continue
				}
				n := &funcNode{name: obj.FullName(), pkg: p}
				c.funcs[obj] = n
				c.scan(n, d.Body)
			case *ast.GenDecl:
				if d.Tok == token.VAR {
					c.scan(vars, d)
				}
			}
		}
	}
}

// scan walks a function body (closures included) for uses, SDK calls and environment reads.
func (c *code) scan(n *funcNode, body ast.Node) {
	p := n.pkg
	ast.Inspect(body, func(x ast.Node) bool {
		switch x := x.(type) {
		case *ast.Ident:
			switch o := p.info.Uses[x].(type) {
			case *types.Func:
				n.uses = append(n.uses, o.Origin())
			case *types.TypeName:
				n.types = append(n.types, o)
			case *types.Const:
				// Environment variable names are constants named Env... or env....
				if isEnvConst(o) {
					n.envs = append(n.envs, constString(o))
				}
			}
		case *ast.CallExpr:
			c.call(n, x, body)
		}
		return true
	})
}

var envName = regexp.MustCompile(`^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$`)

func isEnvConst(o *types.Const) bool {
	name := o.Name()
	if !(strings.HasPrefix(name, "Env") || strings.HasPrefix(name, "env")) || len(name) < 4 || !isUpper(name[3]) {
		return false
	}
	return envName.MatchString(constString(o))
}

func isUpper(b byte) bool { return b >= 'A' && b <= 'Z' }

func constString(o *types.Const) string {
	if o.Val() == nil {
		return ""
	}
	s := o.Val().ExactString()
	return strings.Trim(s, `"`)
}

// call classifies one call expression of n.
func (c *code) call(n *funcNode, call *ast.CallExpr, body ast.Node) {
	p := n.pkg
	var fn *types.Func
	switch f := ast.Unparen(call.Fun).(type) {
	case *ast.SelectorExpr:
		fn, _ = p.info.Uses[f.Sel].(*types.Func)
	case *ast.Ident:
		fn, _ = p.info.Uses[f].(*types.Func)
	}
	// Environment reads through os.Getenv or an injected getenv func(string) string with a
	// constant name.
	if len(call.Args) == 1 {
		if tv, ok := p.info.Types[call.Args[0]]; ok && tv.Value != nil && isGetenv(p, call, fn) {
			if s := strings.Trim(tv.Value.ExactString(), `"`); envName.MatchString(s) {
				n.envs = append(n.envs, s)
			}
		}
	}
	if fn == nil || fn.Pkg() == nil {
		return
	}
	if fn.Pkg().Path() == "github.com/aws/aws-lambda-go/lambda" && fn.Name() == "Start" {
		n.started = append(n.started, fn.FullName())
		if len(call.Args) > 0 {
			n.startArgs = append(n.startArgs, p.info.Types[call.Args[0]].Type)
		}
	}
	svc, op, ok := sdkOperation(fn)
	if !ok {
		return
	}
	sc := sdkCall{Service: svc, Operation: op, Func: n.name, Pos: c.fset.Position(call.Pos()).String(),
		Presigned: strings.HasPrefix(fn.Name(), "Presign") && !strings.HasSuffix(fn.Name(), "Output")}
	switch {
	case svc == "s3" && len(call.Args) >= 2:
		sc.Versioned, sc.Unversioned = inputField(p, call.Args[1], body, "VersionId")
	case svc == "dynamodb" && (op == "Query" || op == "Scan") && len(call.Args) >= 2:
		sc.Index, _ = inputField(p, call.Args[1], body, "IndexName")
	}
	n.calls = append(n.calls, sc)
}

func isGetenv(p *srcPkg, call *ast.CallExpr, fn *types.Func) bool {
	if fn != nil {
		return fn.Pkg() != nil && fn.Pkg().Path() == "os" && (fn.Name() == "Getenv" || fn.Name() == "LookupEnv")
	}
	// A function value: getenv func(string) string, the injected form of os.Getenv.
	id, ok := ast.Unparen(call.Fun).(*ast.Ident)
	if !ok || !strings.EqualFold(id.Name, "getenv") {
		return false
	}
	sig, ok := p.info.Types[call.Fun].Type.Underlying().(*types.Signature)
	return ok && sig.Params().Len() == 1 && sig.Results().Len() == 1 &&
		types.Identical(sig.Params().At(0).Type(), types.Typ[types.String]) &&
		types.Identical(sig.Results().At(0).Type(), types.Typ[types.String])
}

const sdkServices = "github.com/aws/aws-sdk-go-v2/service/"

// Waiters poll one operation.
var waiterOperations = map[string]string{
	"TableExistsWaiter": "DescribeTable", "TableNotExistsWaiter": "DescribeTable",
	"BucketExistsWaiter": "HeadBucket", "ObjectExistsWaiter": "HeadObject",
}

// sdkOperation tells whether fn performs an AWS SDK operation, and which: a method whose first
// result is *<svc>.<Name>Output (a client's, or an interface's declared with the client's
// signature, as sqs.Sender (package sbomcat/sqs) is), a presign client's Presign<Name>, a paginator's NextPage
// or a waiter's Wait.
func sdkOperation(fn *types.Func) (svc, op string, ok bool) {
	sig, _ := fn.Type().(*types.Signature)
	if sig == nil || sig.Recv() == nil {
		return "", "", false
	}
	if sig.Results().Len() > 0 {
		if ptr, isPtr := sig.Results().At(0).Type().(*types.Pointer); isPtr {
			if named, isNamed := ptr.Elem().(*types.Named); isNamed && named.Obj().Pkg() != nil &&
				strings.HasPrefix(named.Obj().Pkg().Path(), sdkServices) && named.Obj().Name() == fn.Name()+"Output" {
				return named.Obj().Pkg().Name(), fn.Name(), true
			}
		}
	}
	recv := sig.Recv().Type()
	if ptr, isPtr := recv.(*types.Pointer); isPtr {
		recv = ptr.Elem()
	}
	named, isNamed := recv.(*types.Named)
	if !isNamed || named.Obj().Pkg() == nil || !strings.HasPrefix(named.Obj().Pkg().Path(), sdkServices) {
		return "", "", false
	}
	svc, tname := named.Obj().Pkg().Name(), named.Obj().Name()
	switch {
	case tname == "PresignClient" && strings.HasPrefix(fn.Name(), "Presign"):
		return svc, strings.TrimPrefix(fn.Name(), "Presign"), true
	case strings.HasSuffix(tname, "Paginator") && fn.Name() == "NextPage":
		return svc, strings.TrimSuffix(tname, "Paginator"), true
	case strings.HasSuffix(tname, "Waiter") && strings.HasPrefix(fn.Name(), "Wait"):
		if op, known := waiterOperations[tname]; known {
			return svc, op, true
		}
		// An unknown waiter still counts, under a name no IAM mapping has, so that the test
		// asks for it to be added here.
		return svc, "waiter " + tname, true
	}
	return "", "", false
}

// inputField tells whether an SDK input sets field (VersionId of an S3 read, IndexName of a
// DynamoDB query): a composite literal with the field does; one without it does not, unless the
// function assigns the field later. The input may be the literal itself or a variable the
// function initialises with one; anything else (a parameter, say) may or may not.
func inputField(p *srcPkg, arg ast.Expr, body ast.Node, field string) (set, unset bool) {
	arg = unaddr(arg)
	var obj types.Object
	lit, _ := arg.(*ast.CompositeLit)
	if id, ok := arg.(*ast.Ident); ok {
		obj = p.info.Uses[id]
		ast.Inspect(body, func(x ast.Node) bool {
			if as, ok := x.(*ast.AssignStmt); ok && len(as.Lhs) == len(as.Rhs) {
				for i, l := range as.Lhs {
					if lid, ok := l.(*ast.Ident); ok && obj != nil && p.info.Defs[lid] == obj {
						lit, _ = unaddr(as.Rhs[i]).(*ast.CompositeLit)
					}
				}
			}
			return true
		})
	}
	if lit == nil {
		return true, true
	}
	assigned := false
	ast.Inspect(body, func(x ast.Node) bool {
		if as, ok := x.(*ast.AssignStmt); ok {
			for _, l := range as.Lhs {
				if sel, ok := l.(*ast.SelectorExpr); ok && sel.Sel.Name == field {
					if id, ok := sel.X.(*ast.Ident); !ok || obj == nil || p.info.Uses[id] == obj {
						assigned = true
					}
				}
			}
		}
		return true
	})
	for _, el := range lit.Elts {
		if kv, ok := el.(*ast.KeyValueExpr); ok {
			if id, ok := kv.Key.(*ast.Ident); ok && id.Name == field {
				return true, false
			}
		}
	}
	return assigned, true
}

func unaddr(e ast.Expr) ast.Expr {
	e = ast.Unparen(e)
	if u, ok := e.(*ast.UnaryExpr); ok && u.Op == token.AND {
		return ast.Unparen(u.X)
	}
	return e
}

// binary is what one main package reaches.
type binary struct {
	main      *funcNode
	reachable map[*funcNode]bool
}

// reach computes what the main package at path reaches.
func (c *code) reach(path string) (*binary, error) {
	p, ok := c.pkgs[path]
	if !ok {
		return nil, fmt.Errorf("%s is not loaded", path)
	}
	mainFn, _ := p.pkg.Scope().Lookup("main").(*types.Func)
	if mainFn == nil || p.pkg.Name() != "main" {
		return nil, fmt.Errorf("%s has no func main", path)
	}
	b := &binary{main: c.funcs[mainFn], reachable: map[*funcNode]bool{}}
	linked := c.linked(p.pkg)

	var work []*funcNode
	add := func(n *funcNode) {
		if n != nil && !b.reachable[n] {
			b.reachable[n] = true
			work = append(work, n)
		}
	}
	add(b.main)
	for path := range linked {
		sp := c.pkgs[path]
		add(c.vars[path])
		for fn, n := range c.funcs {
			if fn.Pkg() == sp.pkg && fn.Name() == "init" && fn.Type().(*types.Signature).Recv() == nil {
				add(n)
			}
		}
	}
	// Module methods by name, for interface dispatch, and external interfaces, for calls back
	// from outside the module.
	methodsByName := map[string][]*types.Func{}
	for fn := range c.funcs {
		if fn.Type().(*types.Signature).Recv() != nil && linked[fn.Pkg().Path()] {
			methodsByName[fn.Name()] = append(methodsByName[fn.Name()], fn)
		}
	}
	externalIfaces := c.externalInterfaces()
	seenTypes := map[*types.TypeName]bool{}
	for len(work) > 0 {
		n := work[len(work)-1]
		work = work[:len(work)-1]
		for _, fn := range n.uses {
			sig := fn.Type().(*types.Signature)
			if recv := sig.Recv(); recv != nil && types.IsInterface(recv.Type()) {
				iface, _ := recv.Type().Underlying().(*types.Interface)
				for _, m := range methodsByName[fn.Name()] {
					if iface != nil && implements(m, iface) {
						add(c.funcs[m])
					}
				}
				continue
			}
			add(c.funcs[fn]) // nil (not a module function with a body) is ignored
		}
		for _, tn := range n.types {
			if seenTypes[tn] || tn.Pkg() == nil || c.pkgs[tn.Pkg().Path()] == nil {
				continue
			}
			seenTypes[tn] = true
			for _, m := range methodsOf(tn) {
				for _, iface := range externalIfaces {
					if hasMethod(iface, m.Name()) && implements(m, iface) {
						add(c.funcs[m])
						break
					}
				}
			}
		}
	}
	return b, nil
}

// linked returns the module packages linked into a binary whose main package is p.
func (c *code) linked(p *types.Package) map[string]bool {
	out := map[string]bool{}
	var visit func(*types.Package)
	visit = func(p *types.Package) {
		if out[p.Path()] || c.pkgs[p.Path()] == nil {
			return
		}
		out[p.Path()] = true
		for _, imp := range p.Imports() {
			visit(imp)
		}
	}
	visit(p)
	return out
}

// externalInterfaces lists the non-generic interfaces with methods declared in packages
// loaded from export data.
func (c *code) externalInterfaces() []*types.Interface {
	var out []*types.Interface
	seen := map[*types.Package]bool{}
	var visit func(*types.Package)
	visit = func(p *types.Package) {
		if seen[p] {
			return
		}
		seen[p] = true
		for _, name := range p.Scope().Names() {
			tn, ok := p.Scope().Lookup(name).(*types.TypeName)
			if !ok {
				continue
			}
			if named, ok := tn.Type().(*types.Named); ok && named.TypeParams().Len() > 0 {
				continue
			}
			if iface, ok := tn.Type().Underlying().(*types.Interface); ok && iface.NumMethods() > 0 {
				out = append(out, iface)
			}
		}
		for _, imp := range p.Imports() {
			visit(imp)
		}
	}
	for _, p := range c.external {
		visit(p)
	}
	return out
}

func hasMethod(iface *types.Interface, name string) bool {
	for m := range iface.Methods() {
		if m.Name() == name {
			return true
		}
	}
	return false
}

// implements tells whether m's receiver type (as value or pointer) implements iface.
func implements(m *types.Func, iface *types.Interface) bool {
	recv := m.Type().(*types.Signature).Recv().Type()
	if ptr, ok := recv.(*types.Pointer); ok {
		recv = ptr.Elem()
	}
	if named, ok := recv.(*types.Named); ok && named.TypeParams().Len() > 0 {
		return false // generic receivers: the module has none that matter here
	}
	return types.Implements(recv, iface) || types.Implements(types.NewPointer(recv), iface)
}

// methodsOf lists the declared methods of a named type.
func methodsOf(tn *types.TypeName) []*types.Func {
	named, ok := tn.Type().(*types.Named)
	if !ok {
		return nil
	}
	var out []*types.Func
	for m := range named.Methods() {
		out = append(out, m)
	}
	return out
}

// sdkCalls lists the SDK operations the binary's reachable code calls.
func (b *binary) sdkCalls() []sdkCall {
	var out []sdkCall
	for n := range b.reachable {
		out = append(out, n.calls...)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Pos < out[j].Pos })
	return out
}

// envReads lists the environment variables the binary's reachable module code reads.
func (b *binary) envReads() map[string]bool {
	out := map[string]bool{}
	for n := range b.reachable {
		for _, e := range n.envs {
			out[e] = true
		}
	}
	return out
}

// reached tells whether the binary reaches the module function with this full name
// (types.Func.FullName, e.g. "(*github.com/sbomcat/sbomcat/dynamodb.Store).CreateTable").
func (b *binary) reached(fullName string) bool {
	for n := range b.reachable {
		if n.name == fullName {
			return true
		}
	}
	return false
}
