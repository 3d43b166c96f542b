"""The SBI simulator's signing identity: a key that is published and labelled SIMULATOR ONLY.

MOSIP's own mock device ships test keys the same way. The key and its self-signed
certificate live in ``data/simulator_identity.json`` so that a simulator started by
``station sim sbi`` in one process and a station in another agree on it. Nothing
trusts this certificate unless told to: the simulated drivers put it in their trust
store, and a technician may add it on a demo station (option ``trust_simulator``).
A real station's trust store must never hold it; `is_simulator_certificate` lets the
self-test and the UI say so when it does.

Regenerate (only if the label or the validity must change) with
``python -m devices.sbi.simkey > devices/sbi/data/simulator_identity.json``.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

log = logging.getLogger(__name__)

LABEL = "SIMULATOR ONLY - SBI simulator - not a certified device"
IDENTITY_FILE = Path(__file__).with_name("data") / "simulator_identity.json"


@dataclass(frozen=True)
class SimulatorIdentity:
    key: rsa.RSAPrivateKey
    cert: x509.Certificate

    @property
    def cert_pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)


@lru_cache(maxsize=1)
def simulator_identity() -> SimulatorIdentity:
    data = json.loads(IDENTITY_FILE.read_text(encoding="utf-8"))
    key = serialization.load_pem_private_key(data["key_pem"].encode(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey):  # pragma: no cover - the file is ours
        raise ValueError("simulator identity is not an RSA key")
    return SimulatorIdentity(key, x509.load_pem_x509_certificate(data["cert_pem"].encode()))


def is_simulator_certificate(cert: x509.Certificate) -> bool:
    return cert.fingerprint(hashes.SHA256()) == simulator_identity().cert.fingerprint(hashes.SHA256())


def _generate() -> dict[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, LABEL),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "SIMULATOR ONLY"),
        ]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
        .not_valid_after(dt.datetime(2045, 1, 1, tzinfo=dt.UTC))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return {
        "label": LABEL,
        "key_pem": key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode(),
        "cert_pem": cert.public_bytes(serialization.Encoding.PEM).decode(),
    }


if __name__ == "__main__":  # pragma: no cover - a maintainer's tool
    import sys

    sys.stdout.write(json.dumps(_generate(), indent=2) + "\n")
