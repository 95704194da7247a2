"""Reads an S3 lake back with boto3 (an S3 client independent of cryptolake's), for the S3
end-to-end tests. The endpoint, keys and region come from AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY and AWS_REGION; path-style addressing.

  s3_readback.py snapshot BUCKET PREFIX OUTDIR   download every object under PREFIX/ into OUTDIR
                                                 (keys relative to PREFIX/; .cltmp-runs/ is only
                                                 listed), print "key size" lines
  s3_readback.py uploads BUCKET PREFIX           print "key upload-id" of in-flight multipart uploads
  s3_readback.py copy BUCKET SRC DST             copy every object under SRC/ to DST/ (.cltmp-runs/ aside)
  s3_readback.py clear BUCKET PREFIX             delete every object under PREFIX/ but .cltmp-runs/
Exit 0 on success, 1 with a message on stderr on any failure (a download whose length differs from
the listed size included).
"""
import os
import sys

import boto3
from botocore.config import Config


def client():
    return boto3.client(
        "s3",
        endpoint_url=os.environ["AWS_ENDPOINT_URL"],
        region_name=os.environ.get("AWS_REGION", "us-east-1"),
        config=Config(signature_version="s3v4", s3={"addressing_style": "path"},
                      retries={"max_attempts": 2, "mode": "standard"}),
    )


def snapshot(bucket, prefix, outdir):
    s3 = client()
    base = prefix.rstrip("/") + "/" if prefix else ""
    lines = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=base):
        for obj in page.get("Contents", []):
            rel = obj["Key"][len(base):]
            if rel.startswith(".cltmp-runs/"):
                # The store's bookkeeping (leases, upload markers): listed, not downloaded; a run
                # may delete one between the listing and a GET.
                lines.append(f"{rel} {obj['Size']}")
                continue
            body = s3.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read()
            if len(body) != obj["Size"]:
                sys.exit(f"{obj['Key']}: listed {obj['Size']} bytes, downloaded {len(body)}")
            path = os.path.join(outdir, rel)
            os.makedirs(os.path.dirname(path) or outdir, exist_ok=True)
            with open(path, "wb") as f:
                f.write(body)
            lines.append(f"{rel} {obj['Size']}")
    for line in sorted(lines):
        print(line)


def uploads(bucket, prefix):
    s3 = client()
    res = s3.list_multipart_uploads(Bucket=bucket, Prefix=prefix)
    for u in res.get("Uploads", []):
        print(f"{u['Key']} {u['UploadId']}")


def keys_under(s3, bucket, base):
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=base):
        for obj in page.get("Contents", []):
            rel = obj["Key"][len(base):]
            if not rel.startswith(".cltmp-runs/"):
                yield obj["Key"], rel


def copy(bucket, src, dst):
    s3 = client()
    # GET + PUT, not CopyObject: s3rver 3.7.1 does not decode %3D in x-amz-copy-source, and
    # silver keys hold '='.
    for key, rel in list(keys_under(s3, bucket, src.rstrip("/") + "/")):
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        s3.put_object(Bucket=bucket, Key=dst.rstrip("/") + "/" + rel, Body=body)


def clear(bucket, prefix):
    s3 = client()
    for key, _ in list(keys_under(s3, bucket, prefix.rstrip("/") + "/")):
        s3.delete_object(Bucket=bucket, Key=key)


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "snapshot":
        snapshot(*sys.argv[2:])
    elif len(sys.argv) == 4 and sys.argv[1] == "uploads":
        uploads(*sys.argv[2:])
    elif len(sys.argv) == 5 and sys.argv[1] == "copy":
        copy(*sys.argv[2:])
    elif len(sys.argv) == 4 and sys.argv[1] == "clear":
        clear(*sys.argv[2:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
