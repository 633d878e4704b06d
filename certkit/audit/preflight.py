"""Preflight: what Elasticsearch checks at start-up and at the handshake, both directions.

Given the local nodes (their transport settings and the files those name), and the remote
side (the CAs that signed its nodes, the CAs and trust restrictions it judges ours with, or
a Cloud deployment's trust JSON, and its node certificates when at hand), :func:`run_preflight`
answers one :class:`Check` per question, ``ok`` / ``warning`` / ``FAIL`` / ``skipped``.
Every judgement is certkit's one model of it: :mod:`certkit.wire.ssl_settings` (settings
load), :mod:`certkit.keystores` (PKCS#12), :func:`certkit.jdk.pkix.verify_chain` (chains),
:class:`certkit.audit.RestrictionChecker` (trust restrictions), :mod:`certkit.wire.cloud`
(the Cloud trust JSON).

A check judges only its own question: a chain is verified at an instant inside the
certificates' validity (expiry is the ``expiry`` check's), and a node whose issued names
differ from the plan is left to the ``names`` check by the restriction checks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from certkit.errors import CertkitError, InputError
from certkit.model import Instance

OK, WARNING, FAIL, SKIPPED = "ok", "warning", "FAIL", "skipped"
#: The public names of the statuses a caller tests for.
CHECK_FAILED, CHECK_SKIPPED = FAIL, SKIPPED
TRANSPORT = "xpack.security.transport.ssl"


@dataclass(frozen=True)
class Check:
    """One line of the report: which question, the answer, why, and how to fix it."""

    id: str
    title: str
    status: str
    reason: str = ""
    fix: str = ""

    def to_json(self) -> dict[str, str]:
        return {"id": self.id, "title": self.title, "status": self.status, "reason": self.reason, "fix": self.fix}


@dataclass(frozen=True)
class LocalNode:
    """One local node: its name, its flat elasticsearch.yml settings, its config folder."""

    name: str
    settings: dict[str, Any]
    config_dir: Path


@dataclass
class RemoteSide:
    """The other cluster, as far as it is known."""

    signing_cas: list[x509.Certificate] = field(default_factory=list)  # signed its nodes: ours must trust them
    trusted_cas: list[x509.Certificate] = field(default_factory=list)  # what it trusts: our nodes must chain to them
    restrictions: Any = None  # TrustRestrictions it judges our nodes with
    nodes: list[x509.Certificate] = field(default_factory=list)
    cloud: bool = False


@dataclass
class LoadedNode:
    """What one local node's files hold, and what went wrong reading them."""

    node: LocalNode
    leaf: x509.Certificate | None = None
    chain: list[x509.Certificate] = field(default_factory=list)
    key: Any = None
    anchors: list[x509.Certificate] = field(default_factory=list)
    restrictions: Any = None
    file_problems: list[str] = field(default_factory=list)
    key_problem: str | None = None
    jdk: int | None = None  # the feature release of the target's bundled JDK


def _path(node: LocalNode, value: str) -> Path:
    given = Path(value)
    return given if given.is_absolute() else node.config_dir / given


def _read(node: LocalNode, value: str, loaded: LoadedNode, what: str) -> bytes | None:
    from certkit.io import read_bounded

    try:
        return read_bounded(_path(node, value), what)
    except CertkitError as exc:
        loaded.file_problems.append(f"{node.name}: {exc.explain(lambda name: name)[0]}")
        return None


def _pkcs12(node: LocalNode, value: str, passwords: Sequence[str], loaded: LoadedNode, what: str):
    from certkit.keystores import load_pkcs12
    from certkit.wire import keystore_type

    if keystore_type(value) != "PKCS12":
        loaded.file_problems.append(f"{node.name}: {what} {value} is read as a jks keystore (by its name); "
                                    "certkit checks PKCS#12 (.p12) and PEM files")
        return None
    data = _read(node, value, loaded, what)
    if data is None:
        return None
    from certkit.keystores import password_problem

    last: CertkitError | None = None
    for password in passwords:
        try:
            store = load_pkcs12(data, password, source=str(_path(node, value)))
        except CertkitError as exc:
            last = exc
            continue
        # certkit opened it; the target's JDK may not (non-ASCII passwords before JDK 25)
        problem = password_problem(password, loaded.jdk, legacy_ciphers=False)
        if problem:
            loaded.file_problems.append(f"{node.name}: {what} {value}: {problem}")
        return store
    loaded.file_problems.append(f"{node.name}: {what} {value}: {last.explain(lambda name: name)[0] if last else ''}")
    return None


def _pem_certificates(node: LocalNode, value: str, loaded: LoadedNode, what: str) -> list[x509.Certificate]:
    from certkit.io import load_certificates

    data = _read(node, value, loaded, what)
    if data is None:
        return []
    try:
        return load_certificates(data, str(_path(node, value)))
    except CertkitError as exc:
        loaded.file_problems.append(f"{node.name}: {exc.explain(lambda name: name)[0]}")
        return []


