#!/usr/bin/env python3
"""Benchmarks qcdc over HTTP with wrk and writes BENCHMARKS.md.

One command: `python3 bench/run.py` (needs wrk from Debian's packages and a local PostgreSQL at
postgres@127.0.0.1:5432). It builds the release binary, loads the synthetic province
(`qcdc seed --synthetic province --seed 1`) into a scratch database, starts the server, and runs
each operation at concurrency 1, 8 and 32 for QCDC_BENCH_SECONDS (default 10) seconds:

  Q1  dashboard rollup: planProgress of the province
  Q2  task list with unit, assignments and legal references, pages of 5, 20 and 50
  Q3  task detail
  Q6  search (tasks whose text matches a Vietnamese phrase)

Figures: requests per second, p50 and p99 latency (wrk), SQL statements per request and CPU time
per request (from /metrics and /proc), peak RSS (VmHWM), and GraphQL failures counted from the
response bodies (an HTTP 200 with errors counts). Q4/Q5 (writes), the PostGraphile peer and the
pgbench floor of issue 7 are not measured yet; the table says so rather than leave them out.
"""

import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
BIN = os.path.join(TARGET, "release", "qcdc")
PORT = int(os.environ.get("QCDC_BENCH_PORT", "18383"))
URL = f"http://127.0.0.1:{PORT}"
DB = "qcdc_bench"
PG = "postgres://postgres@127.0.0.1:5432"
SECONDS = int(os.environ.get("QCDC_BENCH_SECONDS", "10"))
CONCURRENCY = [1, 8, 32]
CLK_TCK = os.sysconf("SC_CLK_TCK")


def sh(*args, **kw):
    return subprocess.run(args, check=True, capture_output=True, text=True, **kw).stdout


def post(query, variables=None, token=None):
    req = urllib.request.Request(f"{URL}/graphql",
                                 data=json.dumps({"query": query, "variables": variables or {}}).encode(),
                                 headers={"content-type": "application/json"})
    if token:
        req.add_header("authorization", f"Bearer {token}")
    with urllib.request.urlopen(req, timeout=30) as res:
        return json.loads(res.read())


