"""Every authenticated request is verified; each failure has its own code (over a real server)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from central.app import create_app
from central.receiver import Receiver
from tests.central.support import Api, FakeStation, TestClient

DATE = "%Y-%m-%dT%H:%M:%SZ"


def _error(r: httpx.Response) -> tuple[int, str]:
    return r.status_code, r.json()["error"]


def test_health_needs_no_signature(live_api: Api) -> None:
    r = live_api.http.get("/v1/health")
    assert r.status_code == 200 and r.json()["ok"] is True and r.json()["time"].endswith("Z")


def test_unknown_station(live_api: Api, station: FakeStation) -> None:
    p = station.packet(1)
    r = live_api.send("POST", "/v1/stations/999999-99/reconcile", b'{"records":[]}', as_code="999999-99")
    assert _error(r) == (401, "auth.unknown_station")
    assert "999999-99" in r.json()["detail"]
    assert live_api.register(p).status_code == 201


def test_bad_signature(live_api: Api, station: FakeStation) -> None:
    r = live_api.send(
        "POST", f"/v1/stations/{station.code}/reconcile", b'{"records":[]}', key=Ed25519PrivateKey.generate()
    )
    assert _error(r) == (401, "auth.bad_signature")


def test_body_hash(live_api: Api, station: FakeStation) -> None:
    path = f"/v1/stations/{station.code}/reconcile"
    from wire.auth import sign_headers

    headers = sign_headers("POST", path, b'{"records":[]}', station=station.code, key=station.key)
    r = live_api.http.post(path, content=b'{"records":[1]}', headers=headers)
    assert _error(r) == (401, "auth.body_hash")


def test_missing_headers(live_api: Api, station: FakeStation) -> None:
    r = live_api.http.post(f"/v1/stations/{station.code}/reconcile", content=b'{"records":[]}')
    assert _error(r) == (401, "auth.missing_headers")


def test_clock_skew_sends_the_server_date(live_api: Api, station: FakeStation) -> None:
    late = datetime.now(UTC) - timedelta(minutes=10)
    r = live_api.send("POST", f"/v1/stations/{station.code}/reconcile", b'{"records":[]}', now=late)
    assert _error(r) == (401, "auth.clock_skew")
    server = datetime.strptime(r.headers["X-Server-Date"], DATE).replace(tzinfo=UTC)
    assert abs((server - datetime.now(UTC)).total_seconds()) < 60


def test_a_station_cannot_act_for_another(live_api: Api, station: FakeStation) -> None:
    p = station.packet(1)
    live_api.register(p)
    path = f"/v1/uploads/329104-77/{p.record_uuid}/commit"
    r = live_api.send("POST", path)
    assert _error(r) == (403, "auth.wrong_station")
    put = live_api.send("PUT", f"/v1/stations/329104-77/records/{p.record_uuid}", b"{}")
    assert _error(put) == (403, "auth.wrong_station")


def test_head_errors_carry_their_code_in_a_header(live_api: Api, station: FakeStation) -> None:
    p = station.packet(1)
    r = live_api.send("HEAD", f"/v1/uploads/{station.code}/{p.record_uuid}", key=Ed25519PrivateKey.generate())
    assert r.status_code == 401 and r.headers["X-Error"] == "auth.bad_signature"


def test_unknown_paths_and_methods_answer_json(live_api: Api) -> None:
    missing = live_api.http.get("/v1/nothing")
    assert _error(missing) == (404, "request.not_found")
    wrong = live_api.http.get("/v1/stations/x/reconcile")
    assert _error(wrong) == (405, "request.method_not_allowed")


def test_an_internal_error_is_still_a_json_answer(
    receiver: Receiver, station: FakeStation, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(receiver, "reconcile", broken)
    with TestClient(create_app(receiver.settings, receiver=receiver), raise_server_exceptions=False) as http:
        r = Api(http, station).send("POST", f"/v1/stations/{station.code}/reconcile", b'{"records":[]}')
    assert _error(r) == (500, "server.error")
