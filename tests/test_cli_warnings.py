"""Warnings a user can act on (issue 16): cryptography's warnings name the file, a PEM
bundle's key files are told once in the summary, readable PKCS#12 and chain wording."""

from __future__ import annotations

import base64
import datetime as dt
import json
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.conftest import run_certkit

REPOSITORY = Path(__file__).resolve().parent.parent
NOW = dt.datetime.now(dt.UTC)


def _negative_serial_der(common_name: str) -> bytes:
    """A self-signed certificate whose serial number is negative (cryptography warns on it)."""
    from pyasn1.codec.der import decoder, encoder
    from pyasn1.type import univ
    from pyasn1_modules import rfc5280

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    good = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(5).not_valid_before(NOW).not_valid_after(NOW + dt.timedelta(days=1))
            .sign(key, hashes.SHA256()))
    certificate, _ = decoder.decode(good.public_bytes(serialization.Encoding.DER), asn1Spec=rfc5280.Certificate())
    certificate["tbsCertificate"]["serialNumber"] = univ.Integer(-5)
    return encoder.encode(certificate)


def _pem(der: bytes) -> bytes:
    return b"-----BEGIN CERTIFICATE-----\n" + base64.encodebytes(der) + b"-----END CERTIFICATE-----\n"


def _warning_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("warning: ")]


def test_cryptography_warnings_name_the_file_once_each(tmp_path):
    (tmp_path / "first.der").write_bytes(_negative_serial_der("first"))
    (tmp_path / "second.pem").write_bytes(_pem(_negative_serial_der("second")))
    result = run_certkit("inspect", tmp_path / "first.der", tmp_path / "second.pem")
    assert result.exit_code == 0, result.stderr
    warnings = _warning_lines(result.stderr)
    assert len(warnings) == 2, result.stderr  # cryptography repeats it on every read of the serial
    assert warnings[0].startswith(f"warning: {tmp_path / 'first.der'}: Parsed a serial number which wasn't positive")
    assert warnings[1].startswith(f"warning: {tmp_path / 'second.pem'}: Parsed a serial number")
    assert "Traceback" not in result.stderr
    assert all(line.startswith("warning: ") for line in result.stderr.splitlines() if line.strip())


def test_a_country_name_that_is_not_two_letters_is_one_warning_naming_the_file(tmp_path):
    """cryptography accepts a countryName of another length and warns (a UserWarning, not
    its deprecation warning); the user gets one line that names the file, not Python's."""
    from pyasn1.codec.der import decoder, encoder
    from pyasn1.type import univ
    from pyasn1_modules import rfc5280

    certificate, _ = decoder.decode(_negative_serial_der("Hostile Test CA"), asn1Spec=rfc5280.Certificate())
    tbs = certificate["tbsCertificate"]
    tbs["serialNumber"] = univ.Integer(7)
    tbs["subject"][0][0][0]["type"] = rfc5280.id_at_countryName  # "Hostile Test CA" as a country
    path = tmp_path / "country.crt"
    path.write_bytes(_pem(encoder.encode(certificate)))
    result = run_certkit("inspect", path)
    assert result.exit_code == 0, result.stderr
    (warning,) = _warning_lines(result.stderr)  # cryptography 48: "Attribute's length must be >= 2 and <= 2, ..."
    assert warning.startswith(f"warning: {path}: ") and "length" in warning, result.stderr
    assert "Traceback" not in result.stderr and "UserWarning" not in result.stderr


def test_an_audit_names_the_file_cryptography_warns_about(tmp_path):
    folder = tmp_path / "certs"
    folder.mkdir()
    (folder / "odd.crt").write_bytes(_pem(_negative_serial_der("odd")))
    trust = tmp_path / "trust.yml"
    trust.write_text('trust.subject_name:\n  - "*.example"\n')
    result = run_certkit("restrictions", "check", trust, folder, "--jobs", "1")
    assert result.exit_code == 1, result.stderr  # judged (and rejected: it has no names)
    serial_warnings = [line for line in _warning_lines(result.stderr) if "serial number" in line]
    assert len(serial_warnings) == 1, result.stderr
    assert serial_warnings[0].startswith(f"warning: {folder / 'odd.crt'}: Parsed a serial number"), result.stderr


