"""certkit wire api-key / keystore: the request body, and the certificate_identity checked
against the JDK (java.util.regex for the pattern, X500Principal.getName() for the DN)."""

from __future__ import annotations

import json

import pytest
from cryptography import x509
from cryptography.x509.name import _ASN1Type
from cryptography.x509.oid import NameOID

from tests.conftest import assert_one_line_error
from tests.wiring_support import make_ca, make_leaf, pem, rest_spec

A = x509.NameAttribute


def body(cli, *args) -> dict:
    result = cli("wire", "api-key", *args)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


# --------------------------------------------------------------------------- the body


def test_search_and_replication_access(cli):
    assert body(cli, "--name", "ccs-key", "--search", "logs-*,metrics-*", "--search", "logs-*",
                "--replication", "archive") == {
        "name": "ccs-key",
        "access": {"search": [{"names": ["logs-*", "metrics-*"]}], "replication": [{"names": ["archive"]}]},
    }


def test_expiration_metadata_and_identity(cli):
    document = body(cli, "--name", "k", "--search", "logs", "--expiration", "90d",
                    "--metadata", '{"team": "search", "ticket": 42}', "--certificate-identity", "CN=node1,O=Example")
    assert document["expiration"] == "90d"
    assert document["metadata"] == {"team": "search", "ticket": 42}
    assert document["certificate_identity"] == "CN=node1,O=Example"


def test_for_cluster_derives_the_identity(cli):
    document = body(cli, "--name", "k", "--search", "logs", "--for-cluster", "aaaabbbbaaaabbbb")
    assert document["certificate_identity"] == r"CN=.*\.node\.aaaabbbbaaaabbbb\.cluster\..*"
    dashed = body(cli, "--name", "k", "--search", "logs", "--for-cluster", "my-cluster")
    assert dashed["certificate_identity"] == r"CN=.*\.node\.my\-cluster\.cluster\..*"


def test_console_form_names_the_api_of_the_rest_spec(cli):
    (path,) = rest_spec("security.create_cross_cluster_api_key")["url"]["paths"]
    result = cli("wire", "api-key", "--name", "k", "--search", "logs", "--format", "console")
    first, rest = result.stdout.split("\n", 1)
    assert first == f"{path['methods'][0]} {path['path']}"
    assert json.loads(rest)["name"] == "k"


REFUSED = [
    (["--name", "k"], "grant some access"),
    (["--name", " k", "--search", "x"], "leading or trailing spaces"),
    (["--name", "k", "--search", "a,,b"], "empty index name"),
    (["--name", "k", "--search", "my index"], "cannot contain"),
    (["--name", "k", "--search", "x", "--expiration", "90 days"], "not a time value"),
    (["--name", "k", "--search", "x", "--expiration", "0d"], "not a time value"),
    (["--name", "k", "--search", "x", "--expiration", "1D"], "not a time value"),
    (["--name", "k", "--search", "x", "--metadata", "{team: 1}"], "not valid JSON"),
    (["--name", "k", "--search", "x", "--metadata", "[1]"], "must be a JSON object"),
    (["--name", "k", "--search", "x", "--metadata", '{"_reserved": 1}'], "reserved"),
    (["--name", "k", "--search", "x", "--certificate-identity", "CN=(node"], "not a valid regular expression"),
    (["--name", "k", "--search", "x", "--certificate-identity", "CN={cluster}"], "Illegal repetition"),
    (["--name", "k", "--search", "x", "--certificate-identity", ""], "is empty"),
    (["--name", "k", "--search", "x", "--certificate-identity", "x", "--for-cluster", "c"], "exclude each other"),
    (["--name", "k", "--search", "x", "--for-cluster", "a.b"], "no dots"),
    (["--name", "k", "--search", "x", "--check-cert", "c.pem"], "--check-cert checks a certificate identity"),
    (["--name", "k", "--search", "x", "--format", "yaml"], "choose json, console or curl"),
]


@pytest.mark.parametrize(("args", "fragment"), REFUSED, ids=[" ".join(a) for a, _ in REFUSED])
def test_refused_with_one_line(cli, args, fragment):
    result = cli("wire", "api-key", *args)
    assert_one_line_error(result, fragment)
    assert result.stdout == ""


