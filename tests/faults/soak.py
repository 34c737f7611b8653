#!/usr/bin/env python3
"""Soak: qcdc on PostgreSQL with the synthetic province, at a steady request rate for a given
time. Zero failures, zero socket errors and flat memory are required.

wrk (Debian package `wrk`) drives tests/faults/soak.lua: a rotation of reads (task list page 20
with unit, assignments and legal references; task detail; planProgress of the province; search)
with one write in ten (createPlan with a unique title), paced to the target rate. It runs in
chunks of at most 60 s so that memory is sampled in between and a failing soak stops early; a
thread samples the server's VmRSS every 10 s. Without --rate, a 10 s closed-loop burst of the
same mix at concurrency 8 measures capacity first and the soak runs at half of it.

Checked: no request failed (HTTP status other than 200 or a body with "errors"), wrk saw no
socket error, and the RSS at the end is at most 10 % and at most 8 MiB above the RSS after the
warm-up (the first minute; half the run when it is shorter than two minutes).

Usage: tests/faults/soak.py [qcdc binary] [--minutes 10] [--rate REQ_PER_S] [--connections 8]
       (default binary $CARGO_TARGET_DIR/debug/qcdc; `--minutes 0.5` for a quick check)

Loopback only, bounded in time (the given minutes plus about a minute of setup and the
capacity burst). Needs wrk and a local PostgreSQL reachable as postgres@127.0.0.1:5432 with
trust auth; works in a scratch database qcdc_soak_<timestamp>, dropped at the end.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time

from common import Api, psql

HERE = os.path.dirname(os.path.abspath(__file__))
PORT = int(os.environ.get("QCDC_FAULT_PORT", "18285"))
API = Api(PORT)
URL = API.url
wait_ready = API.wait_ready
PG = "postgres://postgres@127.0.0.1:5432"
DB = f"qcdc_soak_{int(time.time())}"
PASSWORD = "soak-password-long-enough"
CHUNK_SECONDS = 60
SAMPLE_SECONDS = 10
CALIBRATION_SECONDS = 10
WRK_THREADS = 2


def post(query, variables=None, token=None):
    return API.data({"query": query, "variables": variables or {}}, token)


def rss_mib(pid, key="VmRSS"):
    try:
        for line in open(f"/proc/{pid}/status"):
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    except OSError:  # the process is gone
        pass
    return float("nan")


def login():
    return post(f'mutation {{ login(username: "soak", password: "{PASSWORD}") {{ accessToken }} }}')["login"]["accessToken"]


def wrk(work, token, seconds, rate, connections, tag, latency_ms=0.0):
    """One wrk run of the mix; returns its figures as a dict (keys written by soak.lua's done())."""
    env = dict(os.environ, QCDC_SOAK_READS=os.path.join(work, "reads.jsonl"),
               QCDC_SOAK_WRITE=os.path.join(work, "write.json"), QCDC_SOAK_TOKEN=token,
               QCDC_SOAK_RATE=str(rate), QCDC_SOAK_THREADS=str(WRK_THREADS),
               QCDC_SOAK_CONNECTIONS=str(connections), QCDC_SOAK_TAG=tag,
               QCDC_SOAK_LATENCY_MS=f"{latency_ms:.3f}")
    done = subprocess.run(["wrk", f"-t{WRK_THREADS}", f"-c{connections}", f"-d{max(1, round(seconds))}s",
                           "--timeout", "10s", "-s", os.path.join(HERE, "soak.lua"), f"{URL}/graphql"],
                          env=env, capture_output=True, text=True, timeout=seconds + 60)
    if done.returncode != 0:
        raise SystemExit(f"wrk failed ({done.returncode}): {done.stderr[-1000:]}")
    figures = {k: float(v) for k, v in re.findall(r"^([a-z_0-9]+) ([0-9.]+)$", done.stdout, re.M)}
    figures["stderr"] = done.stderr.strip()
    return figures


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("bin", nargs="?", default=os.path.join(
        os.environ.get("CARGO_TARGET_DIR", "target"), "debug", "qcdc"))
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--rate", type=float, help="requests per second (default: half the measured capacity)")
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    BIN = args.bin

    psql(f'CREATE DATABASE "{DB}"')
    work = tempfile.mkdtemp()
    log_path = os.path.join(work, "server.log")
    log = open(log_path, "w")
    env = dict(os.environ, QCDC_DATABASE_URL=f"{PG}/{DB}", RUST_LOG="warn")
    server = None
    failures = []
    try:
        setup_started = time.monotonic()
        seeded = subprocess.run([BIN, "seed", "--synthetic", "province", "--seed", "1"], env=env,
                                check=True, capture_output=True, text=True).stdout
        subprocess.run([BIN, "user", "create", "--username", "soak", "--role", "steering", "--scope", "SYN"],
                       env=dict(env, QCDC_PASSWORD=PASSWORD), check=True, capture_output=True, text=True)
        synthetic = next((l.strip() for l in seeded.splitlines() if l.strip().startswith("synthetic")), "")
        print(f"faults: seeded {synthetic} in {time.monotonic() - setup_started:.1f} s", flush=True)
        server = subprocess.Popen([BIN, "serve"], env=dict(env, QCDC_LISTEN=f"127.0.0.1:{PORT}"),
                                  stdout=log, stderr=subprocess.STDOUT)
        if not wait_ready(60):
            raise SystemExit("qcdc did not become ready")

        token = login()
        ids = post('{ units(first: 5, filter: { search: "Tỉnh Thử Nghiệm" }) { edges { node { id code } } } '
                   ' plans(first: 5) { edges { node { id number issuingUnit { id code } } } } }', token=token)
        root = next(e["node"]["id"] for e in ids["units"]["edges"] if e["node"]["code"] == "SYN")
        plan, issuer = next((e["node"]["id"], e["node"]["issuingUnit"]["id"]) for e in ids["plans"]["edges"]
                            if e["node"]["issuingUnit"]["code"] == "SYN.BCD")
        task = post('query($p: ID!) { plan(id: $p) { tasks(first: 1) { edges { node { id } } } } }',
                    {"p": plan}, token)["plan"]["tasks"]["edges"][0]["node"]["id"]
        reads = [
            ("query Q2($p: ID!, $n: Int!) { tasks(first: $n, filter: { plan: $p }) { edges { node { id code title status "
             "plan { number issuingUnit { name } } assignments { role status unit { code name } } "
             "legalReferences { provision document { number title } } } } } }", {"p": plan, "n": 20}),
            ("query Q3($t: ID!) { task(id: $t) { id code title description status progress dueOn plan { number title } "
             "assignments { role status progress unit { code name } updates { note } } "
             "legalReferences { provision document { number title status } } } }", {"t": task}),
            ("query Q1($p: ID!, $u: ID!) { planProgress(planId: $p, unitId: $u) { tasks { total done inProgress overdue } "
             "byContentArea { contentArea total done } } }", {"p": plan, "u": root}),
            ('query Q6 { tasks(first: 20, filter: { search: "đối thoại giám sát" }) { edges { node { code title } } } }', {}),
        ]
        write = ("mutation W($i: CreatePlanInput!) { createPlan(input: $i) { plan { id version } } }",
                 {"i": {"title": "__TITLE__", "issuingUnitId": issuer,
                        "periodStart": "2026-01-01", "periodEnd": "2026-12-31"}})
        for query, variables in reads + [write]:  # each operation works before the load starts
            post(query, dict(variables, i=dict(variables["i"], title="Soak check")) if "i" in variables else variables, token)
        with open(os.path.join(work, "reads.jsonl"), "w") as f:
            for query, variables in reads:
                f.write(json.dumps({"query": query, "variables": variables}, ensure_ascii=False) + "\n")
        with open(os.path.join(work, "write.json"), "w") as f:
            f.write(json.dumps({"query": write[0], "variables": write[1]}, ensure_ascii=False))

        totals = {"requests": 0, "failures": 0, "socket": 0, "writes": 0, "seconds": 0.0}
        latency_ms = 0.0
        rate = args.rate
        if rate is None:
            burst = wrk(work, token, CALIBRATION_SECONDS, 0, 8, "burst")
            capacity = burst["requests"] / burst["seconds"]
            rate = capacity / 2
            latency_ms = burst["p50_ms"]
            totals["failures"] += int(burst["graphql_failures"])
            totals["socket"] += int(burst["socket_errors"])
            print(f"faults: capacity {capacity:.1f} req/s (10 s closed loop at concurrency 8, p50 "
                  f"{burst['p50_ms']:.1f} ms, p99 {burst['p99_ms']:.1f} ms, failures "
                  f"{int(burst['graphql_failures'])}, socket errors {int(burst['socket_errors'])}); "
                  f"soaking at {rate:.1f} req/s", flush=True)
            if burst["graphql_failures"] or burst["socket_errors"]:
                failures.append(f"the capacity burst failed: {burst}")

        samples = []  # (seconds into the soak, VmRSS MiB)
        stop = threading.Event()
        soak_started = time.monotonic()

        def sampler():
            while not stop.is_set():
                try:
                    samples.append((time.monotonic() - soak_started, rss_mib(server.pid)))
                except OSError:
                    return
                stop.wait(SAMPLE_SECONDS)

        sampling = threading.Thread(target=sampler, daemon=True)
        sampling.start()
        total_seconds = args.minutes * 60
        warmup = min(60.0, total_seconds / 2)
        baseline = None
        minute = 0
        while not failures and time.monotonic() - soak_started < total_seconds - 0.5:
            minute += 1
            remaining = total_seconds - (time.monotonic() - soak_started)
            token = login()  # access tokens are short-lived; one sign-in a minute stays under the limit
            run = wrk(work, token, min(CHUNK_SECONDS, remaining), rate, args.connections, f"{DB[-6:]}m{minute}", latency_ms)
            now = time.monotonic() - soak_started
            rss = rss_mib(server.pid)
            samples.append((now, rss))
            if baseline is None and now >= warmup - 1:
                baseline = next(r for t, r in samples if t >= warmup - 1)
            totals["requests"] += int(run["requests"])
            totals["failures"] += int(run["graphql_failures"])
            totals["socket"] += int(run["socket_errors"])
            totals["writes"] += int(run["writes"])
            totals["seconds"] += run["seconds"]
            print(f"faults: minute {minute}: {int(run['requests'])} requests ({int(run['writes'])} writes), "
                  f"{run['requests'] / run['seconds']:.1f} req/s, p50 {run['p50_ms']:.1f} ms, p99 {run['p99_ms']:.1f} ms, "
                  f"failures {int(run['graphql_failures'])}, socket errors {int(run['socket_errors'])} "
                  f"(connect {int(run['errors_connect'])}, read {int(run['errors_read'])}, write {int(run['errors_write'])}, "
                  f"timeout {int(run['errors_timeout'])}), RSS {rss:.1f} MiB", flush=True)
            if run["graphql_failures"] or run["socket_errors"]:
                failures.append(f"minute {minute}: {int(run['graphql_failures'])} failures, "
                                f"{int(run['socket_errors'])} socket errors; {run['stderr'][-500:]}")
        stop.set()
        if server.poll() is not None:
            failures.append(f"qcdc died during the soak (exit code {server.returncode})")
        end_rss = rss_mib(server.pid)
        peak = rss_mib(server.pid, "VmHWM")
        if baseline is None:
            baseline = end_rss
        growth = end_rss - baseline
        achieved = totals["requests"] / totals["seconds"] if totals["seconds"] else 0.0
        print(f"faults: soak {args.minutes:g} min at {rate:.1f} req/s target: {totals['requests']} requests "
              f"({totals['writes']} writes) in {totals['seconds']:.0f} s, {achieved:.1f} req/s achieved, "
              f"failures {totals['failures']}, socket errors {totals['socket']}; RSS after warm-up ({warmup:.0f} s) "
              f"{baseline:.1f} MiB, at the end {end_rss:.1f} MiB ({growth:+.1f} MiB, {100 * growth / baseline:+.1f} %), "
              f"peak {peak:.1f} MiB; samples {' '.join(f'{r:.1f}' for _, r in samples)}")
        if totals["failures"] or totals["socket"]:
            failures.append(f"{totals['failures']} failed requests and {totals['socket']} socket errors")
        if growth > 0.10 * baseline or growth > 8.0:
            failures.append(f"memory grew {growth:+.1f} MiB ({100 * growth / baseline:+.1f} %) after the warm-up")
        if totals["requests"] == 0:
            failures.append("no request was made")
    except SystemExit as e:  # setup failed: still show the server log
        failures.append(str(e))
    except subprocess.CalledProcessError as e:
        failures.append(f"{e.cmd} failed: {e.stderr or e.stdout}")
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                failures.append("qcdc did not stop within 30 s of SIGTERM")
            if server.returncode not in (0, -9):
                failures.append(f"qcdc exited with code {server.returncode} after SIGTERM")
        log.close()
        psql(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
    if failures:
        print("faults: FAILED\n  " + "\n  ".join(failures))
        print(open(log_path).read()[-3000:])
        sys.exit(1)
    print("faults: soak passed: no failure, no socket error, memory flat")


if __name__ == "__main__":
    main()
