"""What the fault scripts share: talking to one qcdc over loopback, and a few small tools."""

import json
import subprocess
import time
import urllib.error
import urllib.request


class Api:
    """One qcdc instance at http://127.0.0.1:<port>."""

    def __init__(self, port):
        self.url = f"http://127.0.0.1:{port}"

    def post_text(self, body, token=None, timeout=30):
        """POSTs a GraphQL body; (HTTP status, response text), refusals included."""
        req = urllib.request.Request(f"{self.url}/graphql", data=json.dumps(body).encode(),
                                     headers={"content-type": "application/json"})
        if token:
            req.add_header("authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(req, timeout=timeout) as res:
                return res.status, res.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, (e.read() or b"").decode()

    def post(self, body, token=None, timeout=30):
        """(HTTP status, parsed JSON body)."""
        status, text = self.post_text(body, token, timeout)
        return status, json.loads(text or "{}")

    def data(self, body, token=None):
        """The `data` of a request that must succeed: the script stops if it does not."""
        status, parsed = self.post(body, token)
        if status != 200 or parsed.get("errors"):
            raise SystemExit(f"setup request failed: HTTP {status} {str(parsed)[:500]}")
        return parsed["data"]

    def wait_ready(self, seconds):
        """Whether /readyz answered 200 within `seconds`."""
        deadline = time.time() + seconds
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/readyz", timeout=2) as res:
                    if res.status == 200:
                        return True
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.2)
        return False


def psql(sql, db="postgres"):
    subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", db, "-tAc", sql],
                   check=True, capture_output=True)


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))] if ordered else float("nan")