# --------------------------------------------------------------------------- the DN as the JDK prints it


AWKWARD_SUBJECTS = {
    "cloud node": x509.Name([A(NameOID.COMMON_NAME, "instance-0000000001.node.aaaabbbb.cluster.83988631.account")]),
    "full DN": x509.Name([A(NameOID.COUNTRY_NAME, "US"), A(NameOID.ORGANIZATION_NAME, "Example Corp"),
                          A(NameOID.ORGANIZATIONAL_UNIT_NAME, "ES"), A(NameOID.COMMON_NAME, "node1.example.com")]),
    "escapes": x509.Name([A(NameOID.ORGANIZATION_NAME, 'Ex, "Corp"'),
                          A(NameOID.COMMON_NAME, "a=b+c<d>e;f\\g#h")]),
    "spaces and hash": x509.Name([A(NameOID.COMMON_NAME, " #lead and trail ")]),
    "email": x509.Name([A(NameOID.EMAIL_ADDRESS, "ops@example.com"), A(NameOID.COMMON_NAME, "node1")]),
    "non-keyword attributes": x509.Name([
        A(NameOID.SERIAL_NUMBER, "123"), A(NameOID.TITLE, "boss"), A(NameOID.DOMAIN_COMPONENT, "com"),
        A(NameOID.USER_ID, "u1"), A(NameOID.STREET_ADDRESS, "Main St"), A(NameOID.STATE_OR_PROVINCE_NAME, "CA"),
        A(NameOID.LOCALITY_NAME, "SF")]),
    "multi-valued RDN": x509.Name([x509.RelativeDistinguishedName(
        [A(NameOID.COMMON_NAME, "x"), A(NameOID.ORGANIZATIONAL_UNIT_NAME, "y")])]),
    "unicode": x509.Name([A(NameOID.COMMON_NAME, "Zürich Ωmega 日本")]),
    "bmp string": x509.Name([A(NameOID.COMMON_NAME, "bmp Ωé", _type=_ASN1Type.BMPString)]),
    "teletex string": x509.Name([A(NameOID.COMMON_NAME, "t61 é", _type=_ASN1Type.T61String)]),
    "universal string": x509.Name([A(NameOID.COMMON_NAME, "univ Ω", _type=_ASN1Type.UniversalString)]),
    "ia5 string": x509.Name([A(NameOID.COMMON_NAME, "ia5", _type=_ASN1Type.IA5String)]),
    "control characters": x509.Name([A(NameOID.COMMON_NAME, "tab\there\r\nnl\x01 ")]),
    "only white space": x509.Name([A(NameOID.COMMON_NAME, "  \r")]),
}


@pytest.fixture(scope="module")
def subject_certificates(tmp_path_factory):
    folder = tmp_path_factory.mktemp("subjects")
    ca, key = make_ca()
    files = {}
    for label, subject in AWKWARD_SUBJECTS.items():
        leaf, _ = make_leaf(ca, key, subject)
        files[label] = folder / f"{label.replace(' ', '-')}.crt"
        files[label].write_bytes(pem(leaf))
    return files


@pytest.mark.jdk
def test_subject_dn_equals_the_jdks_rfc2253_form(java, subject_certificates):
    """certkit renders the DN as the JDK of the runtime does (a BMPString differs from JDK 21 on)."""
    from certkit.io.certificates import load_certificates as parse_certificates
    from certkit.jdk import subject_rfc2253

    labels = list(subject_certificates)
    output = java("WireDn", "dn", *(subject_certificates[label] for label in labels)).stdout.splitlines()
    assert len(output) == len(labels)
    for label, line in zip(labels, output, strict=True):
        jdk = json.loads(f'"{line}"')
        (certificate,) = parse_certificates(subject_certificates[label].read_bytes(), label)
        assert subject_rfc2253(certificate, java.feature) == jdk, label


