"""The preflight checks, one function each (see :mod:`certkit.audit.preflight` for the inputs).

Each takes the loaded local nodes and the remote side and returns one
:class:`~certkit.audit.preflight.Check`; :func:`run_preflight` runs them in the order a
node meets them: settings load, files open, key and certificate, planned names, expiry,
then the handshake in both directions (chains, trust restrictions, outsiders, host name).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from certkit.audit.expiry import EXPIRED, EXPIRING, NOT_YET_VALID, expiry_state
from certkit.audit.preflight import FAIL, OK, SKIPPED, WARNING, Check, LoadedNode, LocalNode, RemoteSide, load_node
from certkit.model import Instance
from certkit.targets import EsTarget

FIELDS_DEFAULT = ("subjectAltName.otherName.commonName",)


@dataclass
class PreflightRun:
    loaded: list[LoadedNode]
    remote: RemoteSide
    plan: list[Instance] | None
    target: EsTarget
    now: dt.datetime
    expires_within: dt.timedelta
    server_name: str | None
    names_differ: set[str]


def _first(problems: Sequence[str], limit: int = 3) -> str:
    shown = "; ".join(problems[:limit])
    return shown + (f"; … {len(problems) - limit} more" if len(problems) > limit else "")


def _verdict(check_id: str, title: str, problems: Sequence[str], fix: str, warnings: Sequence[str] = ()) -> Check:
    if problems:
        return Check(check_id, title, FAIL, _first(problems), fix)
    if warnings:
        return Check(check_id, title, WARNING, _first(warnings), fix)
    return Check(check_id, title, OK)


def check_settings(run: PreflightRun) -> Check:
    from certkit.wire import node_problems

    problems = [f"{item.node.name}: {problem}" for item in run.loaded
                for found in node_problems(item.node.settings).values() for problem in found]
    return _verdict("settings", "settings load", problems,
                    "certkit wire yml writes a layout Elasticsearch loads (docs/wire.md)")


def check_files(run: PreflightRun) -> Check:
    problems = [problem for item in run.loaded for problem in item.file_problems]
    problems += [f"{item.node.name}: names no certificate (keystore.path or certificate)"
                 for item in run.loaded if item.leaf is None and not item.file_problems]
    return _verdict("files", "files readable, in formats Elasticsearch reads", problems,
                    "give the right password (--pass-file) or re-issue the files with certkit cert")


def check_key(run: PreflightRun) -> Check:
    problems = []
    for item in run.loaded:
        if item.leaf is None:
            continue
        if item.key is None:
            problems.append(f"{item.node.name}: {item.key_problem or 'no private key'}")
        elif item.key.public_key() != item.leaf.public_key():
            problems.append(f"{item.node.name}: the key does not belong to the certificate "
                            f"{item.leaf.subject.rfc4514_string()}")
    return _verdict("key", "key matches certificate", problems, "pair each certificate with the key it was issued for")


def _issued_names(certificate: x509.Certificate, jdk: int) -> tuple[set[str], set[str], set[str]]:
    from certkit.jdk import read_names

    names = read_names(certificate.public_bytes(serialization.Encoding.DER), jdk)
    return set(names.other_name_cns), {d.lower() for d in names.dns_names}, set(names.ip_addresses)


def check_names(run: PreflightRun) -> Check:
    if run.plan is None:
        return Check("names", "names planned = names issued", SKIPPED, "no plan given", "add --in instances.yml")
    planned = {instance.name: instance for instance in run.plan}
    planned.update({instance.filename: instance for instance in run.plan})
    problems = []
    for item in run.loaded:
        instance = planned.get(item.node.name)
        if item.leaf is None or instance is None:
            if instance is None:
                problems.append(f"{item.node.name}: not in the plan")
            continue
        cns, dns, ips = _issued_names(item.leaf, run.target.jdk)
        for kind, want, have in (("otherName", set(instance.cn), cns), ("DNS", {d.lower() for d in instance.dns}, dns),
                                 ("IP", set(instance.ip), ips)):
            if want != have:
                missing, extra = sorted(want - have), sorted(have - want)
                problems.append(f"{item.node.name}: {kind} names " + ", ".join(
                    part for part in (f"missing {missing}" if missing else "", f"unplanned {extra}" if extra else "")
                    if part))
                run.names_differ.add(item.node.name)
    return _verdict("names", "names planned = names issued", problems,
                    "re-issue the node from the plan (certkit cert --in instances.yml)")


def _validity_problems(label: str, certificate: x509.Certificate, run: PreflightRun) -> tuple[list[str], list[str]]:
    state = expiry_state(certificate, run.now, run.expires_within)  # the JDK's comparisons, as check's
    if state == EXPIRED:
        return [f"{label} expired on {certificate.not_valid_after_utc:%Y-%m-%d}"], []
    if state == NOT_YET_VALID:
        return [f"{label} is not valid before {certificate.not_valid_before_utc:%Y-%m-%d}"], []
    if state == EXPIRING:
        return [], [f"{label} expires on {certificate.not_valid_after_utc:%Y-%m-%d}"]
    return [], []


def check_expiry(run: PreflightRun) -> Check:
    problems: list[str] = []
    warnings: list[str] = []
    labelled = [(f"{item.node.name}'s certificate", item.leaf) for item in run.loaded if item.leaf is not None]
    labelled += [(f"CA {ca.subject.rfc4514_string()}", ca) for ca in _unique(
        [c for item in run.loaded for c in (*item.chain, *item.anchors)] + run.remote.trusted_cas + run.remote.signing_cas)]
    labelled += [(f"remote node {node.subject.rfc4514_string()}", node) for node in run.remote.nodes]
    for label, certificate in labelled:
        failed, warned = _validity_problems(label, certificate, run)
        problems += failed
        warnings += warned
    window = run.expires_within
    span = f"{window.days} more days" if window.days and not window.seconds else f"{window.total_seconds() / 3600:g} more hours"
    return _verdict("expiry", f"valid now and for {span}", problems,
                    "renew before it expires: certkit cert with the same plan", warnings)


def _unique(certificates: Sequence[x509.Certificate]) -> list[x509.Certificate]:
    seen: list[x509.Certificate] = []
    for certificate in certificates:
        if certificate not in seen:
            seen.append(certificate)
    return seen


def _instant_inside(certificates: Sequence[x509.Certificate], now: dt.datetime) -> dt.datetime:
    """``now``, or the nearest instant at which every certificate is valid (expiry is its own check)."""
    start = max(c.not_valid_before_utc for c in certificates)
    end = min(c.not_valid_after_utc for c in certificates)
    if start <= now <= end or start > end:
        return now
    return end if now > end else start


def _chain_problem(leaf: x509.Certificate, chain: Sequence[x509.Certificate], anchors: Sequence[x509.Certificate],
                   run: PreflightRun) -> str | None:
    from certkit.jdk import verify_chain

    when = _instant_inside([leaf, *chain, *anchors], run.now)
    return verify_chain(leaf, list(chain), list(anchors), when, run.target.jdk)


def check_chain_out(run: PreflightRun) -> Check:
    title = ("the Cloud trust JSON's CA signed our nodes" if run.remote.cloud
             else "our nodes chain to the CA the remote side trusts")
    if not run.remote.trusted_cas:
        return Check("chain-out", title, SKIPPED, "what the remote side trusts is not known",
                     "add --remote-trusted-ca CA.pem or --cloud-trust trust.json")
    problems = []
    for item in run.loaded:
        if item.leaf is not None:
            problem = _chain_problem(item.leaf, item.chain, run.remote.trusted_cas, run)
            if problem:
                problems.append(f"{item.node.name}: {problem}")
    return _verdict("chain-out", title, problems,
                    "give the remote side the CA that signed these nodes (cloud trust --ca, or its certificate_authorities)")


def check_chain_in(run: PreflightRun) -> Check:
    title = "the remote nodes chain to the CAs we trust"
    problems = []
    for item in run.loaded:
        if run.remote.nodes:
            for node in run.remote.nodes:
                problem = _chain_problem(node, [], item.anchors, run)
                if problem:
                    problems.append(f"{item.node.name} refuses {node.subject.rfc4514_string()}: {problem}")
        else:
            missing = [ca.subject.rfc4514_string() for ca in run.remote.signing_cas if ca not in item.anchors]
            problems += [f"{item.node.name} does not trust the remote CA {name}" for name in missing]
    if not run.remote.nodes and not run.remote.signing_cas:
        return Check("chain-in", title, SKIPPED, "the remote CA is not known", "add --remote-ca CA.pem")
    return _verdict("chain-in", title, problems,
                    "add the remote CA to certificate_authorities (or the trust store: wire yml --truststore-ca)")


def _admitted(restrictions: Any, certificate: x509.Certificate, run: PreflightRun):
    from certkit.audit.checker import RestrictionChecker
    from certkit.io import CertificateItem

    der = certificate.public_bytes(serialization.Encoding.DER)
    checker = RestrictionChecker(restrictions, FIELDS_DEFAULT, record_matches=False, jdk=run.target.jdk)
    return checker.check(CertificateItem("node", der, certificate, "node"))


def check_admitted_out(run: PreflightRun) -> Check:
    title = "the remote side's trust restrictions admit our nodes"
    if run.remote.restrictions is None:
        return Check("admitted-out", title, SKIPPED, "the remote trust restrictions are not known",
                     "add --remote-restrictions trust.yml or --cloud-trust trust.json")
    problems = []
    for item in run.loaded:
        if item.leaf is None or item.node.name in run.names_differ:
            continue  # the names check speaks for a node issued with other names
        verdict = _admitted(run.remote.restrictions, item.leaf, run)
        if not verdict.admitted:
            problems.append(f"{item.node.name}: {verdict.reason}")
    return _verdict("admitted-out", title, problems,
                    "issue the nodes with the names the remote side trusts, or add a pattern there")


def check_admitted_in(run: PreflightRun) -> Check:
    title = "our trust restrictions admit the remote nodes"
    if not run.remote.nodes:
        return Check("admitted-in", title, SKIPPED, "no remote node certificate given", "add --remote-cert NODE.crt")
    problems = []
    unrestricted = []
    for item in run.loaded:
        if item.restrictions is None:
            # Elasticsearch admits them (the connection works), but so would it every node a shared CA signed
            unrestricted.append(f"{item.node.name}: no trust_restrictions.path: every node its CAs signed gets in")
            continue
        for node in run.remote.nodes:
            verdict = _admitted(item.restrictions, node, run)
            if not verdict.admitted:
                problems.append(f"{item.node.name}: {verdict.reason}")
    return _verdict("admitted-in", title, problems,
                    "add the remote cluster's pattern: certkit restrictions generate --cluster ID@SCOPE", unrestricted)


def _other(text: str) -> str:
    """A different id of the same length and alphabet class (digits stay digits)."""
    filler = "0" if text.isdigit() else "z"
    return filler * len(text) if text != filler * len(text) else ("1" if text.isdigit() else "y") * len(text)


def outsider_names(names: Sequence[str]) -> list[str]:
    """Names no restriction should admit: for each Cloud-style name, a node of another
    cluster in another scope; and a stranger's name."""
    outsiders = ["outsider.example.invalid"]
    for name in names:
        parts = name.split(".")
        if len(parts) == 6 and parts[1] == "node" and parts[3] == "cluster" and parts[5] == "account":
            outsiders.append(f"{parts[0]}.node.{_other(parts[2])}.cluster.{_other(parts[4])}.account")
    return list(dict.fromkeys(outsiders))


