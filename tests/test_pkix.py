"""certkit's chain verdicts against the JDK's own PKIX trust manager (tests/java/TrustManagerOracle.java).

Every expectation is the JDK's answer on the runtime the ``java`` fixture runs (JDK 17 and
JDK 25): certkit is asked for the same JDK feature version and must agree on every row.
"""

from __future__ import annotations

import datetime as dt
import json
import warnings
from pathlib import Path

import cryptography_vectors
import pytest
from cryptography import x509
from cryptography.utils import CryptographyDeprecationWarning
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from certkit.jdk.pkix import verify_chain
from tests.pkix_cases import crafted_cases
from tests.pkix_support import (
    NOW,
    ChainCase,
    ca_extensions,
    issue,
    jdk_verdicts,
    leaf_extensions,
    pem,
    root,
)

PKITS = Path(cryptography_vectors.__path__[0]) / "x509" / "PKITS_data" / "certs"


def _disagreements(cases, verdicts, feature, intermediates=None) -> list[str]:
    rows = []
    for case in cases:
        chain_rest = intermediates(case) if intermediates else case.chain[1:]
        ours = verify_chain(case.chain[0], chain_rest, case.anchors, case.at, feature)
        theirs = verdicts[case.label]
        if (ours is None) != theirs.valid:
            rows.append(f"{case.label}\n    JDK {feature}: {theirs}\n    certkit: {ours or 'valid'}")
    return rows


@pytest.mark.jdk
def test_crafted_chains_agree_with_the_jdk(tmp_path, java):
    cases = crafted_cases()
    verdicts = jdk_verdicts(java, tmp_path, cases)
    disagreements = _disagreements(cases, verdicts, java.feature)
    assert not disagreements, "\n".join(disagreements)
    # the table exercises both outcomes of the rules, not only acceptance
    assert sum(v.valid for v in verdicts.values()) > 20 and sum(not v.valid for v in verdicts.values()) > 40


def _pkits_cases(folder: Path) -> tuple[list[ChainCase], dict[str, list[x509.Certificate]]]:
    """Every PKITS end entity with the PKITS CA certificates that can lie on its path."""
    certificates = {}
    for path in sorted(PKITS.glob("*.crt")):
        try:
            with warnings.catch_warnings():  # PKITS has serial numbers RFC 5280 disallows; the JDK reads them
                warnings.simplefilter("ignore", CryptographyDeprecationWarning)
                certificates[path.stem] = x509.load_der_x509_certificate(path.read_bytes())
        except ValueError:
            continue  # DSA parameter inheritance: cryptography cannot load it, certkit cannot judge it
    anchor = certificates.pop("TrustAnchorRootCertificate")
    pool = [c for label, c in certificates.items() if not label.endswith("EE")]
    cases, sent = [], {}
    for label, certificate in certificates.items():
        if not label.endswith("EE"):
            continue
        wanted, names = [], {certificate.issuer}
        while True:  # every CA certificate whose subject is an issuer name on the way up
            more = [c for c in pool if c not in wanted and c.subject in names]
            if not more:
                break
            wanted += more
            names |= {c.issuer for c in more}
        cases.append(ChainCase(label, [certificate, *wanted], [anchor]))
        sent[label] = wanted
    return cases, sent


@pytest.mark.jdk
def test_pkits_paths_agree_with_the_jdk(tmp_path, java):
    cases, _ = _pkits_cases(tmp_path)
    assert len(cases) > 200
    verdicts = jdk_verdicts(java, tmp_path, cases)
    disagreements = _disagreements(cases, verdicts, java.feature)
    assert not disagreements, "\n".join(disagreements)


# ----------------------------------------------------------------------------- mutations

_TOP = root("Mutation Root")
_INTER = issue("Mutation Inter", _TOP, extensions=ca_extensions())


