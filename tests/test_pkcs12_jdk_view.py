"""certkit's view of a PKCS#12 file is the JDK's KeyStore's, alias by alias, on JDK 17 and 25.

Every file of the installed cryptography-vectors package (its pkcs12 folder and the PKITS
keystores), plus files openssl and keytool write in every way that changes the view
(no MAC, no encryption, no friendlyName, legacy ciphers, key-only, certificates-only),
goes through one JVM run per JDK (tests/java/Pkcs12KeystoreProbe.java --batch) and
through certkit.keystores.reader.load_pkcs12; the two lists must be equal. Elasticsearch
always passes a password (keystore.secure_password defaults to ""), so files without one
are opened with "".
"""

from __future__ import annotations

from pathlib import Path

import pytest

from certkit.errors import CertkitError
from certkit.keystores.reader import load_pkcs12
from tests.pkcs12_support import certkit_view, jdk_views, pki  # noqa: F401 - pki is a fixture

pytestmark = [pytest.mark.jdk, pytest.mark.openssl]


def _vector_password(path: Path) -> str:
    """The passwords pyca's tests use for these vectors (tests/hazmat/primitives/test_pkcs12.py)."""
    name = path.name
    if "PKITS" in str(path):
        return "password"  # PKITS: every keystore is protected by "password"
    if "no-pwd" in name or name in ("no-password.p12", "java-truststore.p12"):
        return ""
    if name.endswith("-pwd.p12"):
        return "password"
    return "cryptography"


def _vector_files() -> list[tuple[Path, str]]:
    vectors = pytest.importorskip("cryptography_vectors")
    root = Path(vectors.__file__).parent
    files = sorted((root / "pkcs12").glob("*.p12")) + sorted((root / "x509" / "PKITS_data" / "pkcs12").glob("*.p12"))
    assert len(files) > 400, "the cryptography-vectors package lost its PKCS#12 files"
    return [(path, _vector_password(path)) for path in files]


@pytest.fixture(scope="module")
def made_files(tmp_path_factory, pki, openssl, keytool) -> list[tuple[Path, str]]:
    """PKCS#12 files written by openssl and keytool, in every way that changes the JDK's view."""
    folder = tmp_path_factory.mktemp("jdk-view")
    pem = pki.write_pem(folder)
    chain = folder / "chain.pem"
    chain.write_bytes(pem["intermediate.pem"].read_bytes() + pem["root.pem"].read_bytes())
    files: list[tuple[Path, str]] = []
    variants = {
        "default": ["-name", "node1"],
        "no-name": [],
        "legacy": ["-legacy", "-name", "node1"],
        "legacy-no-name": ["-legacy"],
        "nomac": ["-nomac", "-name", "node1"],
        "keypbe-none": ["-keypbe", "NONE", "-name", "node1"],
        "certpbe-none": ["-certpbe", "NONE", "-name", "node1"],
        "no-encryption": ["-keypbe", "NONE", "-certpbe", "NONE", "-nomac", "-name", "node1"],
    }
    for name, extra in variants.items():
        for with_chain in (False, True):
            path = folder / f"openssl-{name}{'-chain' if with_chain else ''}.p12"
            args = ["pkcs12", "-export", "-inkey", pem["leaf.key"], "-in", pem["leaf.pem"], "-passout", "pass:pw",
                    "-out", path, *extra]
            openssl(*args, *(["-certfile", chain] if with_chain else []))
            files.append((path, "pw"))
    key_only = folder / "openssl-key-only.p12"
    openssl("pkcs12", "-export", "-inkey", pem["leaf.key"], "-nocerts", "-passout", "pass:pw", "-out", key_only)
    certificates_only = folder / "openssl-certificates-only.p12"
    openssl("pkcs12", "-export", "-in", chain, "-nokeys", "-passout", "pass:pw", "-out", certificates_only)
    files += [(key_only, "pw"), (certificates_only, "pw")]
    for name, extra in (("keytool-default", ()), ("keytool-legacy", ("-J-Dkeystore.pkcs12.legacy",))):
        path = folder / f"{name}.p12"
        common = ["-keystore", path, "-storetype", "PKCS12", "-storepass", "changeit", *extra]
        keytool("-genkeypair", "-alias", "Node", "-keyalg", "EC", "-dname", "CN=keytool node", *common)
        keytool("-importcert", "-alias", "CA", "-file", pem["root.pem"], "-noprompt", *common)
        keytool("-importcert", "-alias", "Other", "-file", pem["other-ca.pem"], "-noprompt", *common)
        files.append((path, "changeit"))
    return files


#: Files the JDK reads and cryptography cannot: PKITS' DSA certificates whose parameters are
#: inherited from the CA (an empty AlgorithmIdentifier parameter). certkit must refuse them
#: with that reason rather than list something else.
CRYPTOGRAPHY_CANNOT_PARSE = {"DSAParametersInheritedCACert.p12", "ValidDSAParameterInheritanceTest5EE.p12"}


_CERTKIT_VIEWS: dict[Path, list | str] = {}  # certkit's answer does not depend on the JDK: once per file


def _certkit_view(path: Path, password: str) -> list | str:
    if path not in _CERTKIT_VIEWS:
        try:
            _CERTKIT_VIEWS[path] = certkit_view(load_pkcs12(path.read_bytes(), password, source=path.name))
        except CertkitError as exc:
            _CERTKIT_VIEWS[path] = f"refused: {exc}"
    return _CERTKIT_VIEWS[path]


def _compare(java, files: list[tuple[Path, str]], folder: Path) -> None:
    jdk = jdk_views(java, files, folder)
    differences = []
    for path, password in files:
        expected = jdk[str(path)]
        got = _certkit_view(path, password)
        if path.name in CRYPTOGRAPHY_CANNOT_PARSE:
            assert isinstance(got, str) and "cryptography cannot parse a certificate" in got, got
            continue
        if isinstance(expected, str):  # the JDK cannot open it: certkit must refuse it too
            if not (isinstance(got, str) and got.startswith("refused")):
                differences.append((path.name, expected, got))
        elif got != expected:
            differences.append((path.name, expected, got))
    assert differences == [], f"on JDK {java.feature}"


def test_every_cryptography_vector_is_seen_as_the_jdk_sees_it(java, tmp_path):
    _compare(java, _vector_files(), tmp_path)


def test_openssl_and_keytool_files_are_seen_as_the_jdk_sees_them(java, made_files, tmp_path):
    _compare(java, made_files, tmp_path)


def test_inspect_lists_the_entries_the_jdk_lists(cli, java, made_files, tmp_path):
    """The pkcs12 object of inspect --json and the pkcs12 line of inspect are that view."""
    import json

    jdk = jdk_views(java, made_files, tmp_path)
    for path, password in made_files:
        result = cli("inspect", "--json", path, env={"CERTKIT_PASS": password})
        if isinstance(jdk[str(path)], str) or result.exit_code != 0:
            continue  # key-only files hold no certificate for inspect to show
        document = json.loads(result.stdout)[0]["pkcs12"]
        listed = [(e["alias"], e["type"], e.get("chain_length", 0)) for e in document["entries"]]
        assert listed == jdk[str(path)], path.name
        line = next(row for row in cli("inspect", path, env={"CERTKIT_PASS": password}).stdout.splitlines()
                    if row.strip().startswith("pkcs12"))
        for alias, kind, _length in listed:
            assert f"{alias} ({kind}" in line, (path.name, line)
