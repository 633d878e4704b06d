"""The parallel audit (certkit.audit.engine) reports exactly what one sequential pass reports.

The reference is the plain pipeline ``RestrictionChecker.check_items(iter_certificates(...))``
rendered verdict by verdict. Slices and folder batches are made tiny here so that every
boundary case happens: a leaf's chain split from it, CA certificates opening a slice,
text and other blocks between certificates, a corrupted or truncated block in the middle
(the error, and everything written before it, must be the same), folders with skipped
files, a PKCS#12 that needs a password (workers cannot prompt), an empty folder.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12

from certkit.audit import engine as audit_module
from certkit.audit.checker import RestrictionChecker
from certkit.audit.engine import Audit
from certkit.audit.report import HumanReport, JsonReport
from certkit.audit.trust_file import parse_restrictions
from certkit.errors import CertkitError
from certkit.io.sources import iter_certificates
from certkit.jdk.names import DNS_NAME, OTHERNAME_COMMON_NAME
from tests.restrictions_support import _KEY, NOW, explicit0, key_pem, make_ca, make_leaf, pem, utf8_value

TRUST = b'trust.subject_name:\n  - "*.node.good.cluster.1.account"\n  - "/n[0-9]+\\\\.node\\\\.regex\\\\..*/"\n'
FIELDS = (OTHERNAME_COMMON_NAME, DNS_NAME)

# slow: each test starts worker process pools; the full suite runs it, the fast tier does not.
pytestmark = pytest.mark.slow


#: The expiry window of the checkers (None: dates not judged); the expiry test sets it.
EXPIRES_WITHIN: dict[str, dt.timedelta | None] = {"window": None}


def checker(record_matches: bool = True) -> RestrictionChecker:
    return RestrictionChecker(parse_restrictions(TRUST, "trust.yml"), FIELDS, record_matches=record_matches,
                              expires_within=EXPIRES_WITHIN["window"], now=NOW)


def renderers():
    return [HumanReport(show_all=False), HumanReport(show_all=True), JsonReport(FIELDS)]


def _normalised(events: list[tuple[str, str]], separator: str) -> list[tuple[str, str]]:
    """Consecutive stdout pieces joined; the first piece without its leading separator."""
    merged: list[tuple[str, str]] = []
    for kind, text in events:
        if kind == "out" and merged and merged[-1][0] == "out":
            merged[-1] = ("out", merged[-1][1] + text)
        else:
            merged.append((kind, text))
    for index, (kind, text) in enumerate(merged):
        if kind == "out":
            if separator and text.startswith(separator):
                merged[index] = ("out", text[len(separator):])
            break
    return merged


def sequential(specs, renderer, record_matches: bool, password=None):
    """What one sequential pass writes: events (out/warn/note), counts, and the error if any."""
    events: list[tuple[str, str]] = []
    counts = {"admitted": 0, "rejected": 0, "skipped": []}
    error = None
    try:
        items = iter_certificates(specs, password=password, on_note=lambda m: events.append(("note", m)))
        for verdict in checker(record_matches).check_items(items):
            if verdict.skipped:
                counts["skipped"].append((verdict.source, verdict.subject, verdict.skipped))
            elif verdict.admitted:
                counts["admitted"] += 1
            else:
                counts["rejected"] += 1
            events += [("warn", line) for line in renderer.warnings(verdict)]
            text = renderer.render(verdict)
            if text:
                events.append(("out", text))
    except CertkitError as exc:
        error = (type(exc).__name__, exc.message)
    return _normalised(events, renderer.separator), counts, error


def parallel(specs, renderer, record_matches: bool, jobs: int, password=None):
    events: list[tuple[str, str]] = []
    run = Audit(checker(record_matches), specs, renderer, jobs=jobs, password=password,
                on_note=lambda m: events.append(("note", m)))
    error = None
    try:
        for kind, text in run:
            events.append((kind, text))
    except CertkitError as exc:
        error = (type(exc).__name__, exc.message)
    counts = {"admitted": run.admitted, "rejected": run.rejected, "skipped": run.skipped}
    return _normalised(events, renderer.separator), counts, error


def assert_same(specs, *, jobs=(1, 2), password=None, expect_error: str | None = None):
    for renderer in renderers():
        record = not isinstance(renderer, HumanReport) or renderer.show_all
        expected = sequential(specs, renderer, record, password)
        if expect_error is not None:
            assert expected[2] is not None and expect_error in expected[2][1]
        else:
            assert expected[2] is None, expected[2]
        for job_count in jobs:
            assert parallel(specs, renderer, record, job_count, password) == expected


@pytest.fixture
def tiny_units(monkeypatch):
    """Slices of a few certificates, folder batches of a few files."""
    monkeypatch.setattr(audit_module, "SLICE_BYTES", 1500)
    monkeypatch.setattr(audit_module, "SLICED_FILE_BYTES", 3000)
    monkeypatch.setattr(audit_module, "FOLDER_BATCH", 3)


def _mixed_certificates(count: int) -> list:
    """Leaves admitted and rejected, chains, CA certificates with and without names, warnings."""
    ca, ca_key = make_ca("Mixed CA")
    intermediate, _ = make_ca("Mixed intermediate", issuer=(ca, ca_key))
    named_ca = make_leaf("named CA", cns=["ca.node.good.cluster.1.account"], ca=True)
    certificates = []
    for index in range(count):
        kind = index % 9
        if kind == 0:
            certificates.append(make_leaf(f"n{index}", cns=[f"n{index}.node.good.cluster.1.account"]))
        elif kind == 1:
            certificates += [make_leaf(f"n{index}", cns=[f"n{index}.node.bad.cluster.2.account"]), intermediate, ca]
        elif kind == 2:
            certificates.append(ca)  # a CA after a leaf's chain, or on its own
        elif kind == 3:
            certificates.append(make_leaf(f"n{index}", dns=[f"n{index}.node.regex.example"]))
        elif kind == 4:
            certificates += [named_ca, ca]
        elif kind == 5:
            certificates.append(make_leaf(f"n{index}", other_names=[("2.5.4.3", explicit0(utf8_value("wrapped")))]))
        elif kind == 6:
            certificates.append(make_leaf(f"n{index}", eku=None))  # no names at all
        elif kind == 7:
            certificates.append(make_leaf(f"n{index}", cns=["Zürich \"quoted\".node.good.cluster.1.account"]))
        else:
            certificates += [ca, make_leaf(f"n{index}", cns=[f"n{index}.node.good.cluster.1.account"])]
    return certificates


def _bundle_text(certificates, *, decorate: bool) -> bytes:
    parts = []
    for index, certificate in enumerate(certificates):
        if decorate and index % 7 == 3:
            parts.append(b"Bag Attributes\n    friendlyName: node\nsubject=/CN=node\n")
        if decorate and index % 11 == 5:
            parts.append(key_pem())
        parts.append(pem(certificate))
    return b"".join(parts)


def test_admissions_with_expiry_or_name_warnings_are_reported_whatever_the_path(tmp_path, tiny_units, monkeypatch):
    """The default report counts plain admissions without building their verdicts
    (RestrictionChecker.check_quietly): an admitted certificate that is expired, not yet
    valid or expiring, or whose names carry a warning, must still be reported as the
    sequential pass reports it."""
    monkeypatch.setitem(EXPIRES_WITHIN, "window", dt.timedelta(days=30))
    monkeypatch.setattr(audit_module, "SLICE_BYTES", 9000)  # most certificates settled inside a slice
    good = "{}.node.good.cluster.1.account"
    certificates = []
    for index in range(24):
        kind = index % 6
        if kind == 0:
            certificates.append(make_leaf(f"e{index}", cns=[good.format(index)], not_before=NOW - dt.timedelta(days=9),
                                          not_after=NOW - dt.timedelta(days=2)))  # expired
        elif kind == 1:
            certificates.append(make_leaf(f"f{index}", cns=[good.format(index)], not_before=NOW + dt.timedelta(days=2)))
        elif kind == 2:
            certificates.append(make_leaf(f"s{index}", cns=[good.format(index)], not_after=NOW + dt.timedelta(days=5)))
        elif kind == 3:  # a name Elasticsearch cannot decode beside one it admits: a warning
            certificates.append(make_leaf(f"w{index}", cns=[good.format(index)],
                                          other_names=[("2.5.4.3", b"\x02\x01\x05")]))  # an INTEGER
        else:
            certificates.append(make_leaf(f"p{index}", cns=[good.format(index)]))
    bundle = tmp_path / "expiry.pem"
    bundle.write_bytes(b"".join(pem(c) for c in certificates))
    quiet = parallel([str(bundle)], HumanReport(show_all=False), False, 2)
    assert any(kind == "warn" and "expired" in text for kind, text in quiet[0])
    assert any(kind == "warn" and "expires soon" in text for kind, text in quiet[0])
    assert any(kind == "warn" and "not a string type" in text for kind, text in quiet[0]), quiet[0]
    assert_same([str(bundle)])


@pytest.mark.parametrize("slice_bytes", [1500, 2600, 9000])
def test_big_bundle_same_report(tmp_path, tiny_units, monkeypatch, slice_bytes):
    monkeypatch.setattr(audit_module, "SLICE_BYTES", slice_bytes)
    bundle = tmp_path / "bundle.pem"
    bundle.write_bytes(_bundle_text(_mixed_certificates(60), decorate=True))
    assert_same([str(bundle)])


def test_bundle_of_plain_certificates_takes_the_fast_cut(tmp_path, tiny_units):
    bundle = tmp_path / "plain.pem"
    bundle.write_bytes(_bundle_text(_mixed_certificates(40), decorate=False))
    assert_same([str(bundle)])


@pytest.mark.parametrize("position", [0, 1, 17, 18, 40, -1])
def test_corrupted_block_same_error_and_same_report_before_it(tmp_path, tiny_units, position):
    certificates = [make_leaf(f"n{i}", cns=[f"n{i}.node.{'good' if i % 3 else 'bad'}.cluster.1.account"])
                    for i in range(45)]
    blocks = [pem(c) for c in certificates]
    index = position % len(blocks)
    lines = blocks[index].split(b"\n")
    lines[3] = b"!!!!" + lines[3][4:-8] + b"AAAA"  # base64 that decodes to broken DER
    blocks[index] = b"\n".join(lines)
    bundle = tmp_path / "corrupted.pem"
    bundle.write_bytes(b"".join(blocks))
    line = 1 + sum(block.count(b"\n") for block in blocks[:index])
    assert_same([str(bundle)], expect_error=f"certificate block {index + 1} (line {line}) is corrupted")


def test_truncated_bundle_same_error(tmp_path, tiny_units):
    text = _bundle_text(_mixed_certificates(30), decorate=False)
    bundle = tmp_path / "truncated.pem"
    bundle.write_bytes(text[: len(text) - 200])
    assert_same([str(bundle)], expect_error="has no END line")


def test_folder_batches_same_report(tmp_path, tiny_units):
    folder = tmp_path / "certs"
    for index, certificate in enumerate(_mixed_certificates(25)):
        sub = folder / f"group{index % 3}"
        sub.mkdir(parents=True, exist_ok=True)
        (sub / f"cert{index:02d}.pem").write_bytes(pem(certificate))
        if index % 4 == 0:
            (sub / f"cert{index:02d}.key").write_bytes(key_pem())
    (folder / "empty.txt").write_bytes(b"")
    (folder / "chain.pem").write_bytes(_bundle_text(_mixed_certificates(12), decorate=True))
    assert_same([str(folder)])


def test_pkcs12_needing_a_password_is_read_by_the_parent(tmp_path, tiny_units):
    folder = tmp_path / "stores"
    folder.mkdir()
    ca, ca_key = make_ca("Store CA")
    for index in range(8):
        leaf = make_leaf(f"s{index}", cns=[f"s{index}.node.good.cluster.1.account"], issuer=(ca, ca_key))
        data = pkcs12.serialize_key_and_certificates(
            b"node", _KEY, leaf, [ca], serialization.BestAvailableEncryption(b"secret"))
        (folder / f"s{index}.p12").write_bytes(data)
    asked: list[int] = []

    def password() -> str:
        asked.append(1)
        return "secret"

    assert_same([str(folder)], password=password)


def test_empty_folder_after_a_bundle_same_error(tmp_path, tiny_units):
    bundle = tmp_path / "bundle.pem"
    bundle.write_bytes(_bundle_text(_mixed_certificates(20), decorate=False))
    empty = tmp_path / "empty"
    empty.mkdir()
    assert_same([str(bundle), str(empty)], expect_error="no certificates found in the folder")


def test_same_bundle_twice_and_small_files(tmp_path, tiny_units):
    bundle = tmp_path / "bundle.pem"
    bundle.write_bytes(_bundle_text(_mixed_certificates(20), decorate=False))
    single = tmp_path / "single.pem"
    single.write_bytes(pem(make_leaf("one", cns=["one.node.good.cluster.1.account"])))
    assert_same([str(bundle), str(single), str(bundle)])


def test_json_renderer_is_json_dumps_of_the_verdict(tmp_path):
    ca, ca_key = make_ca("Render CA")
    certificates = _mixed_certificates(12) + [
        make_leaf("unicode", cns=["ünï\u2028cöde\"\\.node.good.cluster.1.account", "second"], dns=["d.example"]),
        make_leaf("chained", cns=["c.node.bad.cluster.1.account"], issuer=(ca, ca_key)),
    ]
    bundle = tmp_path / "render.pem"
    bundle.write_bytes(pem(*certificates))
    restrictions = parse_restrictions(TRUST, "trust.yml")
    for fields in (FIELDS, (OTHERNAME_COMMON_NAME,), (DNS_NAME,)):
        for anchors in ((), (ca,)):
            judge = RestrictionChecker(restrictions, fields, anchors=anchors, record_matches=True)
            renderer = JsonReport(fields)
            for verdict in judge.check_items(iter_certificates([str(bundle)])):
                if verdict.skipped:
                    continue
                expected = ",\n    " + json.dumps(verdict.to_json(fields), ensure_ascii=False)
                assert renderer.render(verdict) == expected


def test_cli_report_identical_with_one_and_two_jobs(tmp_path, cli, monkeypatch):
    monkeypatch.setattr(audit_module, "SLICE_BYTES", 4000)
    monkeypatch.setattr(audit_module, "SLICED_FILE_BYTES", 8000)
    trust = tmp_path / "trust.yml"
    trust.write_bytes(TRUST)
    bundle = tmp_path / "bundle.pem"
    bundle.write_bytes(_bundle_text(_mixed_certificates(40), decorate=True))
    for extra in ((), ("--json",), ("--all",)):
        one = cli("restrictions", "check", str(trust), str(bundle), "--jobs", "1", *extra)
        two = cli("restrictions", "check", str(trust), str(bundle), "--jobs", "2", *extra)
        assert one.exit_code == two.exit_code == 1
        assert one.stdout == two.stdout and one.stderr == two.stderr
        if extra == ("--json",):
            document = json.loads(two.stdout)
            assert document["summary"]["rejected"] > 0 and len(document["certificates"]) > 20


def _other_block(label: str, size: int) -> bytes:
    body = b"QUJD" * (size // 4)
    lines = [body[i:i + 64] for i in range(0, len(body), 64)]
    return b"-----BEGIN " + label.encode() + b"-----\n" + b"\n".join(lines) + b"\n-----END " + label.encode() + b"-----\n"


def test_block_longer_than_a_slice_falls_back_without_error(tmp_path, tiny_units):
    certificates = _mixed_certificates(30)
    text = (_bundle_text(certificates[:20], decorate=False) + _other_block("X509 CRL", 100_000)
            + _bundle_text(certificates[20:], decorate=False) + _other_block("PRIVATE KEY", 5000))
    bundle = tmp_path / "crl-inside.pem"
    bundle.write_bytes(text)
    assert_same([str(bundle), str(bundle)])


def test_bundle_ending_with_other_blocks_hands_on_its_last_certificate(tmp_path, tiny_units):
    text = _bundle_text(_mixed_certificates(20), decorate=False) + b"".join(key_pem() for _ in range(12))
    bundle = tmp_path / "keys-at-the-end.pem"
    bundle.write_bytes(text)
    assert_same([str(bundle)])


def test_big_file_with_one_certificate_keeps_its_plain_label(tmp_path, tiny_units):
    text = pem(make_leaf("only", cns=["only.node.bad.cluster.1.account"])) + b"".join(key_pem() for _ in range(20))
    bundle = tmp_path / "one.pem"
    bundle.write_bytes(text)
    assert_same([str(bundle)])
    events, _, _ = parallel([str(bundle)], HumanReport(False), False, 2)
    assert ("out", f"REJECTED  {bundle}\n") == ("out", events[0][1].splitlines(keepends=True)[0])


def test_missing_source_after_a_bundle_same_error(tmp_path, tiny_units):
    bundle = tmp_path / "bundle.pem"
    bundle.write_bytes(_bundle_text(_mixed_certificates(20), decorate=False))
    assert_same([str(bundle), str(tmp_path / "missing.pem")], expect_error="does not exist")


def test_progress_counts_every_certificate(tmp_path, tiny_units):
    bundle = tmp_path / "bundle.pem"
    bundle.write_bytes(_bundle_text(_mixed_certificates(30), decorate=True))
    folder = tmp_path / "folder"
    folder.mkdir()
    for index in range(7):
        (folder / f"{index}.pem").write_bytes(pem(make_leaf(f"f{index}", cns=[f"f{index}.node.good.cluster.1.account"])))
    calls: list[tuple[int, int]] = []
    run = Audit(checker(False), [str(bundle), str(folder)], HumanReport(False), jobs=2,
                on_progress=lambda done, size: calls.append((done, size)))
    list(run)
    assert calls == sorted(calls) and len(calls) > 5
    total = run.admitted + run.rejected + len(run.skipped)
    assert calls[-1][0] == total
    assert calls[-1][1] == bundle.stat().st_size + sum(f.stat().st_size for f in folder.iterdir())


def test_workers_started_without_fork_rebuild_the_same_judge(tmp_path, tiny_units, monkeypatch):
    """A process with threads gets a fork server: workers compile the patterns themselves."""
    import multiprocessing

    from certkit import _workers
    monkeypatch.setattr(_workers, "pool_context", lambda preload=(): multiprocessing.get_context("spawn"))
    bundle = tmp_path / "bundle.pem"
    bundle.write_bytes(_bundle_text(_mixed_certificates(20), decorate=True))
    renderer = JsonReport(FIELDS)
    assert parallel([str(bundle)], renderer, True, 2) == sequential([str(bundle)], renderer, True)


@pytest.mark.parametrize("slice_bytes", [1500, 2600, 9000])
def test_a_begin_line_glued_to_text_is_text_in_every_slice(tmp_path, tiny_units, monkeypatch, slice_bytes):
    """A "-----BEGIN CERTIFICATE-----" that does not start a line is text to the PEM reader
    (as to OpenSSL's): the slices, cut with a split when they hold only plain blocks, must
    not read it as a certificate either, wherever the cut falls."""
    monkeypatch.setattr(audit_module, "SLICE_BYTES", slice_bytes)
    monkeypatch.setattr(audit_module, "SLICED_FILE_BYTES", 2 * slice_bytes)
    blocks = [pem(c) for c in _mixed_certificates(30)]
    for index in (4, 11, 12, 20):
        blocks[index] = b"glued text " + blocks[index]
    blocks[25] = blocks[24].rstrip(b"\n") + blocks[25]  # right after an END, on its line
    bundle = tmp_path / "glued.pem"
    bundle.write_bytes(b"".join(blocks))
    assert_same([str(bundle)])