def load_node(node: LocalNode, password: str | None, lucene: tuple[int, int], jdk: int | None = None) -> LoadedNode:
    """Read every file the node's transport settings name, as Elasticsearch would open them."""
    from certkit.audit.trust_file import load_restrictions
    from certkit.patterns import compiling_for
    from certkit.wire import context_of

    loaded = LoadedNode(node, jdk=jdk)
    context = context_of(TRANSPORT, node.settings)
    passwords = [password] if password is not None else [""]
    keystore = context.text("keystore.path")
    if keystore is not None:
        store = _pkcs12(node, keystore, passwords, loaded, "keystore.path")
        if store is not None and store.certificate is not None:
            loaded.leaf, loaded.chain, loaded.key = store.certificate.certificate, list(store.chain[1:]), store.key
            loaded.key_problem = store.key_problem
    elif context.text("certificate") is not None:
        certificates = _pem_certificates(node, context.text("certificate") or "", loaded, "certificate")
        if certificates:
            loaded.leaf, loaded.chain = certificates[0], certificates[1:]
        key_data = _read(node, context.text("key") or "", loaded, "key") if context.text("key") else None
        if key_data is not None:
            try:
                loaded.key = serialization.load_pem_private_key(
                    key_data, password.encode("utf-8") if password and b"ENCRYPTED" in key_data else None)
            except (ValueError, TypeError) as exc:
                loaded.file_problems.append(f"{node.name}: key {context.text('key')}: {exc}")
    for ca in context.listed("certificate_authorities") or []:
        loaded.anchors += _pem_certificates(node, ca, loaded, "certificate_authorities")
    truststore = context.text("truststore.path")
    if truststore is not None:
        store = _pkcs12(node, truststore, list(dict.fromkeys(["", *passwords])), loaded, "truststore.path")
        if store is not None:
            loaded.anchors += [item.certificate for item in store.trusted]
    restrictions = context.text("trust_restrictions.path")
    if restrictions is not None:
        try:
            with compiling_for(lucene):
                loaded.restrictions = load_restrictions(_path(node, restrictions))
        except CertkitError as exc:
            loaded.file_problems.append(f"{node.name}: {exc.explain(lambda name: name)[0]}")
    return loaded


def cloud_trust_side(data: bytes, source: str, lucene: tuple[int, int]) -> tuple[list[x509.Certificate], Any]:
    """What a Cloud deployment's trust JSON trusts: its direct entries' CA certificates, and
    the trust restrictions Cloud derives from them (``trust_all`` with a scope: every cluster
    of the scope; ``trust_allowlist``: those clusters; ``additional_node_names``: exact names)."""
    from certkit.audit.trust_file import cluster_pattern, parse_restrictions, render_restrictions, scope_pattern
    from certkit.io import load_certificates
    from certkit.patterns import compiling_for
    from certkit.wire import load_trust_document

    trust = load_trust_document(data, source)
    cas: list[x509.Certificate] = []
    patterns: list[Any] = []
    for index, entry in enumerate(trust.get("direct") or []):
        where = f"{source}: direct[{index}]"
        for item in entry.get("certificates") or []:
            cas += load_certificates(str(item.get("pem", "")).encode("utf-8"), where)
        scope = entry.get("scope_id")
        if entry.get("trust_all") and scope:
            patterns.append(scope_pattern(scope))
        for cluster in entry.get("trust_allowlist") or []:
            if scope:
                patterns.append(cluster_pattern(cluster, scope))
        patterns += [str(name) for name in entry.get("additional_node_names") or []]
    if not cas:
        raise InputError(f"{source} has no direct trust entry with certificates: it trusts no self-managed CA")
    with compiling_for(lucene):
        restrictions = parse_restrictions(render_restrictions(patterns), f"{source}.yml") if patterns else None
    return cas, restrictions


def plan_nodes(plan: Sequence[Instance], bundle: Path, *, cas: Sequence[Path], restrictions: Path | None) -> list[LocalNode]:
    """The local nodes of a certkit plan and its bundle folder (``certkit cert --out DIR``),
    with the settings ``certkit wire yml`` writes for them: each node's ``.p12`` (or ``.crt``
    + ``.key``), the bundle's ``ca/ca.crt`` and ``cas`` as certificate_authorities."""
    nodes = []
    # absolute: the config folder of these nodes is the bundle, and the paths were given from here
    trusted = [str(path.resolve()) for path in ([bundle / "ca" / "ca.crt"] if (bundle / "ca" / "ca.crt").is_file()
                                                else []) + list(cas)]
    restrictions = restrictions.resolve() if restrictions is not None else None
    for instance in plan:
        folder = bundle / instance.filename
        settings: dict[str, Any] = {f"{TRANSPORT}.enabled": True, f"{TRANSPORT}.verification_mode": "certificate"}
        if (folder / f"{instance.filename}.p12").is_file() or not (folder / f"{instance.filename}.crt").is_file():
            settings[f"{TRANSPORT}.keystore.path"] = f"{instance.filename}/{instance.filename}.p12"
        else:
            settings[f"{TRANSPORT}.certificate"] = f"{instance.filename}/{instance.filename}.crt"
            settings[f"{TRANSPORT}.key"] = f"{instance.filename}/{instance.filename}.key"
        settings[f"{TRANSPORT}.certificate_authorities"] = trusted
        if restrictions is not None:
            settings[f"{TRANSPORT}.trust_restrictions.path"] = str(restrictions)
        nodes.append(LocalNode(instance.name, settings, bundle))
    return nodes


def flat_settings(tree: Any, source: str) -> dict[str, Any]:
    """elasticsearch.yml as Elasticsearch flattens it: nested maps joined with dots."""
    flat: dict[str, Any] = {}

    def walk(value: Any, prefix: str) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(inner, f"{prefix}.{key}" if prefix else str(key))
        else:
            flat[prefix] = value

    if not isinstance(tree, dict):
        raise InputError(f"{source} is not a settings file (a mapping of settings)")
    walk(tree, "")
    return flat
