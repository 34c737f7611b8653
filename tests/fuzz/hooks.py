"""Schemathesis hooks for qcdc: what counts as a server error here.

Refusals (FORBIDDEN, BAD_USER_INPUT, NOT_FOUND, CONFLICT…) are the API's contract and arrive as
GraphQL errors with a code, so schemathesis' own `not_a_server_error` (which fails on any
resolver error) is replaced by this check: an HTTP 5xx, a body that is not a GraphQL response, or
an error without a code or coded INTERNAL.
"""

from datetime import timezone

import schemathesis
from hypothesis import strategies as st
from schemathesis.graphql import nodes

# The API's custom scalars: ISO dates (`NaiveDate`) and RFC 3339 instants (`DateTime`), plus
# the odd malformed one so the server's own parsing of them is fuzzed too.
schemathesis.graphql.scalar(
    "NaiveDate",
    st.one_of(
        st.dates().map(lambda d: nodes.String(d.isoformat())),
        st.text(max_size=12).map(nodes.String),
    ),
)
schemathesis.graphql.scalar(
    "DateTime",
    st.one_of(
        st.datetimes(timezones=st.just(timezone.utc)).map(
            lambda t: nodes.String(t.isoformat())
        ),
        st.text(max_size=25).map(nodes.String),
    ),
)


@schemathesis.check
def no_server_error(ctx, response, case):
    if response.status_code >= 500:
        raise AssertionError(f"HTTP {response.status_code}: {response.text[:300]}")
    try:
        body = response.json()
    except ValueError:
        raise AssertionError(f"not JSON (HTTP {response.status_code}): {response.text[:300]}")
    if not isinstance(body, dict) or not ("data" in body or "errors" in body):
        raise AssertionError(f"not a GraphQL response: {response.text[:300]}")
    for error in body.get("errors") or []:
        code = (error.get("extensions") or {}).get("code")
        if code is None or code == "INTERNAL":
            raise AssertionError(f"server error {code!r}: {error.get('message')}")
