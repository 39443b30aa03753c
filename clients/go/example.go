// Grpc.Mrk from Go: creates a multi-Region key in one Region, replicates it, encrypts there, decrypts in another
// Region, and reads the AWS exception name of a deliberate error from google.rpc.ErrorInfo.
//
//	./generate.sh && ./run.sh --cluster-file ../../.mrk/cluster.json
//
// The cluster file (written by scripts/run-local.sh) names each Region's endpoint and the CA to trust. Callers
// authenticate with an API key in MRK_API_KEY (sent as a Bearer token); the local cluster also accepts none.
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"flag"
	"fmt"
	"net/url"
	"os"
	"time"

	mrkv1 "github.com/grpc-mrk/mrk/gen/mrk/v1"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

type clusterFile struct {
	CaBundle string            `json:"caBundle"`
	Regions  map[string]string `json:"regions"`
}

// awsException is the AWS exception name every Grpc.Mrk refusal carries in its google.rpc.Status details.
func awsException(err error) string {
	for _, detail := range status.Convert(err).Details() {
		if info, ok := detail.(*errdetails.ErrorInfo); ok {
			return info.Reason
		}
	}
	return "(no ErrorInfo)"
}

func region(endpoint string, pool *x509.CertPool) (mrkv1.KeyManagementServiceClient, error) {
	target, err := url.Parse(endpoint)
	if err != nil {
		return nil, err
	}
	connection, err := grpc.Dial(target.Host, grpc.WithTransportCredentials(credentials.NewTLS(&tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12})))
	if err != nil {
		return nil, err
	}
	return mrkv1.NewKeyManagementServiceClient(connection), nil
}

// call gives each request the caller's credentials and a deadline.
func call() (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	if apiKey := os.Getenv("MRK_API_KEY"); apiKey != "" {
		ctx = metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+apiKey)
	}
	return ctx, cancel
}

func run() error {
	defaultFile := os.Getenv("MRK_CLUSTER_FILE")
	if defaultFile == "" {
		defaultFile = "../../.mrk/cluster.json"
	}
	file := flag.String("cluster-file", defaultFile, "cluster file written by scripts/run-local.sh")
	primaryName := flag.String("primary", "us-east-1", "Region of the primary key")
	replicaName := flag.String("replica", "eu-west-1", "Region of the replica")
	flag.Parse()

	var cluster clusterFile
	raw, err := os.ReadFile(*file)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(raw, &cluster); err != nil {
		return err
	}
	ca, err := os.ReadFile(cluster.CaBundle)
	if err != nil {
		return err
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(ca)
	primary, err := region(cluster.Regions[*primaryName], pool)
	if err != nil {
		return err
	}
	replica, err := region(cluster.Regions[*replicaName], pool)
	if err != nil {
		return err
	}

	ctx, cancel := call()
	defer cancel()
	created, err := primary.CreateKey(ctx, &mrkv1.CreateKeyRequest{MultiRegion: true, Description: "go example"})
	if err != nil {
		return err
	}
	keyID := created.KeyMetadata.KeyId
	fmt.Printf("created %s in %s\n", keyID, *primaryName)
	if _, err := primary.ReplicateKey(ctx, &mrkv1.ReplicateKeyRequest{KeyId: keyID, ReplicaRegion: *replicaName}); err != nil {
		return err
	}
	// Replication is asynchronous: the replica is Creating until the material arrives, usually within a second. A
	// message lost on the way is sent again after the sync interval (30 s by default), so wait longer than that.
	started := time.Now()
	for deadline := started.Add(90 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		poll, stop := call()
		described, err := replica.DescribeKey(poll, &mrkv1.DescribeKeyRequest{KeyId: keyID})
		stop()
		if err == nil && described.KeyMetadata.KeyState == mrkv1.KeyState_KEY_STATE_ENABLED {
			break
		}
		if err != nil && status.Code(err) != codes.NotFound {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the replica did not become Enabled in time")
		}
	}
	fmt.Printf("replica Enabled in %s after %.1f s\n", *replicaName, time.Since(started).Seconds())
	ctx, cancel = call()
	defer cancel()

	sealed, err := primary.Encrypt(ctx, &mrkv1.EncryptRequest{KeyId: keyID, Plaintext: []byte("hello from go")})
	if err != nil {
		return err
	}
	opened, err := replica.Decrypt(ctx, &mrkv1.DecryptRequest{CiphertextBlob: sealed.CiphertextBlob})
	if err != nil {
		return err
	}
	fmt.Printf("decrypted in %s: %s\n", *replicaName, opened.Plaintext)
	if string(opened.Plaintext) != "hello from go" {
		return fmt.Errorf("decrypted the wrong plaintext")
	}

	_, err = primary.DescribeKey(ctx, &mrkv1.DescribeKeyRequest{KeyId: "00000000-0000-0000-0000-000000000000"})
	if err == nil {
		return fmt.Errorf("a missing key was found")
	}
	reason := awsException(err)
	fmt.Printf("deliberate error: %s %s\n", status.Code(err), reason)
	if reason != "NotFoundException" {
		return fmt.Errorf("expected NotFoundException")
	}
	return nil
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
