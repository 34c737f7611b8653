#!/usr/bin/env python3
"""PostgreSQL restarted under write load: qcdc must answer clearly while the database is down,
recover without being restarted, and lose no write it acknowledged.

Usage: tests/faults/postgres_restart.py [qcdc binary]   (default target/debug/qcdc)

Loopback only, bounded in time (about a minute). Needs a local PostgreSQL cluster that
`pg_ctlcluster` can restart, reachable as postgres@127.0.0.1:5432 with trust auth.
"""

import os
import subprocess
import sys
import tempfile
import threading
import time

from common import Api, psql

BIN = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.environ.get("CARGO_TARGET_DIR", "target"), "debug", "qcdc")
PORT = int(os.environ.get("QCDC_FAULT_PORT", "18282"))
API = Api(PORT)
post, wait_ready = API.post, API.wait_ready
DB = f"qcdc_fault_{int(time.time())}"
WRITERS = 4
LOAD_SECONDS = 25
RESTART_AT = 6


def restart_postgres():
    version = sorted(os.listdir("/etc/postgresql"), key=lambda v: [int(p) for p in v.split(".")])[-1]
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart",
                    "--", "-m", "fast"], check=True)


def main():
    psql(f'CREATE DATABASE "{DB}"')
    workdir = tempfile.mkdtemp()
    env = dict(os.environ, QCDC_DATABASE_URL=f"postgres://postgres@127.0.0.1:5432/{DB}",
               QCDC_LISTEN=f"127.0.0.1:{PORT}", RUST_LOG="warn")
    log = open(os.path.join(workdir, "server.log"), "w")
    server = subprocess.Popen([BIN, "serve"], env=env, stdout=log, stderr=log)
    failures = []
    try:
        if not wait_ready(120):
            raise SystemExit("qcdc did not become ready")
        status, body = post({"query": 'mutation { login(username: "steering", password: "qcdc-demo") { accessToken } }'})
        token = body["data"]["login"]["accessToken"]
        status, body = post({"query": '{ unit: units(first: 1, filter: { search: "ST.BCD" }) { edges { node { id code } } } }'}, token)
        issuer = next(e["node"]["id"] for e in body["data"]["unit"]["edges"] if e["node"]["code"] == "ST.BCD")

        acknowledged, refusals, transport = [], {}, []
        lock = threading.Lock()
        stop = time.time() + LOAD_SECONDS

        def writer(n):
            i = 0
            while time.time() < stop:
                i += 1
                title = f"Kế hoạch kiểm thử sự cố {n}-{i}"
                query = {"query": "mutation($i: CreatePlanInput!) { createPlan(input: $i) { plan { id title } } }",
                         "variables": {"i": {"title": title, "issuingUnitId": issuer,
                                             "periodStart": "2026-01-01", "periodEnd": "2026-12-31"}}}
                try:
                    status, body = post(query, token)
                except Exception as e:  # a dropped connection is a failure of clarity
                    with lock:
                        transport.append(repr(e))
                    time.sleep(0.1)
                    continue
                with lock:
                    plan = (body.get("data") or {}).get("createPlan")
                    if plan:
                        acknowledged.append(plan["plan"]["id"])
                    else:
                        code = ((body.get("errors") or [{}])[0].get("extensions") or {}).get("code", f"HTTP {status} without code")
                        refusals[code] = refusals.get(code, 0) + 1
                time.sleep(0.02)

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(WRITERS)]
        for t in threads:
            t.start()
        time.sleep(RESTART_AT)
        down_at = time.time()
        restart_postgres()
        print(f"faults: PostgreSQL restarted in {time.time() - down_at:.1f} s")
        for t in threads:
            t.join()

        if not wait_ready(30):
            failures.append("qcdc did not report ready again after the restart")
        after = {"query": "mutation($i: CreatePlanInput!) { createPlan(input: $i) { plan { id } } }",
                 "variables": {"i": {"title": "Sau sự cố", "issuingUnitId": issuer,
                                     "periodStart": "2026-01-01", "periodEnd": "2026-12-31"}}}
        status, body = post(after, token)
        if not (body.get("data") or {}).get("createPlan"):
            failures.append(f"a write after recovery failed: {body}")
        lost = []
        for plan_id in acknowledged:
            status, body = post({"query": "query($id: ID!) { plan(id: $id) { id } }", "variables": {"id": plan_id}}, token)
            if not (body.get("data") or {}).get("plan"):
                lost.append(plan_id)
        # While the database is down the API says so, with the code clients retry on.
        bad_codes = {c: n for c, n in refusals.items() if c != "SERVICE_UNAVAILABLE"}
        print(f"faults: {len(acknowledged)} writes acknowledged, {len(lost)} of them lost; "
              f"refusals by code {refusals}; transport errors {len(transport)}")
        if lost:
            failures.append(f"acknowledged writes lost: {lost[:5]}")
        if bad_codes:
            failures.append(f"unexpected refusals while the database was down: {bad_codes}")
        if transport:
            failures.append(f"requests without an HTTP answer: {transport[:3]}")
        if not acknowledged:
            failures.append("no write was acknowledged at all")
    finally:
        server.terminate()
        server.wait(timeout=30)
        psql(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
    if failures:
        print("faults: FAILED\n  " + "\n  ".join(failures))
        print(open(os.path.join(workdir, "server.log")).read()[-3000:])
        sys.exit(1)
    print("faults: PostgreSQL restart survived: clear errors while down, recovery without a qcdc restart, no acknowledged write lost")


if __name__ == "__main__":
    main()
