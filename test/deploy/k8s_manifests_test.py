#!/usr/bin/env python3
"""Checks deploy/k8s/ and deploy/docker/ hang together (ctest deploy.k8s_manifests).

No cluster runs here, so this test checks what a cluster would reject or what would silently
break a run: every manifest parses; kustomization.yaml lists every manifest but the example
Secret; the Indexed Job and the CronJob's job run `cryptolake run` on the ConfigMap's lake.toml
with completions == parallelism == CRYPTOLAKE_SHARD_COUNT, restartPolicy Never (required by
backoffLimitPerIndex) and a grace period for the SIGTERM stop; every secretKeyRef names a key of
the example Secret; the metrics endpoint of lake.toml is the collector Service; the Dockerfile
copies the binary the build makes; and the ConfigMap's lake.toml is a valid `cryptolake run`
configuration for every shard (`--dry-run`, which plans without touching the lake or network).

usage: k8s_manifests_test.py <repo root> <cryptolake binary>
"""
import os
import subprocess
import sys
import tempfile
import urllib.parse

import yaml

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)


def load_all(path):
    with open(path) as f:
        return [d for d in yaml.safe_load_all(f) if d is not None]


def main():
    root, binary = sys.argv[1], sys.argv[2]
    k8s = os.path.join(root, "deploy", "k8s")
    docs = {}
    for name in sorted(os.listdir(k8s)):
        if name.endswith(".yaml"):
            try:
                docs[name] = load_all(os.path.join(k8s, name))
            except yaml.YAMLError as e:
                failures.append(f"{name}: does not parse: {e}")
    if failures:
        return

    kustomization = docs.pop("kustomization.yaml")[0]
    listed = set(kustomization.get("resources", []))
    expected = set(docs) - {"secret.example.yaml"}
    check(listed == expected,
          f"kustomization.yaml resources {sorted(listed)} != manifests {sorted(expected)}")
    check("secret.example.yaml" not in listed, "the example Secret must not be applied")

    secret = docs["secret.example.yaml"][0]
    secret_keys = set(secret.get("stringData", {}))
    config_map = docs["configmap.yaml"][0]
    check(config_map["kind"] == "ConfigMap", "configmap.yaml holds a ConfigMap")
    lake_toml = config_map["data"].get("lake.toml")
    check(lake_toml is not None, "the ConfigMap has a lake.toml key")

    collector = {d["kind"]: d for d in docs["otel-collector.yaml"]}
    service = collector.get("Service")
    check(service is not None, "otel-collector.yaml has a Service")

    job = docs["indexed-job.yaml"][0]
    cron = docs["cronjob.yaml"][0]
    check(job["kind"] == "Job", "indexed-job.yaml holds a Job")
    check(cron["kind"] == "CronJob", "cronjob.yaml holds a CronJob")
    check(cron["spec"].get("concurrencyPolicy") == "Forbid",
          "the daily CronJob must not overlap a still running day")
    shard_counts = set()
    for where, spec in (("Job", job["spec"]), ("CronJob", cron["spec"]["jobTemplate"]["spec"])):
        check(spec.get("completionMode") == "Indexed", f"{where}: completionMode Indexed")
        pod = spec["template"]["spec"]
        check(pod.get("restartPolicy") == "Never",
              f"{where}: restartPolicy Never (backoffLimitPerIndex requires it)")
        check(pod.get("terminationGracePeriodSeconds", 30) >= 30,
              f"{where}: a grace period for the SIGTERM stop")
        container = pod["containers"][0]
        env = {e["name"]: e for e in container.get("env", [])}
        count = env.get("CRYPTOLAKE_SHARD_COUNT", {}).get("value")
        check(count is not None, f"{where}: CRYPTOLAKE_SHARD_COUNT is set")
        if count is not None:
            shard_counts.add(int(count))
            check(spec.get("completions") == int(count) == spec.get("parallelism"),
                  f"{where}: completions, parallelism and CRYPTOLAKE_SHARD_COUNT differ")
        for e in env.values():
            ref = e.get("valueFrom", {}).get("secretKeyRef")
            if ref:
                check(ref["name"] == secret["metadata"]["name"] and ref["key"] in secret_keys,
                      f"{where}: secretKeyRef {ref} is not in the example Secret")
        args = container.get("args", [])
        check(args[:2] == ["run", "--config"], f"{where}: runs `cryptolake run --config`")
        mounts = {m["name"]: m["mountPath"] for m in container.get("volumeMounts", [])}
        volumes = {v["name"]: v for v in pod.get("volumes", [])}
        config_volume = [n for n, v in volumes.items()
                         if v.get("configMap", {}).get("name") == config_map["metadata"]["name"]]
        check(len(config_volume) == 1, f"{where}: mounts the ConfigMap")
        if config_volume and len(args) > 2:
            check(args[2] == os.path.join(mounts.get(config_volume[0], "?"), "lake.toml"),
                  f"{where}: --config {args[2]} is not the mounted lake.toml")

    for d in docs["otel-collector.yaml"]:
        for c in d.get("spec", {}).get("template", {}).get("spec", {}).get("containers", []):
            for e in c.get("env", []):
                ref = e.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    check(ref["key"] in secret_keys, f"collector: secret key {ref['key']} missing")

    # The metrics endpoint is the collector Service.
    endpoint = None
    for line in (lake_toml or "").splitlines():
        if line.strip().startswith("endpoint"):
            endpoint = line.split("=", 1)[1].strip().strip('"')
    check(endpoint is not None, "lake.toml sets [metrics] endpoint")
    if endpoint and service:
        url = urllib.parse.urlparse(endpoint)
        ports = {p["port"] for p in service["spec"]["ports"]}
        check(url.hostname.split(".")[0] == service["metadata"]["name"] and url.port in ports,
              f"metrics endpoint {endpoint} is not the collector Service")

    with open(os.path.join(root, "deploy", "docker", "Dockerfile")) as f:
        dockerfile = f.read()
    check("build/release/tools/cryptolake/cryptolake" in dockerfile,
          "the Dockerfile copies the binary the release preset builds")

    # lake.toml is a valid run configuration for every shard.
    if lake_toml:
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "lake.toml")
            with open(path, "w") as f:
                f.write(lake_toml)
            for count in sorted(shard_counts) or [1]:
                for index in range(count):
                    # The pods get credentials from the Secret; --dry-run opens the lake's
                    # store (which wants them) but sends no request, so placeholders do.
                    env = dict(os.environ, JOB_COMPLETION_INDEX=str(index),
                               CRYPTOLAKE_SHARD_COUNT=str(count),
                               AWS_ACCESS_KEY_ID="AKIDPLACEHOLDER",
                               AWS_SECRET_ACCESS_KEY="placeholder", AWS_REGION="us-east-1")
                    r = subprocess.run([binary, "run", "--config", path, "--dry-run"],
                                       env=env, capture_output=True, text=True, timeout=120)
                    check(r.returncode == 0,
                          f"shard {index}/{count}: `cryptolake run --dry-run` exit "
                          f"{r.returncode}: {r.stderr.strip()[-500:]}")


if __name__ == "__main__":
    main()
    for f in failures:
        print("FAIL:", f)
    print(f"k8s manifests: {len(failures)} problem(s)")
    sys.exit(1 if failures else 0)