def test_cryptography_rfc4514_is_not_the_jdk_form(subject_certificates):
    """Why certkit renders the DN itself: cryptography's string differs for e-mail and '#'."""
    from certkit.io.certificates import load_certificates as parse_certificates
    from certkit.jdk.x500 import subject_rfc2253

    (certificate,) = parse_certificates(subject_certificates["email"].read_bytes(), "email")
    assert subject_rfc2253(certificate) == "CN=node1,1.2.840.113549.1.9.1=#160f6f7073406578616d706c652e636f6d"
    assert certificate.subject.rfc4514_string() == "CN=node1,1.2.840.113549.1.9.1=ops@example.com"


# --------------------------------------------------------------------------- the regex as Java reads it

# (pattern, subject DN or None): certkit's verdict must agree with java.util.regex.Pattern.
REGEX_CASES = [
    (r"CN=.*\.node\.abc123\.cluster\..*", "CN=i1.node.abc123.cluster.83988631.account"),
    (r"CN=.*\.node\.abc123\.cluster\..*", "CN=i1.node.abc124.cluster.83988631.account"),
    ("CN=.*.node.abc123.cluster.*", "CN=i1.node.abc123.cluster.s,O=Elastic"),
    ("CN=node1", "CN=node1,O=Example"),  # the whole DN must match
    ("CN=.*.example.com,O=Example Corp,C=US", "CN=n1.example.com,O=Example Corp,C=US"),
    ("(CN|OU)=x", "OU=x"),
    (r"CN=\d{2,3}", "CN=123"),
    ("CN=a{2}b{1,}c{0,1}", "CN=aabbc"),
    ("(?i)cn=NODE1", "CN=node1"),
    ("CN=a++b", "CN=aab"),
    ("(?>ab)c", "abc"),
    ("(?<=C)N=x", None),
    (r"CN=[\w.-]+", "CN=node-1.example"),
    ("[[:alpha:]]", None),
    ("]", None),
    (r"\u0041", "A"),
    ("CN=(node", None),
    ("CN=[abc", None),
    ("*abc", None),
    ("a**", None),
    ("CN={cluster}", None),
    ("x{", None),
    ("a{,3}", None),
    ("a{2,1}", None),
    ("(?P<n>x)", None),
    ("x(?#c)", None),
    ("abc\\", None),
    ("(?i", None),
    (r"\p{Alpha}+", None),
    (r"\Qa.b\E", None),
    (r"(?<name>x)\k<name>", None),
    ("[a-z&&[^x]]", None),
    (r"\x{41}", None),
    (r"\cA", None),
    (r"x\z", None),
    (r"\1", None),
]


@pytest.mark.jdk
def test_identity_checks_agree_with_java(java, tmp_path):
    from certkit.errors import CertkitError
    from certkit.wire.api_key import check_certificate_identity, identity_matches

    lines = [p.encode().hex() + (f" {t.encode().hex()}" if t is not None else "") for p, t in REGEX_CASES]
    cases_file = tmp_path / "cases.txt"
    cases_file.write_text("\n".join(lines) + "\n")
    verdicts = java("WireDn", "regex", cases_file).stdout.splitlines()
    assert len(verdicts) == len(REGEX_CASES)
    for (pattern, text), java_verdict in zip(REGEX_CASES, verdicts, strict=True):
        try:
            check = check_certificate_identity(pattern)
        except CertkitError:
            assert java_verdict.startswith("error"), f"certkit refuses {pattern!r}, Java compiles it"
            continue
        if check.compiled is None:  # Java-only syntax: certkit does not claim anything
            continue
        assert java_verdict.startswith("ok"), f"certkit accepts {pattern!r}, Java says {java_verdict}"
        if text is not None:
            assert java_verdict == f"ok {str(identity_matches(check, text)).lower()}", (pattern, text)


# --------------------------------------------------------------------------- --check-cert


@pytest.fixture(scope="module")
def signing_certificates(tmp_path_factory):
    from certkit.issue.ca import certificate_pem, create_ca
    from certkit.issue.leaf import issue_certificate
    from certkit.model import Instance

    folder = tmp_path_factory.mktemp("signing")
    ca = create_ca("CN=Self-managed CA", key_type="ec")
    named = "instance-1.node.abc123.cluster.myscope.account"
    files = {}
    for label, instance in (
        ("cloud-style", Instance(named, "n1", cn=(named,))),
        ("certutil-style", Instance("node1", "node1", cn=(named,))),
    ):
        issued = issue_certificate(ca, instance, key_type="ec")
        files[label] = folder / f"{label}.crt"
        files[label].write_bytes(certificate_pem(issued.certificate, ca.certificate))
    return files