def metric(name):
    with urllib.request.urlopen(f"{URL}/metrics", timeout=10) as res:
        text = res.read().decode()
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name) and not line.startswith("#"):
            total += float(line.rsplit(" ", 1)[1])
    return total


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def peak_rss_mib(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def main():
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "qcdc"], cwd=ROOT, check=True)
    sh("psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-c", f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
    sh("psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-c", f'CREATE DATABASE "{DB}"')
    env = dict(os.environ, QCDC_DATABASE_URL=f"{PG}/{DB}", RUST_LOG="warn")
    seeded = sh(BIN, "seed", "--synthetic", "province", "--seed", "1", env=env)
    sh(BIN, "user", "create", "--username", "bench", "--role", "steering", "--scope", "SYN",
       env=dict(env, QCDC_PASSWORD="bench-password-long"))
    work = tempfile.mkdtemp()
    server = subprocess.Popen([BIN, "serve"], env=dict(env, QCDC_LISTEN=f"127.0.0.1:{PORT}"),
                              stdout=open(os.path.join(work, "server.log"), "w"), stderr=subprocess.STDOUT)
    rows = []
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"{URL}/readyz", timeout=1)
                break
            except Exception:
                time.sleep(0.1)
        token = post('mutation { login(username: "bench", password: "bench-password-long") { accessToken } }')["data"]["login"]["accessToken"]
        ids = post('{ units(first: 5, filter: { search: "Tỉnh Thử Nghiệm" }) { edges { node { id code } } } '
                   ' plans(first: 5) { edges { node { id number issuingUnit { code } } } } }', token=token)["data"]
        root = next(e["node"]["id"] for e in ids["units"]["edges"] if e["node"]["code"] == "SYN")
        plan = next(e["node"]["id"] for e in ids["plans"]["edges"] if e["node"]["issuingUnit"]["code"] == "SYN.BCD")
        task = post('query($p: ID!) { plan(id: $p) { tasks(first: 1) { edges { node { id } } } } }', {"p": plan}, token)["data"]["plan"]["tasks"]["edges"][0]["node"]["id"]
        q2 = ("query Q2($p: ID!, $n: Int!) { tasks(first: $n, filter: { plan: $p }) { edges { node { id code title status "
              "plan { number issuingUnit { name } } assignments { role status unit { code name } } "
              "legalReferences { provision document { number title } } } } } }")
        operations = [
            ("Q1 dashboard rollup", "query Q1($p: ID!, $u: ID!) { planProgress(planId: $p, unitId: $u) { tasks { total done inProgress overdue } byContentArea { contentArea total done } } }", {"p": plan, "u": root}),
            ("Q2 task list, page 5", q2, {"p": plan, "n": 5}),
            ("Q2 task list, page 20", q2, {"p": plan, "n": 20}),
            ("Q2 task list, page 50", q2, {"p": plan, "n": 50}),
            ("Q3 task detail", "query Q3($t: ID!) { task(id: $t) { id code title description status progress dueOn plan { number title } assignments { role status progress unit { code name } updates { note } } legalReferences { provision document { number title status } } } }", {"t": task}),
            ("Q6 search", 'query Q6 { tasks(first: 20, filter: { search: "đối thoại giám sát" }) { edges { node { code title } } } }', {}),
        ]
        for name, query, variables in operations:
            check = post(query, variables, token)
            if check.get("errors"):
                raise SystemExit(f"{name} fails: {check['errors']}")
            body = os.path.join(work, "body.json")
            json.dump({"query": query, "variables": variables}, open(body, "w"))
            for c in CONCURRENCY:
                stmts, ops, cpu = metric("qcdc_db_statements_total"), metric("qcdc_graphql_operations_total"), cpu_seconds(server.pid)
                out = sh("wrk", f"-t{min(c, 2)}", f"-c{c}", f"-d{SECONDS}s", "--timeout", "10s",
                         "-s", os.path.join(ROOT, "bench", "graphql.lua"), f"{URL}/graphql",
                         env=dict(os.environ, QCDC_BENCH_BODY=body, QCDC_BENCH_TOKEN=token))
                stmts = metric("qcdc_db_statements_total") - stmts
                ops = metric("qcdc_graphql_operations_total") - ops
                cpu = cpu_seconds(server.pid) - cpu
                get = lambda key: float(re.search(rf"^{key} ([0-9.]+)$", out, re.M).group(1))
                requests = get("requests")
                rows.append({
                    "operation": name, "c": c, "rps": requests / get("seconds"),
                    "p50": get("p50_ms"), "p99": get("p99_ms"),
                    "stmts": stmts / max(ops, 1), "cpu_ms": 1000 * cpu / max(requests, 1),
                    "failures": int(get("graphql_failures")),
                })
                print(f"{name:24} c={c:<3} {rows[-1]['rps']:9.1f} req/s  p50 {rows[-1]['p50']:7.2f} ms  "
                      f"p99 {rows[-1]['p99']:7.2f} ms  {rows[-1]['stmts']:5.1f} stmt/req  "
                      f"{rows[-1]['cpu_ms']:6.2f} ms CPU/req  failures {rows[-1]['failures']}", flush=True)
        rss = peak_rss_mib(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)
        sh("psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-c", f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
    write_report(rows, rss, seeded)


def write_report(rows, rss, seeded):
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "unknown")
    mem = next((int(l.split()[1]) // 1024 // 1024 for l in open("/proc/meminfo") if l.startswith("MemTotal")), 0)
    commit = sh("git", "rev-parse", "--short", "HEAD", cwd=ROOT).strip()
    dirty = [l for l in sh("git", "status", "--porcelain", cwd=ROOT).splitlines() if not l.endswith("BENCHMARKS.md")]
    if dirty:
        commit += " plus uncommitted changes"
    pg = sh("psql", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-tAc", "SHOW server_version").strip()
    lines = [
        "# Benchmarks",
        "",
        "Generated by `python3 bench/run.py` (do not edit by hand). "
        f"Commit `{commit}`; {os.cpu_count()} cores ({cpu}), {mem} GiB RAM, {platform.system()} {platform.release()}; "
        f"PostgreSQL {pg} on the same machine; wrk {SECONDS} s per cell; release build.",
        "",
        "Data: `qcdc seed --synthetic province --seed 1` — " + seeded.strip().splitlines()[1].strip() + ".",
        "",
        "| operation | concurrency | req/s | p50 ms | p99 ms | p99 ÷ p50 | SQL statements/req | CPU ms/req | GraphQL failures |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(f"| {r['operation']} | {r['c']} | {r['rps']:.1f} | {r['p50']:.2f} | {r['p99']:.2f} | "
                     f"{r['p99'] / r['p50'] if r['p50'] else float('nan'):.1f} | {r['stmts']:.1f} | {r['cpu_ms']:.2f} | {r['failures']} |")
    lines += [
        "",
        f"Peak RSS of the server over the whole run: {rss:.1f} MiB.",
        "",
        "Not measured yet (issue 7): Q4 report submission and Q5 approval under load, the PostGraphile",
        "peer and the pgbench floor (so no ratios), national scale, concurrency 64, the 10-minute soak.",
        "",
    ]
    open(os.path.join(ROOT, "BENCHMARKS.md"), "w").write("\n".join(lines))
    print("wrote BENCHMARKS.md")


if __name__ == "__main__":
    main()
