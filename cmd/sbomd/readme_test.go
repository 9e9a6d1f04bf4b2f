package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sbomcat/sbomcat/internal/testkit"
)

// TestREADME runs README.md's walkthroughs as a reader runs them, so the README cannot drift
// from the product. The rules README.md's fenced blocks follow:
//
//   - Every ```sh, ```bash and ```shell block runs, in bash under `set -euo pipefail`, from the
//     repository root, against its own fresh sbomd started by this test on a free loopback
//     port. So no command in a block may fail, not even on purpose, and every block creates
//     what it uses.
//   - The only rewrite: the literal 127.0.0.1:4566 and localhost:4566 become that sbomd's
//     address.
//   - Lines that start the service or the test suite are dropped: `make run`,
//     `go run ./cmd/sbomd`, `make test`, `make fuzz...`, `make bench...` (this test is both).
//   - A block right after the HTML comment `<!-- skip: REASON -->` is not run (REASON is
//     logged): only for blocks that need Docker, SAM or a deployed stack.
//   - Every ```go block is a whole program, run with `go run` against its own fresh sbomd.
//   - Everything else not meant to run is fenced as ```text or ```console.
//
// Blocks get the caller's environment without its AWS_, SBOMCAT_, SBOMD_ or SBOMWORKER_
// variables, a TMPDIR of their own, and AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE that
// name no file, so a reader's ~/.aws plays no part. A block must leave the repository root as
// it found it (walkthroughs write under `mktemp -d`) and may not use what git ignores (bin/,
// .tools/, .sbomd/): a clean clone has none of it.
//
// It needs an AWS CLI on the PATH with the package-catalog SBOM commands (README.md says which
// versions) and is skipped with a message otherwise.
func TestREADME(t *testing.T) {
	testkit.SkipShort(t, "runs README.md's walkthroughs against built processes; skipped with -short")
	awsCLI := testkit.AWSCLI(t, "README.md's walkthroughs need the AWS CLI (v1 >= 1.34.20 or v2 >= 2.17.52); install one to run this test")
	if out, err := exec.Command(awsCLI, "iot", "associate-sbom-with-package-version", "help").CombinedOutput(); err != nil {
		t.Skipf("%s has no `aws iot associate-sbom-with-package-version`: README.md's walkthroughs need AWS CLI v1 >= 1.34.20 or v2 >= 2.17.52 (%v)\n%.300s", awsCLI, err, out)
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	blocks := readmeBlocks(string(readme))
	if len(blocks) == 0 {
		t.Fatal("README.md has no fenced blocks: the parser or the README is broken")
	}
	ran := 0
	for _, b := range blocks {
		name := fmt.Sprintf("%s@line%d", b.lang, b.line)
		switch {
		case b.skip != "":
			t.Run(name, func(t *testing.T) { t.Skipf("README.md line %d: %s", b.line, b.skip) })
		case b.lang == "sh" || b.lang == "bash" || b.lang == "shell":
			ran++
			t.Run(name, func(t *testing.T) { t.Parallel(); runShellBlock(t, root, b) })
		case b.lang == "go":
			ran++
			t.Run(name, func(t *testing.T) { t.Parallel(); runGoBlock(t, root, b) })
		}
	}
	if ran == 0 {
		t.Fatal("no runnable block found in README.md")
	}
}

// readmeBlock is one fenced block of README.md.
type readmeBlock struct {
	lang string
	line int    // of the opening fence, 1-based
	body string // the lines between the fences
	skip string // the reason of a preceding <!-- skip: REASON -->, or ""
}

var skipComment = regexp.MustCompile(`^<!--\s*skip:\s*(.+?)\s*-->$`)

// readmeBlocks returns the fenced blocks of a Markdown document, in order.
func readmeBlocks(md string) []readmeBlock {
	var blocks []readmeBlock
	var cur *readmeBlock
	var body strings.Builder
	prev := "" // the last non-blank line outside a block
	sc := bufio.NewScanner(strings.NewReader(md))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		switch {
		case cur == nil && strings.HasPrefix(trimmed, "```"):
			cur = &readmeBlock{lang: strings.TrimSpace(strings.TrimPrefix(trimmed, "```")), line: n}
			if m := skipComment.FindStringSubmatch(prev); m != nil {
				cur.skip = m[1]
			}
			body.Reset()
		case cur != nil && trimmed == "```":
			cur.body = body.String()
			blocks = append(blocks, *cur)
			cur, prev = nil, ""
		case cur != nil:
			body.WriteString(line + "\n")
		case trimmed != "":
			prev = trimmed
		}
	}
	return blocks
}

var (
	// droppedLine matches the lines that start the service or the test suite.
	droppedLine = regexp.MustCompile(`^\s*(make\s+(run|test|fuzz\S*|bench\S*)|go\s+run\s+\./cmd/sbomd)(\s|$)`)
	// ignoredPath matches what git ignores at the repository root (.gitignore), which a clean
	// clone does not have.
	ignoredPath = regexp.MustCompile(`(^|[\s"'=(])(\./)?(bin|\.tools|\.sbomd)/`)
	readmeAddr  = regexp.MustCompile(`(127\.0\.0\.1|localhost):4566`)
)

