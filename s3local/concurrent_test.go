package s3local_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// TestConcurrent overwrites one key from several writers, in a versioned and an unversioned
// bucket, while readers fetch it: every read returns one complete body that some writer
// sent, every PUT becomes exactly one version, exactly one version is latest, and the
// unversioned bucket keeps exactly one content file.
func TestConcurrent(t *testing.T) {
	ctx := context.Background()
	s := startServer(t, t.TempDir(), false)
	c := s.client(t, aws.RequestChecksumCalculationWhenSupported)
	createBucket(t, c, "vvv", true)
	createBucket(t, c, "uuu", false)
	const writers, puts = 6, 5
	body := func(w, i int) []byte { return bytes.Repeat([]byte(fmt.Sprintf("writer %d put %d;", w, i)), 4000) }
	valid := map[[16]byte]bool{}
	for w := range writers {
		for i := range puts {
			valid[md5.Sum(body(w, i))] = true
		}
	}
	put(t, c, "vvv", "k", body(0, 0), nil) // so readers never see NoSuchKey
	put(t, c, "uuu", "k", body(0, 0), nil)

	var wg sync.WaitGroup
	errs := make(chan error, 100)
	versions := make(chan string, writers*puts)
	for w := range writers {
		wg.Go(func() {
			for i := range puts {
				for _, b := range []string{"vvv", "uuu"} {
					out, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("k"), Body: bytes.NewReader(body(w, i))})
					if err != nil {
						errs <- err
						return
					}
					if b == "vvv" {
						versions <- aws.ToString(out.VersionId)
					}
				}
			}
		})
	}
	for range 3 {
		wg.Go(func() {
			for range 15 {
				for _, b := range []string{"vvv", "uuu"} {
					out, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("k")})
					if err != nil {
						errs <- err
						return
					}
					got, err := io.ReadAll(out.Body)
					out.Body.Close()
					if err != nil || !valid[md5.Sum(got)] {
						errs <- fmt.Errorf("read of %s/k returned %d bytes that no writer sent (%v)", b, len(got), err)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	close(versions)
	for err := range errs {
		t.Error(err)
	}
	seen := map[string]bool{}
	for v := range versions {
		seen[v] = true
	}
	listed := listVersions(t, c, "vvv", "", 7)
	latest := 0
	for _, l := range listed {
		if l.latest {
			latest++
		}
		delete(seen, l.version)
	}
	if len(listed) != writers*puts+1 || latest != 1 || len(seen) != 0 {
		t.Errorf("%d versions listed (want %d), %d latest, %d PUT versions missing", len(listed), writers*puts+1, latest, len(seen))
	}
	if got := listVersions(t, c, "uuu", "", 1000); len(got) != 1 {
		t.Errorf("unversioned bucket lists %d versions", len(got))
	}
	files := 0
	filepath.WalkDir(filepath.Join(s.dir, "objects"), func(_ string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files++
		}
		return nil
	})
	if files != writers*puts+1+1 {
		t.Errorf("%d content files, want %d (every version plus the one unversioned object)", files, writers*puts+2)
	}
}
