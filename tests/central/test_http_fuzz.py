"""Hypothesis against every centre endpoint: whatever arrives, the answer is never a 500 and
every refusal is JSON with an error code (HEAD: the code in X-Error).

Half the requests are signed properly by a registered station, so the fuzzing gets past
authentication into each handler's own parsing: bodies of every shape (deep and wide
JSON, wrong types, bad UTF-8), record ids in every spelling, signed headers with hostile
values (huge numbers, bad base64, unicode), declared lengths that lie."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from hypothesis import HealthCheck, event, given, reject, settings
from hypothesis import strategies as st

from central.app import create_app
from central.receiver import Receiver
from tests.central.support import OFFSET_TYPE, FakeStation, TestClient
from wire.auth import sign_headers

ENDPOINTS = [
    ("PUT", "/v1/stations/{code}/records/{record}"),
    ("POST", "/v1/stations/{code}/reconcile"),
    ("POST", "/v1/stations/{code}/register"),
    ("HEAD", "/v1/uploads/{code}/{record}"),
    ("PATCH", "/v1/uploads/{code}/{record}"),
    ("POST", "/v1/uploads/{code}/{record}/commit"),
    ("GET", "/v1/health"),
]
FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
    derandomize=True,
)

KNOWN_UUID = "0b6f2c1e-8d0a-4f5e-9c61-3a2b1d4e5f60"
record_ids = st.one_of(
    st.just(KNOWN_UUID),
    st.just(KNOWN_UUID.upper()),
    st.just(KNOWN_UUID),
    st.uuids().map(str),
    st.sampled_from(["", "not-a-uuid", "..", "0b6f2c1e-8d0a-4f5e-9c61-3a2b1d4e5f6g", "%00", "x" * 300]),
    st.text(max_size=40),
)
numbers = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70), st.sampled_from([0, 1, 2**62, 2**63, -1]), st.booleans()
)
json_scalars = st.one_of(st.none(), st.booleans(), numbers, st.floats(allow_nan=False), st.text(max_size=30))
entry = st.fixed_dictionaries(
    {},
    optional={
        "uuid": st.one_of(record_ids, json_scalars),
        "station_seq": st.one_of(numbers, json_scalars),
        "sha256": st.one_of(st.just("a" * 64), st.text(max_size=70), json_scalars),
        "size": st.one_of(numbers, json_scalars),
    },
)
json_values = st.recursive(json_scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=20)  # fmt: skip
json_bodies = st.one_of(
    entry.map(lambda e: json.dumps(e).encode()),
    st.lists(entry, max_size=8).map(lambda rs: json.dumps({"records": rs}).encode()),
    json_values.map(lambda v: json.dumps(v).encode()),
    st.integers(min_value=33, max_value=100_000).map(lambda n: b'{"records":' + b"[" * n + b"]" * n + b"}"),
    st.integers(min_value=1, max_value=100_000).map(lambda n: b"{" * n),
    st.sampled_from([b"", b"{", b"\xff\xfe\x00", b'{"records": "x"}', b'{"records": [' + b"{}," * 600 + b"{}]}"]),
)
bodies = st.one_of(json_bodies, st.binary(max_size=2048))
header_values = st.one_of(
    st.sampled_from(["0", "1", "?1", "?0", "1.0.0", OFFSET_TYPE, "sha256 !!!", "sha256 " + "A" * 44, "md5 x"]),
    st.sampled_from([str(2**64), "-1", " 7 ", KNOWN_UUID.upper(), "x" * 250]),
    st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=30),
    st.text(max_size=30),
)
header_names = st.sampled_from(
    [
        "Content-Type",
        "Tus-Resumable",
        "Upload-Offset",
        "Upload-Length",
        "Upload-Checksum",
        "Upload-Commit",
        "Upload-Commit-After",
    ]
)
rare_headers = st.dictionaries(st.sampled_from(["Content-Length", "X-Nonce", "X-Date"]), header_values, max_size=1)
STATION = "329104-01"
BASE_HEADERS = {"PATCH": {"Content-Type": OFFSET_TYPE, "Upload-Offset": "0", "Tus-Resumable": "1.0.0"}}
# Mostly the station that signs, the right method and a signature: so most examples get past
# the door into the handler; the rest try the door itself.
requests = st.fixed_dictionaries(
    {
        "code": st.sampled_from([STATION] * 24 + ["329104-02", "", "x" * 80, "стан", "a b", "..", "%2F"]),
        "record": record_ids,
        "headers": st.dictionaries(header_names, header_values, max_size=5),
        "rare": st.one_of(st.just({}), st.just({}), st.just({}), rare_headers),
        "body": bodies,
        "sign": st.sampled_from([True, True, True, False]),
        "method": st.sampled_from([None] * 24 + ["GET", "PUT", "POST", "PATCH", "HEAD", "DELETE", "OPTIONS"]),
    }
)


@pytest.fixture
def client(receiver: Receiver, station: FakeStation) -> Iterator[TestClient]:
    """The app, with one record registered so fuzzed PATCH/HEAD/commit reach the receiver's checks."""
    with TestClient(create_app(receiver.settings, receiver=receiver), raise_server_exceptions=False) as http:
        body = json.dumps({"station_seq": 1, "sha256": "a" * 64, "size": 100}).encode()
        path = f"/v1/stations/{station.code}/records/{KNOWN_UUID}"
        signed = sign_headers("PUT", path, body, station=station.code, key=station.key)
        assert http.put(path, content=body, headers=signed).status_code == 201
        yield http


def _encode(value: str) -> bytes:
    return value.encode("utf-8", "surrogatepass")


def _send(http: TestClient, station: FakeStation, method: str, template: str, case: dict[str, Any]) -> httpx.Response:
    path = template.format(code=case["code"], record=case["record"])  # as the server will see it
    url = template.format(code=quote(case["code"], safe=""), record=quote(case["record"], safe=""))
    headers: dict[str, str] = {**BASE_HEADERS.get(method, {}), **case["headers"]}
    if case["sign"]:
        signed = sign_headers(method, path, case["body"], station=station.code, key=station.key, headers=headers)
        headers = {**signed, **headers}
    headers.update(case["rare"])
    raw = [(name.encode(), _encode(value)) for name, value in headers.items()]
    try:
        return http.request(method, url, content=case["body"], headers=raw)
    except (httpx.InvalidURL, UnicodeEncodeError, ValueError):
        reject()  # the client cannot send this; it never reached the server
        raise


@pytest.mark.parametrize(("method", "template"), ENDPOINTS, ids=[f"{m} {t}" for m, t in ENDPOINTS])
@FUZZ
@given(case=requests)
def test_no_request_gets_a_500_or_a_bare_answer(
    client: TestClient, station: FakeStation, method: str, template: str, case: dict[str, Any]
) -> None:
    verb = case["method"] or method
    r = _send(client, station, verb, template, case)
    assert r.status_code < 500 or r.status_code == 503, (r.status_code, r.text)
    if r.status_code >= 400:
        code = r.headers.get("X-Error")
        if verb != "HEAD":
            body = r.json()
            assert isinstance(body["error"], str) and isinstance(body["detail"], str)
            code = body["error"]
        assert code and "." in code, r.headers
        event(f"{r.status_code} {code}")
    else:
        event(str(r.status_code))