// script turns a block into what runs against the sbomd at addr: dropped lines removed, the
// address rewritten. It fails the test when the block uses a git-ignored path.
func (b readmeBlock) script(t *testing.T, addr string) string {
	t.Helper()
	var out strings.Builder
	for i, line := range strings.Split(b.body, "\n") {
		if droppedLine.MatchString(line) {
			continue
		}
		if ignoredPath.MatchString(line) {
			t.Errorf("README.md line %d uses a path git ignores, which a fresh clone does not have: %s", b.line+1+i, line)
		}
		out.WriteString(readmeAddr.ReplaceAllString(line, addr) + "\n")
	}
	return out.String()
}

// blockEnv is the environment of a block's commands.
func blockEnv(t *testing.T) []string {
	tmp := t.TempDir()
	return testkit.HermeticEnv(
		"TMPDIR="+tmp,
		"AWS_CONFIG_FILE="+filepath.Join(tmp, "no-aws-config"),
		"AWS_SHARED_CREDENTIALS_FILE="+filepath.Join(tmp, "no-aws-credentials"),
	)
}

func runShellBlock(t *testing.T, root string, b readmeBlock) {
	if strings.TrimSpace(b.script(t, "")) == "" {
		t.Skipf("README.md line %d: nothing left to run once service and test lines are dropped", b.line)
	}
	p := startProc(t, "127.0.0.1:0", t.TempDir(), nil)
	runInRoot(t, root, b, p, "bash", "-c", "set -euo pipefail\n"+b.script(t, p.Addr))
}

func runGoBlock(t *testing.T, root string, b readmeBlock) {
	p := startProc(t, "127.0.0.1:0", t.TempDir(), nil)
	src := filepath.Join(t.TempDir(), "main.go")
	if err := os.WriteFile(src, []byte(b.script(t, p.Addr)), 0o644); err != nil {
		t.Fatal(err)
	}
	// From the repository root, a named file builds against the module's go.mod: the
	// dependencies a reader of the snippet already has.
	runInRoot(t, root, b, p, "go", "run", src)
}

// runInRoot runs name with args from the repository root with blockEnv and fails the test, with the
// block's output and sbomd's log, when it fails or leaves something in the root.
func runInRoot(t *testing.T, root string, b readmeBlock, p *proc, name string, args ...string) {
	before := rootEntries(t, root)
	ctx, cancel := context.WithTimeout(context.Background(), 2*deadline)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir, cmd.Env = root, blockEnv(t)
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("README.md block at line %d failed: %v\n--- output:\n%s\n--- sbomd:\n%s", b.line, err, out, p.Logs)
	}
	t.Logf("README.md block at line %d:\n%s", b.line, out)
	for _, e := range rootEntries(t, root) {
		if !slices.Contains(before, e) {
			os.RemoveAll(filepath.Join(root, e))
			t.Errorf("README.md block at line %d left %s in the repository root: write under a temporary folder (cd \"$(mktemp -d)\")", b.line, e)
		}
	}
}

func rootEntries(t *testing.T, root string) []string {
	t.Helper()
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// TestReadmeBlockRules: the rules TestREADME applies, on a document of its own.
func TestReadmeBlockRules(t *testing.T) {
	md := "intro\n\n```sh\nmake run   # terminal 1\ngo run ./cmd/sbomd --addr x\ngo run ./cmd/sbomctl demo\n" +
		"make test\nmake bench-loop\naws s3 ls --endpoint-url http://127.0.0.1:4566\ncurl localhost:4566/x\n```\n" +
		"<!-- skip: needs Docker -->\n```bash\ndocker run x\n```\n\n```text\nnot run\n```\n"
	blocks := readmeBlocks(md)
	tests := []struct {
		lang, skip, script string
		line               int
	}{
		{"sh", "", "go run ./cmd/sbomctl demo\naws s3 ls --endpoint-url http://ADDR\ncurl ADDR/x\n\n", 3},
		{"bash", "needs Docker", "docker run x\n\n", 13},
		{"text", "", "not run\n\n", 17},
	}
	if len(blocks) != len(tests) {
		t.Fatalf("%d blocks, want %d: %+v", len(blocks), len(tests), blocks)
	}
	for i, tt := range tests {
		b := blocks[i]
		if b.lang != tt.lang || b.skip != tt.skip || b.line != tt.line {
			t.Errorf("block %d = %s line %d skip %q; want %s line %d skip %q", i, b.lang, b.line, b.skip, tt.lang, tt.line, tt.skip)
		}
		if got := b.script(t, "ADDR"); got != tt.script {
			t.Errorf("block %d script = %q, want %q", i, got, tt.script)
		}
	}
}
