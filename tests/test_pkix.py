"""certkit's chain verdicts against the JDK's own PKIX trust manager (tests/java/TrustManagerOracle.java).

Every expectation is the JDK's answer on the runtime the ``java`` fixture runs (JDK 17 and
JDK 25): certkit is asked for the same JDK feature version and must agree on every row.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import cryptography_vectors
import pytest
from cryptography import x509
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from certkit.jdk.pkix import verify_chain
from tests.pkix_cases import crafted_cases
from tests.pkix_support import (
    NOW, ChainCase, Issued, ca_extensions, issue, jdk_verdicts, leaf_extensions, pem, rewrite_tbs, root,
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
