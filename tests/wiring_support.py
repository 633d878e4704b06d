"""Shared by the cloud / wire tests: the shipped API definitions and small certificates.

The Elastic Cloud and Elasticsearch API definitions the tests validate against live in
tests/data/reference (its README says where each comes from).
"""

from __future__ import annotations

import datetime as dt
import json
from functools import cache
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

TESTS = Path(__file__).resolve().parent
REFERENCE_COPY = TESTS / "data" / "reference"


@cache
def cloud_definitions() -> dict[str, Any]:
    return json.loads((REFERENCE_COPY / "cloud-trust-definitions.json").read_text())


def cloud_validator(definition: str):
    """A jsonschema validator for ``#/definitions/<definition>`` of the Cloud API (Swagger 2.0 = draft 4)."""
    import jsonschema

    schema = {"$ref": f"#/definitions/{definition}", "definitions": cloud_definitions()["definitions"]}
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema)


def assert_valid(document: Any, definition: str) -> None:
    errors = sorted(cloud_validator(definition).iter_errors(document), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors]


def rest_spec(name: str) -> dict[str, Any]:
    return json.loads((REFERENCE_COPY / f"{name}.json").read_text())[name]


NOW = dt.datetime.now(dt.UTC)


def make_ca(common_name: str = "Test CA", *, ca: bool = True, days: int = 30,
            not_after: dt.datetime | None = None, extra_subject: list[x509.NameAttribute] | None = None):
    """A self-signed EC certificate (CA:TRUE by default); returns (certificate, key)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name), *(extra_subject or [])])
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - dt.timedelta(days=1))
        .not_valid_after(not_after or NOW + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                          data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                          encipher_only=False, decipher_only=False),
            critical=True,
        )
    return builder.sign(key, hashes.SHA256()), key


def make_leaf(issuer_cert, issuer_key, subject: x509.Name, *, dns: tuple[str, ...] = ()):
    """A leaf certificate signed by ``issuer`` with an arbitrary subject; returns (certificate, key)."""
    key = ec.generate_private_key(ec.SECP256R1())
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - dt.timedelta(days=1))
        .not_valid_after(NOW + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=False)
    )
    if dns:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(d) for d in dns]), critical=False)
    return builder.sign(issuer_key, hashes.SHA256()), key


def pem(certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


def der(certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.DER)


def key_pem(key) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


# --------------------------------------------------------------------------- golden files

GOLDEN = TESTS / "golden" / "wire"
REGENERATE_VARIABLE = "CERTKIT_REGENERATE_GOLDEN"


def assert_golden(name: str, text: str) -> None:
    """``text`` must equal tests/golden/wire/<name> byte for byte.

    Regenerating is a deliberate act: ``CERTKIT_REGENERATE_GOLDEN=1 pytest
    tests/test_wire_golden.py -n 0`` rewrites the files, and the diff is reviewed before it
    is committed. Under CI the variable is refused, so a run can never bless its own output.
    """
    import os

    path = GOLDEN / name
    if os.environ.get(REGENERATE_VARIABLE) == "1":
        if os.environ.get("CI"):
            raise AssertionError(f"{REGENERATE_VARIABLE} is not allowed under CI")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    assert path.is_file(), f"no golden file {path}; create it with {REGENERATE_VARIABLE}=1 and review it"
    expected = path.read_text(encoding="utf-8")
    assert text == expected, f"output differs from {path.relative_to(TESTS.parent)}"
