#!/usr/bin/env python3
"""Many writers at once on SQLite: 32 threads each create N plans, all released together by a
barrier. Every write must be acknowledged with data (no "database is locked", no busy error,
no refusal of any kind), and afterwards every acknowledged plan reads back and the number of
plans grew by exactly 32×N. Prints throughput and p50/p99 latency of the writes.

Usage: tests/faults/sqlite_writers.py [qcdc binary]   (default $CARGO_TARGET_DIR/debug/qcdc)
       QCDC_FAULT_WRITES=25 sets N.

Loopback only, bounded in time (under a minute; a hard limit of 60 s stops it). Needs nothing
but the binary: the database is a scratch SQLite file in a temporary directory.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

from common import Api, percentile

BIN = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.environ.get("CARGO_TARGET_DIR", "target"), "debug", "qcdc")
PORT = int(os.environ.get("QCDC_FAULT_PORT", "18284"))
API = Api(PORT)
post, data, wait_ready = API.post_text, API.data, API.wait_ready
WRITERS = 32
WRITES = int(os.environ.get("QCDC_FAULT_WRITES", "25"))
LIMIT_SECONDS = 60
CREATE = "mutation($i: CreatePlanInput!) { createPlan(input: $i) { plan { id title } } }"


def on_alarm(signum, frame):
    raise SystemExit(f"not finished within {LIMIT_SECONDS} s")


def main():
    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(LIMIT_SECONDS)
    workdir = tempfile.mkdtemp()
    env = dict(os.environ, QCDC_DATABASE_URL=f"sqlite://{workdir}/q.db?mode=rwc",
               QCDC_LISTEN=f"127.0.0.1:{PORT}", RUST_LOG="warn")
    env.pop("QCDC_ENV", None)  # the demo accounts are created outside production only
    log_path = os.path.join(workdir, "server.log")
    log = open(log_path, "w")
    server = subprocess.Popen([BIN, "serve"], env=env, stdout=log, stderr=log)
    failures = []
    try:
        if not wait_ready(45):
            raise SystemExit("qcdc did not become ready")
        token = data({"query": 'mutation { login(username: "steering", password: "qcdc-demo") { accessToken } }'},
                     None)["login"]["accessToken"]
        units = data({"query": '{ unit: units(first: 1, filter: { search: "ST.BCD" }) { edges { node { id code } } } }'}, token)
        issuer = next(e["node"]["id"] for e in units["unit"]["edges"] if e["node"]["code"] == "ST.BCD")
        count_query = {"query": "{ plans(first: 1) { totalCount } }"}
        before = data(count_query, token)["plans"]["totalCount"]

        acknowledged, refusals, locked, transport, latencies = [], {}, [], [], []
        lock = threading.Lock()
        barrier = threading.Barrier(WRITERS)

        def writer(n):
            barrier.wait()
            for i in range(WRITES):
                title = f"Ghi song song {n}-{i}"
                query = {"query": CREATE, "variables": {"i": {
                    "title": title, "issuingUnitId": issuer,
                    "periodStart": "2026-01-01", "periodEnd": "2026-12-31"}}}
                started = time.monotonic()
                try:
                    status, text = post(query, token)
                except Exception as e:  # no HTTP answer at all
                    with lock:
                        transport.append(repr(e))
                    continue
                elapsed = time.monotonic() - started
                lowered = text.lower()
                try:
                    body = json.loads(text)
                except ValueError:
                    body = {}
                with lock:
                    if "locked" in lowered or "busy" in lowered:
                        locked.append(text[:300])
                    plan = (body.get("data") or {}).get("createPlan")
                    if status == 200 and plan and not body.get("errors") and plan["plan"]["title"] == title:
                        acknowledged.append(plan["plan"]["id"])
                        latencies.append(elapsed)
                    else:
                        code = ((body.get("errors") or [{}])[0].get("extensions") or {}).get(
                            "code", f"HTTP {status} without code")
                        refusals[code] = refusals.get(code, 0) + 1

        threads = [threading.Thread(target=writer, args=(n,), daemon=True) for n in range(WRITERS)]
        started = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.monotonic() - started

        lost = []
        for chunk in range(0, len(acknowledged), 100):
            ids = acknowledged[chunk:chunk + 100]
            query = "query(" + ", ".join(f"$p{k}: ID!" for k in range(len(ids))) + ") { " + \
                " ".join(f"p{k}: plan(id: $p{k}) {{ id }}" for k in range(len(ids))) + " }"
            found = data({"query": query, "variables": {f"p{k}": v for k, v in enumerate(ids)}}, token)
            lost += [v for k, v in enumerate(ids) if not found.get(f"p{k}")]
        after = data(count_query, token)["plans"]["totalCount"]
        expected = WRITERS * WRITES

        print(f"faults: {len(acknowledged)} of {expected} writes acknowledged in {wall:.2f} s "
              f"({len(acknowledged) / wall:.1f} writes/s), p50 {1000 * percentile(latencies, 50):.1f} ms, "
              f"p99 {1000 * percentile(latencies, 99):.1f} ms, max {1000 * max(latencies or [0]):.1f} ms")
        print(f"faults: refusals by code {refusals}; lock/busy messages {len(locked)}; transport errors "
              f"{len(transport)}; plans {before} -> {after} (+{after - before}); lost after the fact {len(lost)}")
        if locked:
            failures.append(f"'locked'/'busy' reached a client {len(locked)} times: {locked[:2]}")
        if refusals:
            failures.append(f"writes refused: {refusals}")
        if transport:
            failures.append(f"writes without an HTTP answer: {transport[:3]}")
        if len(acknowledged) != expected:
            failures.append(f"{len(acknowledged)} writes acknowledged, expected {expected}")
        if lost:
            failures.append(f"acknowledged plans missing when read back: {lost[:5]}")
        if after - before != expected:
            failures.append(f"plan count grew by {after - before}, expected {expected}")
    except SystemExit as e:  # setup failed or the time limit struck: still show the server log
        failures.append(str(e))
    finally:
        signal.alarm(0)
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            failures.append("qcdc did not stop within 30 s of SIGTERM")
        log.close()
    if failures:
        print("faults: FAILED\n  " + "\n  ".join(failures))
        print(open(log_path).read()[-3000:])
        sys.exit(1)
    shutil.rmtree(workdir, ignore_errors=True)
    print(f"faults: {WRITERS} concurrent SQLite writers × {WRITES}: every write acknowledged, none locked, all read back")


if __name__ == "__main__":
    main()
