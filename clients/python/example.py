#!/usr/bin/python3
"""Grpc.Mrk from Python: creates a multi-Region key in one Region, replicates it, encrypts there, decrypts in another
Region, and reads the AWS exception name of a deliberate error from google.rpc.ErrorInfo.

    ./generate.sh && /usr/bin/python3 example.py --cluster-file ../../.mrk/cluster.json

The cluster file (written by scripts/run-local.sh) names each Region's endpoint and the CA to trust. Callers
authenticate with an API key in MRK_API_KEY (sent as a Bearer token); the local cluster also accepts none.
"""
import argparse
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "generated"))

import grpc  # noqa: E402
from google.rpc import error_details_pb2, status_pb2  # noqa: E402
from mrk.v1 import crypto_pb2, enums_pb2, keys_pb2, multi_region_pb2  # noqa: E402
from mrk.v1 import key_management_service_pb2_grpc as kms  # noqa: E402


def aws_exception(error: grpc.RpcError) -> str:
    """The AWS exception name every Grpc.Mrk refusal carries in its google.rpc.Status details."""
    for key, value in error.trailing_metadata() or ():
        if key == "grpc-status-details-bin":
            for detail in status_pb2.Status.FromString(value).details:
                info = error_details_pb2.ErrorInfo()
                if detail.Unpack(info):
                    return info.reason
    return "(no ErrorInfo)"


class Region:
    def __init__(self, endpoint: str, ca_file: str):
        with open(ca_file, "rb") as ca:
            credentials = grpc.ssl_channel_credentials(ca.read())
        self.channel = grpc.secure_channel(endpoint.split("://", 1)[1].rstrip("/"), credentials)
        self.kms = kms.KeyManagementServiceStub(self.channel)
        api_key = os.environ.get("MRK_API_KEY")
        self.metadata = [("authorization", f"Bearer {api_key}")] if api_key else []

    def call(self, method, request):
        return getattr(self.kms, method)(request, timeout=10, metadata=self.metadata)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cluster-file", default=os.environ.get("MRK_CLUSTER_FILE", "../../.mrk/cluster.json"))
    parser.add_argument("--primary", default="us-east-1")
    parser.add_argument("--replica", default="eu-west-1")
    args = parser.parse_args()
    with open(args.cluster_file) as f:
        cluster = json.load(f)
    primary = Region(cluster["regions"][args.primary], cluster["caBundle"])
    replica = Region(cluster["regions"][args.replica], cluster["caBundle"])

    key = primary.call("CreateKey", keys_pb2.CreateKeyRequest(multi_region=True, description="python example")).key_metadata
    print(f"created {key.key_id} in {args.primary}")
    primary.call("ReplicateKey", multi_region_pb2.ReplicateKeyRequest(key_id=key.key_id, replica_region=args.replica))
    # Replication is asynchronous: the replica is Creating until the material arrives, usually within a second. A
    # message lost on the way is sent again after the sync interval (30 s by default), so wait longer than that.
    started = time.monotonic()
    deadline = started + 90
    while primary and time.monotonic() < deadline:
        try:
            state = replica.call("DescribeKey", keys_pb2.DescribeKeyRequest(key_id=key.key_id)).key_metadata.key_state
            if state == enums_pb2.KEY_STATE_ENABLED:
                break
        except grpc.RpcError as error:
            if error.code() != grpc.StatusCode.NOT_FOUND:
                raise
        time.sleep(0.2)
    else:
        print("the replica did not become Enabled in time", file=sys.stderr)
        return 1
    print(f"replica Enabled in {args.replica} after {time.monotonic() - started:.1f} s")

    sealed = primary.call("Encrypt", crypto_pb2.EncryptRequest(key_id=key.key_id, plaintext=b"hello from python"))
    opened = replica.call("Decrypt", crypto_pb2.DecryptRequest(ciphertext_blob=sealed.ciphertext_blob))
    print(f"decrypted in {args.replica}: {opened.plaintext.decode()}")
    if opened.plaintext != b"hello from python":
        return 1

    try:
        primary.call("DescribeKey", keys_pb2.DescribeKeyRequest(key_id="00000000-0000-0000-0000-000000000000"))
        print("a missing key was found", file=sys.stderr)
        return 1
    except grpc.RpcError as error:
        reason = aws_exception(error)
        print(f"deliberate error: {error.code().name} {reason}")
        return 0 if reason == "NotFoundException" else 1


if __name__ == "__main__":
    sys.exit(main())