def _outsider_check(check_id: str, title: str, restrictions: Any, names: Sequence[str]) -> Check:
    if restrictions is None:
        return Check(check_id, title, SKIPPED, "no trust restrictions to judge with")
    admitted = [name for name in outsider_names(names) if restrictions.compiled.first_match(name) is not None]
    if admitted:
        return Check(check_id, title, FAIL, f"an outsider gets in: {_first(admitted)}",
                     "narrow the pattern (certkit restrictions lint says which one)")
    return Check(check_id, title, OK)


def check_outsiders(run: PreflightRun) -> list[Check]:
    our_names = [n for item in run.loaded if item.leaf is not None
                 for n in sorted(_issued_names(item.leaf, run.target.jdk)[0])]
    remote_names = [n for node in run.remote.nodes for n in sorted(_issued_names(node, run.target.jdk)[0])]
    local_restrictions = next((item.restrictions for item in run.loaded if item.restrictions is not None), None)
    return [
        _outsider_check("outsider-out", "the remote side's trust restrictions refuse an outsider",
                        run.remote.restrictions, our_names),
        _outsider_check("outsider-in", "our trust restrictions refuse an outsider", local_restrictions,
                        remote_names or our_names),
    ]


def check_server_name(run: PreflightRun) -> Check:
    title = "the remote nodes' certificates carry the server_name"
    if run.server_name is None:
        return Check("server-name", title, SKIPPED, "no --server-name given")
    if not run.remote.nodes:
        return Check("server-name", title, SKIPPED, "no remote node certificate given", "add --remote-cert NODE.crt")
    wanted = run.server_name.lower()
    problems = []
    for node in run.remote.nodes:
        dns = _issued_names(node, run.target.jdk)[1]
        if not any(name == wanted or (name.startswith("*.") and wanted.split(".", 1)[-1] == name[2:]) for name in dns):
            problems.append(f"{node.subject.rfc4514_string()} has DNS names {sorted(dns)}, not {run.server_name}")
    return _verdict("server-name", title, problems,
                    "use a server_name the certificate names (or verification_mode certificate)")


def run_preflight(nodes: Sequence[LocalNode], remote: RemoteSide, *, target: EsTarget, password: str | None = None,
                  plan: list[Instance] | None = None, now: dt.datetime | None = None,
                  expires_within: dt.timedelta = dt.timedelta(days=30), server_name: str | None = None) -> list[Check]:
    """Every check, in order (see the module docstring)."""
    run = PreflightRun([load_node(node, password, target.lucene, target.jdk) for node in nodes], remote, plan, target,
                       now or dt.datetime.now(dt.UTC), expires_within, server_name, set())
    checks = [check_settings(run), check_files(run), check_key(run), check_names(run), check_expiry(run),
              check_chain_out(run), check_chain_in(run), check_admitted_out(run), check_admitted_in(run)]
    checks += check_outsiders(run)
    checks.append(check_server_name(run))
    return checks
