"""The CA must be strong enough to sign with, and the serials it hands out unique (issue 7).

Weak CAs are made the way users made them years ago, by openssl: a 1024-bit RSA key, a
P-192 key, a certificate signed with SHA-1. ``certkit cert`` refuses each (exit 2, one
line naming the weakness, nothing written) unless ``--allow-weak-ca``, which signs with a
warning.
"""

from __future__ import annotations

import pytest

from tests.conftest import assert_one_line_error
from tests.issue_support import CA_EXTENSIONS, files_in, openssl_ca

WEAK_CAS = {
    "rsa-1024": ({"algorithm": "RSA", "options": ("-pkeyopt", "rsa_keygen_bits:1024")}, (), "RSA 1024 bits"),
    "p-192": ({"algorithm": "EC", "options": ("-pkeyopt", "ec_paramgen_curve:prime192v1")}, (), "secp192r1"),
    "sha1-signed": ({"algorithm": "RSA", "options": ("-pkeyopt", "rsa_keygen_bits:2048")}, ("-sha1",), "SHA-1"),
}


@pytest.fixture(scope="module")
def weak_cas(tmp_path_factory, openssl):
    folder = tmp_path_factory.mktemp("weak-cas")
    made = {}
    for name, (key_options, signing, _) in WEAK_CAS.items():
        if signing:
            # openssl_ca signs with -sha256; a SHA-1 CA needs its own req call.
            ca = openssl_ca(openssl, folder, name, **key_options)
            openssl("req", "-x509", "-new", "-key", ca.key, "-subj", f"/CN={name}", "-days", "365", "-sha1",
                    *CA_EXTENSIONS, "-out", ca.cert)
        else:
            ca = openssl_ca(openssl, folder, name, **key_options)
        made[name] = ca
    p12 = folder / "rsa-1024.p12"
    openssl("pkcs12", "-export", "-in", made["rsa-1024"].cert, "-inkey", made["rsa-1024"].key, "-out", p12,
            "-passout", "pass:", "-name", "ca")
    made["rsa-1024-p12"] = p12
    return made


@pytest.mark.parametrize("name", list(WEAK_CAS))
def test_a_weak_ca_is_refused_and_nothing_is_written(cli, weak_cas, tmp_path, monkeypatch, name):
    monkeypatch.chdir(tmp_path)
    ca = weak_cas[name]
    result = cli("cert", "--ca-cert", ca.cert, "--ca-key", ca.key, "--name", "n", "--key-type", "ec",
                 "--out", "bundle.zip")
    assert_one_line_error(result, "too weak", WEAK_CAS[name][2])
    assert "--allow-weak-ca" in result.stderr  # the hint names the way out
    assert files_in(tmp_path) == set()


def test_a_weak_ca_in_a_pkcs12_is_refused_too(cli, weak_cas, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = cli("cert", "--ca", weak_cas["rsa-1024-p12"], "--name", "n", "--key-type", "ec", "--out", "b.zip",
                 env={"CERTKIT_CA_PASS": "", "CERTKIT_PASS": ""})
    assert_one_line_error(result, "too weak", "RSA 1024 bits")
    assert files_in(tmp_path) == set()


@pytest.mark.parametrize("name", list(WEAK_CAS))
def test_allow_weak_ca_signs_with_a_warning(cli, weak_cas, tmp_path, monkeypatch, openssl, name):
    monkeypatch.chdir(tmp_path)
    ca = weak_cas[name]
    result = cli("cert", "--ca-cert", ca.cert, "--ca-key", ca.key, "--name", "n", "--key-type", "ec", "--pem",
                 "--out", "bundle", "--allow-weak-ca")
    assert result.exit_code == 0, result.stderr
    assert f"warning: the CA CN={name} is weak" in result.stderr and WEAK_CAS[name][2] in result.stderr
    # The certificate really is signed by that CA (openssl, at the security level that
    # still admits these keys and digests).
    verified = openssl("verify", "-auth_level", "0", "-CAfile", ca.cert, "bundle/n/n.crt", check=False)
    assert verified.returncode == 0, verified.stderr


def test_dry_run_refuses_a_weak_ca_too(cli, weak_cas):
    ca = weak_cas["sha1-signed"]
    assert_one_line_error(cli("cert", "--ca-cert", ca.cert, "--ca-key", ca.key, "--name", "n", "--dry-run"), "SHA-1")


def test_certkits_own_cas_are_not_weak():
    from certkit.issue.ca import create_ca, weaknesses

    for key_type, curve in (("rsa", "P-256"), ("ec", "P-256"), ("ec", "P-384")):
        assert weaknesses(create_ca(key_type=key_type, curve=curve).certificate) == []


# ----------------------------------------------------------------------------- serials


@pytest.mark.slow
def test_ten_thousand_serials_in_one_bundle_are_unique():
    """issue_all as certkit cert runs it (two worker processes, EC keys): every serial of
    10,000 certificates is distinct, positive and at most 20 octets (RFC 5280), and none
    equals the CA's."""
    from certkit.issue.ca import create_ca
    from certkit.issue.leaf import issue_all
    from certkit.plan.instances import make_instance

    ca = create_ca("CN=Serials CA", key_type="ec", curve="P-256")
    issued = issue_all(ca, [make_instance(f"n{i}") for i in range(10_000)], key_type="ec", jobs=2)
    serials = [item.certificate.serial_number for item in issued]
    assert len(set(serials)) == 10_000
    assert ca.certificate.serial_number not in serials
    assert all(0 < serial < 2**159 for serial in serials)
    # Random, not sequential: 159 random bits leave no two neighbours.
    ordered = sorted(serials)
    assert min(b - a for a, b in zip(ordered, ordered[1:], strict=False)) > 2**64