@pytest.fixture(scope="module")
def pem_bundle(tmp_path_factory):
    """A certutil-layout PEM bundle folder of three nodes: n/n.crt + n/n.key each, plus ca/ca.crt."""
    folder = tmp_path_factory.mktemp("bundle")
    instances = folder / "instances.yml"
    instances.write_text('instances:\n  - name: "n1"\n    cn: ["n1.example"]\n  - name: "n2"\n    cn: ["n2.example"]\n'
                         '  - name: "n3"\n    cn: ["n3.example"]\n')
    result = run_certkit("cert", "--self-signed", "--key-type", "ec", "--in", instances, "--pem", "--out",
                         folder / "bundle")
    assert result.exit_code == 0, result.stderr
    trust = folder / "trust.yml"
    trust.write_text('trust.subject_name:\n  - "*.example"\n')
    return folder / "bundle", trust


def test_a_pem_bundle_audit_tells_the_skipped_key_files_once_in_the_summary(pem_bundle):
    bundle, trust = pem_bundle
    result = run_certkit("restrictions", "check", trust, bundle)
    assert result.exit_code == 0, result.stdout + result.stderr
    assert not [line for line in result.stderr.splitlines() if "skipped" in line], result.stderr
    summary = result.stdout.splitlines()[-1]
    assert summary.startswith("3 certificates checked: 3 admitted, 0 rejected")
    assert "; 3 PEM files without a certificate skipped (they hold: EC PRIVATE KEY): " in summary
    assert all(f"n{number}/n{number}.key" in summary for number in (1, 2, 3)), summary


def test_a_pem_bundle_audit_as_json_tells_them_in_one_warning(pem_bundle):
    bundle, trust = pem_bundle
    result = run_certkit("restrictions", "check", trust, bundle, "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["summary"]["admitted"] == 3
    warnings = _warning_lines(result.stderr)
    assert len(warnings) == 1, result.stderr
    assert warnings[0].startswith("warning: 3 PEM files without a certificate skipped (they hold: EC PRIVATE KEY): ")


def test_inspect_shows_the_pkcs12_mac_as_text(tmp_path):
    created = run_certkit("ca", "--key-type", "ec", "--out", tmp_path / "ca.p12")
    assert created.exit_code == 0, created.stderr
    shown = run_certkit("inspect", tmp_path / "ca.p12")
    pkcs12_line = next(line for line in shown.stdout.splitlines() if line.strip().startswith("pkcs12"))
    assert "MAC sha256 x" in pkcs12_line and "{" not in pkcs12_line, pkcs12_line


def test_a_self_issued_ca_in_the_path_is_not_called_an_intermediate():
    from certkit.jdk.pkix import Refusal, validate_path

    key = ec.generate_private_key(ec.SECP256R1())
    root_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Root")])

    def root(start, end):
        return (x509.CertificateBuilder().subject_name(root_name).issuer_name(root_name).public_key(key.public_key())
                .serial_number(x509.random_serial_number()).not_valid_before(start).not_valid_after(end)
                .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                .sign(key, hashes.SHA256()))

    anchor = root(NOW - dt.timedelta(days=10), NOW + dt.timedelta(days=100))
    expired_copy = root(NOW - dt.timedelta(days=100), NOW - dt.timedelta(days=1))
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    leaf = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "leaf")]))
            .issuer_name(root_name).public_key(leaf_key.public_key()).serial_number(7)
            .not_valid_before(NOW - dt.timedelta(days=1)).not_valid_after(NOW + dt.timedelta(days=5))
            .sign(key, hashes.SHA256()))
    with pytest.raises(Refusal) as refused:
        validate_path([expired_copy, leaf], anchor, NOW, 25)
    assert "the self-issued CA CN=Root expired" in str(refused.value)
    assert "intermediate" not in str(refused.value)


def test_gitignore_lists_what_the_demo_writes():
    import typer

    from certkit.cli import build_app

    demo = typer.main.get_command(build_app(["demo"])).commands["demo"]
    default_dir = next(p.default for p in demo.params if "--dir" in p.opts)
    ignored = (REPOSITORY / ".gitignore").read_text().splitlines()
    assert f"/{Path(default_dir).name}/" in ignored
    assert "/demo-output/" not in ignored