def _mutated(position: int, extension_index: int, change: str, data: bytes) -> ChainCase:
    """The valid chain leaf <- intermediate <- root with one extension of the leaf or the intermediate changed."""
    target = [(leaf_extensions(), "leaf"), (ca_extensions(), "intermediate")][position]
    extensions = [(value, critical) for value, critical in target[0]]
    index = extension_index % len(extensions)
    value, critical = extensions[index]
    raw = value.public_bytes()
    if change == "flip criticality":
        extensions[index] = (value, not critical)
    elif change == "replace bytes":
        extensions[index] = (x509.UnrecognizedExtension(value.oid, data), critical)
    elif change == "truncate":
        extensions[index] = (x509.UnrecognizedExtension(value.oid, raw[: len(raw) * (data[0] if data else 0) // 256]), critical)
    elif change == "flip a bit":
        spot = (data[0] if data else 0) % len(raw)
        flipped = raw[:spot] + bytes([raw[spot] ^ (1 << ((data[1] if len(data) > 1 else 0) % 8))]) + raw[spot + 1:]
        extensions[index] = (x509.UnrecognizedExtension(value.oid, flipped), critical)
    elif change == "drop":
        del extensions[index]
    else:  # an extra extension of an unknown type
        extensions.append((x509.UnrecognizedExtension(x509.ObjectIdentifier("1.3.6.1.4.1.99999.1"), data or b"\x05\x00"), critical))
    if position == 0:
        leaf = issue("node", _INTER, extensions=extensions)
        chain = [leaf.certificate, _INTER.certificate]
    else:
        inter = issue("Mutation Inter", _TOP, extensions=extensions, key=_INTER.key)
        chain = [issue("node", inter, extensions=leaf_extensions()).certificate, inter.certificate]
    label = f"{target[1]} ext {index} {change} {data.hex()}"
    return ChainCase(label, chain, [_TOP.certificate])


_MUTATIONS = st.builds(
    _mutated, st.integers(0, 1), st.integers(0, 5),
    st.sampled_from(["flip criticality", "replace bytes", "truncate", "flip a bit", "drop", "extra"]),
    st.binary(min_size=0, max_size=12),
)


@pytest.mark.jdk
@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batch=st.lists(_MUTATIONS, min_size=20, max_size=20))
def test_mutated_extensions_never_valid_where_the_jdk_refuses(tmp_path_factory, java, batch):
    cases = list({case.label: case for case in batch}.values())
    verdicts = jdk_verdicts(java, tmp_path_factory.mktemp("mutations"), cases)
    fail_open = []
    for case in cases:
        ours = verify_chain(case.chain[0], case.chain[1:], case.anchors, case.at, java.feature)
        if ours is None and not verdicts[case.label].valid:
            fail_open.append(f"{case.label}: JDK {java.feature} says {verdicts[case.label]}, certkit says valid")
    assert not fail_open, "\n".join(fail_open)


# ----------------------------------------------------------------------------- the CLI


def _cli_chain(tmp_path: Path):
    top = root("CLI Root")
    inter = issue("CLI Inter", top, extensions=ca_extensions())
    node = issue("n.node", inter, extensions=leaf_extensions(["n.node.c.cluster.s.account"]),
                 not_before=NOW - dt.timedelta(days=10), not_after=NOW + dt.timedelta(days=10))
    (tmp_path / "root.pem").write_bytes(pem(top.certificate))
    (tmp_path / "node.pem").write_bytes(pem(node.certificate, inter.certificate))
    trust = tmp_path / "trust.yml"
    trust.write_text('trust.subject_name: ["*.node.c.cluster.s.account"]\n')
    return trust


DNS_FIELDS = ("--fields", "subjectAltName.dnsName")


def _chain_entry(cli, *args):
    result = cli("restrictions", "check", *args, "--json")
    (entry,) = json.loads(result.stdout)["certificates"]
    return result.exit_code, entry


def test_at_sets_the_validation_time(cli, tmp_path):
    trust = _cli_chain(tmp_path)
    common = (trust, tmp_path / "node.pem", "--ca", tmp_path / "root.pem", *DNS_FIELDS)
    code, entry = _chain_entry(cli, *common, "--at", (NOW).strftime("%Y-%m-%dT%H:%M:%SZ"))
    assert (code, entry["chain"]) == (0, "valid")
    code, entry = _chain_entry(cli, *common, "--at", (NOW + dt.timedelta(days=11)).strftime("%Y-%m-%dT%H:%M:%SZ"))
    assert (code, entry["chain"]) == (1, "invalid")
    assert "expired on" in entry["reason"] and "validity check failed" in entry["reason"]
    code, entry = _chain_entry(cli, *common, "--at", (NOW - dt.timedelta(days=11)).date().isoformat())
    assert entry["chain"] == "invalid" and "not valid before" in entry["reason"]


def test_at_must_be_iso_8601(cli, tmp_path):
    from tests.conftest import assert_one_line_error

    trust = _cli_chain(tmp_path)
    result = cli("restrictions", "check", trust, tmp_path / "node.pem", "--ca", tmp_path / "root.pem", "--at", "next tuesday")
    assert_one_line_error(result, "--at")
    result = cli("inspect", tmp_path / "node.pem", "--at", "soon")
    assert_one_line_error(result, "--at")


def test_inspect_at_says_expired_as_of_that_time(cli, tmp_path):
    _cli_chain(tmp_path)
    later = (NOW + dt.timedelta(days=11)).strftime("%Y-%m-%dT%H:%M:%SZ")
    first = cli("inspect", tmp_path / "node.pem", "--at", later).stdout.split("\n\n")[0]
    assert "(EXPIRED)" in first
    earlier = cli("inspect", tmp_path / "node.pem", "--at", NOW.strftime("%Y-%m-%dT%H:%M:%SZ")).stdout.split("\n\n")[0]
    assert "EXPIRED" not in earlier and "not yet valid" not in earlier


def test_a_ca_that_did_not_issue_the_leaf_is_not_its_chain(cli, tmp_path):
    """A CA certificate with names that follows a leaf it did not issue is judged itself."""
    top = root("Skip Root")
    unrelated = issue("unrelated", root("Other Root"), extensions=ca_extensions() + [
        (x509.SubjectAlternativeName([x509.DNSName("x.node.c.cluster.s.account")]), False)])
    node = issue("n.node", top, extensions=leaf_extensions(["n.node.c.cluster.s.account"]))
    issuer_below = issue("Skip Inter", top, extensions=ca_extensions() + [
        (x509.SubjectAlternativeName([x509.DNSName("y.node.c.cluster.s.account")]), False)])
    node_below = issue("m.node", issuer_below, extensions=leaf_extensions(["m.node.c.cluster.s.account"]))
    (tmp_path / "bundle.pem").write_bytes(pem(node.certificate, unrelated.certificate, node_below.certificate,
                                               issuer_below.certificate))
    trust = tmp_path / "trust.yml"
    trust.write_text('trust.subject_name: ["*.node.c.cluster.s.account"]\n')
    report = json.loads(cli("restrictions", "check", trust, tmp_path / "bundle.pem", "--json", *DNS_FIELDS).stdout)
    judged = [entry["source"].rsplit("#", 1)[1] for entry in report["certificates"]]
    assert judged == ["1", "2", "3"]  # #2 did not issue #1, so it is a certificate of its own; #4 issued #3
    assert report["summary"]["skipped"] == 1