def test_check_cert_accepts_a_matching_subject(cli, signing_certificates):
    result = cli("wire", "api-key", "--name", "k", "--search", "logs", "--for-cluster", "abc123",
                 "--check-cert", signing_certificates["cloud-style"])
    assert result.exit_code == 0, result.stderr
    assert "matches the subject" in result.stderr
    assert "CN=instance-1.node.abc123.cluster.myscope.account" in result.stderr
    assert "checking the first (the leaf)" in result.stderr


def test_check_cert_refuses_a_subject_that_does_not_match(cli, signing_certificates):
    """certutil names the subject after the instance name, not the cn value: the identity
    derived for the cluster does not match, and certkit says so before the key exists."""
    result = cli("wire", "api-key", "--name", "k", "--search", "logs", "--for-cluster", "abc123",
                 "--check-cert", signing_certificates["certutil-style"])
    assert result.exit_code == 1
    assert result.stdout == ""
    (error,) = result.error_lines
    assert "does not match the subject" in error and "CN=node1" in error
    assert "carries instance-1.node.abc123.cluster.myscope.account as an otherName" in result.stderr


def test_check_cert_explains_a_partial_match(cli, signing_certificates):
    result = cli("wire", "api-key", "--name", "k", "--search", "logs", "--certificate-identity", "CN=instance-1",
                 "--check-cert", signing_certificates["cloud-style"])
    assert result.exit_code == 1
    assert "the whole DN must match" in result.stderr


def test_java_only_identity_is_a_warning_and_cannot_be_checked(cli, signing_certificates):
    result = cli("wire", "api-key", "--name", "k", "--search", "logs", "--certificate-identity", r"CN=\p{Alnum}+",
                 "--check-cert", signing_certificates["cloud-style"])
    assert result.exit_code == 0
    assert "Java-only syntax" in result.stderr
    assert json.loads(result.stdout)["certificate_identity"] == r"CN=\p{Alnum}+"


def test_check_cert_unreadable(cli, tmp_path):
    bad = tmp_path / "bad.crt"
    bad.write_text("nope")
    assert_one_line_error(cli("wire", "api-key", "--name", "k", "--search", "x", "--for-cluster", "c",
                              "--check-cert", bad), "neither a PEM nor a DER")


# --------------------------------------------------------------------------- keystore


def test_keystore_steps_never_carry_the_key(cli):
    result = cli("wire", "keystore", "--alias", "cloud-prod", env={"CERTKIT_ES_API_KEY": "c2VjcmV0"})
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert "bin/elasticsearch-keystore add cluster.remote.cloud-prod.credentials" in lines
    assert "#      bin/elasticsearch-keystore add --stdin cluster.remote.cloud-prod.credentials < FILE" in lines
    assert lines[-1] == "POST /_nodes/reload_secure_settings"
    assert "c2VjcmV0" not in result.stdout


def test_keystore_json_and_curl(cli):
    document = json.loads(cli("wire", "keystore", "--alias", "a", "--json").stdout)
    assert document == {
        "setting": "cluster.remote.a.credentials",
        "command": ["bin/elasticsearch-keystore", "add", "cluster.remote.a.credentials"],
        "stdin_command": ["bin/elasticsearch-keystore", "add", "--stdin", "cluster.remote.a.credentials"],
        "reload": {"method": "POST", "path": "/_nodes/reload_secure_settings"},
    }
    curl = cli("wire", "keystore", "--alias", "a", "--format", "curl", "--es-url", "https://es:9200").stdout
    assert "curl --fail-with-body -sS -X POST https://es:9200/_nodes/reload_secure_settings" in curl
    assert "--data-binary" not in curl


@pytest.mark.parametrize(("args", "fragment"), [
    (["--alias", "a.b"], "'.'"),
    (["--alias", "a", "--format", "json"], "choose console or curl"),
])
def test_keystore_refusals(cli, args, fragment):
    assert_one_line_error(cli("wire", "keystore", *args), fragment)
