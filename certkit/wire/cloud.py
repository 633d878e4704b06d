"""Elastic Cloud / ECE trust payloads: the direct trust relationship and the ``trust`` object.

A deployment's Elasticsearch payload carries ``settings.trust`` with three lists,
``accounts``, ``external`` and ``direct`` (docs/reference.md §7). A *direct* trust relationship
bundles the CA certificate(s) of another environment (a self-managed cluster, say) with
the rules that say which of its nodes are trusted: a ``scope_id`` plus ``trust_all`` or a
``trust_allowlist`` of cluster ids (nodes named the Cloud way,
``<node>.node.<cluster>.cluster.<scope>.account``), and/or exact ``additional_node_names``.

There is no dedicated trust endpoint: the whole ``trust`` object is sent with
``PUT /api/v1/deployments/{id}``. So :func:`merge_direct_trust` takes the object read back
from the API and adds or replaces one direct entry by name, keeping its ``uid`` (Cloud's
way to tell "update" from "remove and add") and, by default, keeping the certificates it
already had next to the new ones: during a CA rotation nodes still present certificates
signed by the old CA, so both must be trusted until the rotation is over.

The rules the Cloud API enforces are enforced here, before any JSON exists, so a payload
certkit prints is one the API accepts; the tests validate every output against the
published API definitions with jsonschema (which certkit itself does not need).

(Over 400 lines: building an entry and merging it into an existing trust object apply the
same API rules, kept together.)
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from certkit.errors import InputError, UsageError, param
from certkit.io import load_certificates, read_certificate_file
from certkit.model import Report
from certkit.plan import check_cluster_id, is_cloud_scope_id, parse_node_name, require_cloud_scope_id

TRUST_TYPES = ("generic", "ECE", "ESS", "proxy")
DEFAULT_TRUST_TYPE = "generic"

# Characters that would turn an exact node name into a trust-restriction pattern: Cloud
# refuses wildcards in additional_node_names, and a leading '/' or a '\' would be read as
# a regular expression or an escape once the name lands in a trust_restrictions file.
_PATTERN_CHARACTERS = ("*", "?", "\\")


@dataclass(frozen=True)
class TrustedCA:
    """One CA certificate to trust, as Cloud wants it: PEM text with ``\\n`` line ends."""

    pem: str
    subject: str
    sha256: str  # hex fingerprint of the DER, to tell certificates apart
    source: str

    def to_json(self) -> dict[str, str]:
        return {"pem": self.pem}


@dataclass(frozen=True)
class DirectTrust:
    """A DirectTrustRelationship. Build it with :func:`build_direct_trust` (which validates)."""

    name: str
    certificates: tuple[TrustedCA, ...]
    type: str = DEFAULT_TRUST_TYPE
    trust_all: bool = False
    scope_id: str | None = None
    trust_allowlist: tuple[str, ...] = ()
    additional_node_names: tuple[str, ...] = ()
    uid: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The JSON object of the Cloud API, keys in the order the API documentation shows."""
        document: dict[str, Any] = {}
        if self.uid is not None:
            document["uid"] = self.uid
        document["type"] = self.type
        document["name"] = self.name
        if self.scope_id is not None:
            document["scope_id"] = self.scope_id
        document["trust_all"] = self.trust_all
        if self.trust_allowlist:
            document["trust_allowlist"] = list(self.trust_allowlist)
        if self.additional_node_names:
            document["additional_node_names"] = list(self.additional_node_names)
        document["certificates"] = [ca.to_json() for ca in self.certificates]
        return document


@dataclass
class MergeResult:
    """The ``trust`` object after a merge, and what changed (for the human summary)."""

    trust: dict[str, Any]
    replaced: bool  # an entry with that name existed
    kept_certificates: list[TrustedCA] = field(default_factory=list)
    added_certificates: list[TrustedCA] = field(default_factory=list)
    dropped_certificates: list[TrustedCA] = field(default_factory=list)


# --------------------------------------------------------------------------- certificates


def _trusted_ca(certificate: x509.Certificate, source: str) -> TrustedCA:
    # Re-encoding from DER gives clean PEM: no "Bag Attributes" lines, no CRLF, no text
    # before or after the block, 64-column base64. Cloud's own example has no final newline.
    pem = certificate.public_bytes(serialization.Encoding.PEM).decode("ascii").rstrip("\n")
    der = certificate.public_bytes(serialization.Encoding.DER)
    return TrustedCA(pem=pem, subject=certificate.subject.rfc4514_string(),
                     sha256=hashlib.sha256(der).hexdigest(), source=source)


_PKCS12_HINT = (f"for a PKCS#12 file (elastic-stack-ca.p12, a truststore), write its certificates as PEM "
                f"with {param('pkcs12_to_pem')} and pass ca.crt.pem")


def load_ca_certificates(cas: Sequence[str | os.PathLike[str]], report: Report | None = None,
                         now: _dt.datetime | None = None) -> list[TrustedCA]:
    """The CA certificates of the files ``cas``, each certificate of each file once, in order.

    A certificate that says it is not a CA (basicConstraints CA:FALSE) is refused: a node
    certificate given by mistake would make Cloud trust nothing. A private key in the file
    is never copied (Cloud: "should not contain the private key"); it is reported.
    """
    report = report if report is not None else Report()
    now = now or _dt.datetime.now(_dt.UTC)
    if not cas:
        raise UsageError(f"at least one CA certificate is needed ({param('cas')} CA.pem)")
    seen: dict[str, TrustedCA] = {}
    for path in cas:
        source = str(path)
        data = read_certificate_file(path)
        if b"PRIVATE KEY-----" in data:
            report.warn("holds a private key; only the certificate goes into the payload, "
                        "but keep CA keys out of files you hand around", source)
        for index, certificate in enumerate(load_certificates(data, source, hint=_PKCS12_HINT)):
            where = source if index == 0 else f"{source}#{index + 1}"
            _check_ca_certificate(certificate, where, report, now)
            ca = _trusted_ca(certificate, where)
            if ca.sha256 in seen:
                report.warn(f"same certificate as {seen[ca.sha256].source}; listed once", where)
                continue
            seen[ca.sha256] = ca
    return list(seen.values())


def _check_ca_certificate(certificate: x509.Certificate, where: str, report: Report,
                          now: _dt.datetime) -> None:
    subject = certificate.subject.rfc4514_string() or "(empty subject)"
    try:
        constraints = certificate.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        report.warn(f"{subject} has no basicConstraints extension; check that it is the CA", where)
    else:
        if not constraints.ca:
            raise InputError(
                f"{where}: {subject} is not a CA certificate (basicConstraints CA:FALSE)",
                hint="pass the certificate of the CA that signed the node certificates",
            )
    if certificate.not_valid_after_utc < now:
        report.warn(f"{subject} expired on {certificate.not_valid_after_utc:%Y-%m-%d}", where)


# --------------------------------------------------------------------------- validation


def check_scope_id(scope_id: str) -> str:
    """``scope_id`` if Cloud accepts it (lower-case letters and digits, 1 to 32), else raise:
    the one rule for ids (:func:`certkit.plan.require_cloud_scope_id`)."""
    return require_cloud_scope_id(scope_id)


def check_node_name(name: str) -> str:
    """An exact node name for ``additional_node_names``; patterns are refused as Cloud does."""
    if not name or name != name.strip() or any(c.isspace() for c in name):
        raise InputError(f"node name {name!r} is empty or contains white space")
    if any(c in name for c in _PATTERN_CHARACTERS) or name.startswith("/"):
        raise InputError(
            f"node name {name!r} is a pattern: Elastic Cloud takes exact node names only (no wildcards)",
            hint="list every node name, or name the nodes <node>.node.<cluster>.cluster.<scope>.account "
                 f"and use {param('scope_id')} with {param('trust_allowlist')} / {param('trust_all')}",
        )
    return name


def _unique(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))


def build_direct_trust(
    *,
    name: str,
    certificates: Sequence[TrustedCA],
    trust_type: str = DEFAULT_TRUST_TYPE,
    scope_id: str | None = None,
    trust_all: bool = False,
    trust_allowlist: Sequence[str] = (),
    node_names: Sequence[str] = (),
    uid: str | None = None,
    report: Report | None = None,
) -> DirectTrust:
    """A DirectTrustRelationship that follows the Cloud API's rules, or a one-line error.

    The rules (DirectTrustRelationship in the API definitions, docs/reference.md §7):
    ``scope_id`` lower-case alphanumeric, at most 32, required when ``trust_all`` is true or
    the allowlist is non-empty; ``additional_node_names`` exact (no wildcards) and mandatory
    without a scope; type ``proxy`` takes none of scope, allowlist, node names, trust_all.
    """
    report = report if report is not None else Report()
    if not name or not name.strip():
        raise UsageError(f"the trust relationship needs a name ({param('name')})")
    if trust_type not in TRUST_TYPES:
        matches = [t for t in TRUST_TYPES if t.lower() == trust_type.lower()]
        hint = f"did you mean {matches[0]!r}? (the API is case-sensitive)" if matches else None
        raise UsageError(f"unknown trust type {trust_type!r}: choose one of {', '.join(TRUST_TYPES)}", hint)
    if not certificates:
        raise UsageError(f"at least one CA certificate is needed ({param('certificates')} CA.pem)")
    allowlist = _unique(check_cluster_id(c) for c in trust_allowlist)
    nodes = _unique(check_node_name(n) for n in node_names)
    if scope_id is not None:
        check_scope_id(scope_id)

    if trust_type == "proxy":
        given = [param(name) for name, present in (("scope_id", scope_id is not None), ("trust_all", trust_all),
                                                   ("trust_allowlist", bool(allowlist)),
                                                   ("node_names", bool(nodes))) if present]
        if given:
            raise UsageError(
                f"type proxy takes only a name and certificates; remove {', '.join(given)}",
                hint="Cloud: 'if proxy is specified, trust_all should be false and trust_allowlist, "
                     "scope_id and additional_node_names should be omitted'",
            )
        return DirectTrust(name=name, certificates=tuple(certificates), type=trust_type, uid=uid)

    if trust_all and allowlist:
        raise UsageError(f"{param('trust_all')} and {param('trust_allowlist')} exclude each other",
                         hint="trust_all trusts every cluster of the scope and ignores the allowlist")
    if (trust_all or allowlist) and scope_id is None:
        which = param("trust_all" if trust_all else "trust_allowlist")
        raise UsageError(f"{which} needs {param('scope_id')}: Cloud trusts clusters by <cluster>.cluster.<scope>.account")
    if scope_id is None and not nodes:
        raise UsageError(
            f"say which nodes to trust: {param('scope_id')} with {param('trust_all')} / {param('trust_allowlist')}, "
            f"or node names ({param('instances')} FILE, {param('node_name')} NAME)"
        )
    if scope_id is not None and not trust_all and not allowlist and not nodes:
        raise UsageError(f"{param('scope_id')} {scope_id} alone trusts no cluster: "
                         f"add {param('trust_all')} or {param('trust_allowlist')} CLUSTER_ID")
    _suggest_scope(nodes, scope_id, report)
    return DirectTrust(
        name=name,
        certificates=tuple(certificates),
        type=trust_type,
        trust_all=trust_all,
        scope_id=scope_id,
        trust_allowlist=allowlist,
        additional_node_names=nodes,
        uid=uid,
    )


def _suggest_scope(nodes: Sequence[str], scope_id: str | None, report: Report) -> None:
    """Node names in the Cloud convention are better trusted by scope: the list needs no upkeep."""
    parsed = [parse_node_name(n) for n in nodes]
    if not parsed or not all(parsed) or scope_id is not None:
        return
    scopes = {p.scope_id for p in parsed if p}
    clusters = sorted({p.cluster_id for p in parsed if p})
    if len(scopes) == 1 and is_cloud_scope_id(next(iter(scopes))):
        allow = " ".join(f"{param('trust_allowlist')} {c}" for c in clusters)
        report.warn(
            "every node name follows <node>.node.<cluster>.cluster.<scope>.account; "
            f"{param('scope_id')} {next(iter(scopes))} {allow} trusts the same clusters without listing each node"
        )


def trust_settings(direct: Sequence[DirectTrust | dict[str, Any]] = (),
                   accounts: Sequence[dict[str, Any]] = (),
                   external: Sequence[dict[str, Any]] = ()) -> dict[str, Any]:
    """A whole ``trust`` object (ElasticsearchClusterTrustSettings)."""
    return {
        "accounts": list(accounts),
        "external": list(external),
        "direct": [d.to_json() if isinstance(d, DirectTrust) else d for d in direct],
    }


def settings_payload(trust: dict[str, Any]) -> dict[str, Any]:
    """``{"trust": …}``: what goes under the Elasticsearch resource's ``settings``."""
    return {"trust": trust}


# --------------------------------------------------------------------------- merge


def load_trust_document(data: bytes, source: str) -> dict[str, Any]:
    """The ``trust`` object of a document read back from the Cloud API.

    Accepted: the bare trust object, ``{"trust": …}`` (the Elasticsearch settings), or a
    whole ``GET /api/v1/deployments/{id}`` answer with one Elasticsearch resource.
    """
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise InputError(f"{source} is not UTF-8 text") from None
    except RecursionError:
        raise InputError(f"{source} nests too deeply to be a trust document; refusing it") from None
    except json.JSONDecodeError as exc:
        if _trailing_comma_at(exc.doc, exc.pos):
            raise InputError(
                f"{source} is not valid JSON: a trailing comma before line {exc.lineno}, column {exc.colno}",
                hint="JSON allows no comma after the last item (the Elastic docs' example has one)",
            ) from None
        raise InputError(f"{source} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from None
    trust = _find_trust(document, source)
    _check_trust_shape(trust, source)
    return trust


def _trailing_comma_at(text: str, position: int) -> bool:
    """True when the parser stopped at a ``]`` or ``}`` right after a comma: ``[1, 2,]``."""
    before = text[:position].rstrip()
    return before.endswith(",") and text[position:position + 1] in ("]", "}")


def _find_trust(document: Any, source: str) -> dict[str, Any]:
    if not isinstance(document, dict):
        raise InputError(f"{source}: expected a JSON object holding the trust settings")
    if isinstance(document.get("trust"), dict):
        return document["trust"]
    resources = document.get("resources")
    if isinstance(resources, dict) and isinstance(resources.get("elasticsearch"), list):
        found = [r.get("info", {}).get("settings", {}).get("trust") for r in resources["elasticsearch"]
                 if isinstance(r, dict)]
        found = [t for t in found if isinstance(t, dict)]
        if len(found) == 1:
            return found[0]
        raise InputError(f"{source}: the deployment has {len(found)} Elasticsearch trust objects; "
                         "save the one to change as {\"trust\": …}")
    if set(document) & {"accounts", "external", "direct"} or not document:
        return document
    raise InputError(f"{source}: no trust settings found (expected keys accounts / external / direct, "
                     "or {\"trust\": …})")


def _check_trust_shape(trust: dict[str, Any], source: str) -> None:
    for key in ("accounts", "external", "direct"):
        value = trust.get(key, [])
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            raise InputError(f"{source}: trust.{key} must be a list of objects")
    names = [entry.get("name") for entry in trust.get("direct", [])]
    for index, name in enumerate(names):
        if not isinstance(name, str):
            raise InputError(f"{source}: trust.direct[{index}] has no name")
        if names.count(name) > 1:
            raise InputError(f"{source}: two direct trust entries are named {name!r}; cannot tell which to update")


def merge_direct_trust(existing: dict[str, Any], entry: DirectTrust, *, replace_certificates: bool = False,
                       source: str = "the existing trust", report: Report | None = None) -> MergeResult:
    """``existing`` with ``entry`` added, or replacing the direct entry of the same name.

    A replaced entry keeps its ``uid``. Its certificates are kept and the new ones added
    after them (compared by their DER bytes, so re-encoded PEM is not a "new" certificate);
    with ``replace_certificates`` only the new ones remain: use that once every node
    presents a certificate from the new CA. Accounts, external and other direct entries are
    copied unchanged.
    """
    report = report if report is not None else Report()
    _check_trust_shape(existing, source)
    merged = json.loads(json.dumps(existing))  # a deep copy that stays plain JSON
    for key in ("accounts", "external", "direct"):
        merged.setdefault(key, [])
    direct: list[dict[str, Any]] = merged["direct"]
    position = next((i for i, d in enumerate(direct) if d.get("name") == entry.name), None)
    if position is None:
        direct.append(entry.to_json())
        return MergeResult(merged, replaced=False, added_certificates=list(entry.certificates))

    old = direct[position]
    old_cas = _existing_certificates(old, f"{source}: direct entry {entry.name!r}")
    new_by_fingerprint = {ca.sha256: ca for ca in entry.certificates}
    old_fingerprints = {ca.sha256 for ca in old_cas}
    added = [ca for ca in entry.certificates if ca.sha256 not in old_fingerprints]
    if replace_certificates:
        kept = [ca for ca in old_cas if ca.sha256 in new_by_fingerprint]
        dropped = [ca for ca in old_cas if ca.sha256 not in new_by_fingerprint]
        certificates = tuple(entry.certificates)
    else:
        kept, dropped = old_cas, []
        certificates = tuple(old_cas) + tuple(added)
    old_type = old.get("type", DEFAULT_TRUST_TYPE)
    if old_type != entry.type:
        report.warn(f"the type of {entry.name!r} changes from {old_type} to {entry.type}")
    uid = old.get("uid") if isinstance(old.get("uid"), str) else entry.uid
    updated = DirectTrust(
        name=entry.name, certificates=certificates, type=entry.type, trust_all=entry.trust_all,
        scope_id=entry.scope_id, trust_allowlist=entry.trust_allowlist,
        additional_node_names=entry.additional_node_names, uid=uid,
    )
    direct[position] = updated.to_json()
    return MergeResult(merged, replaced=True, kept_certificates=kept, added_certificates=added,
                       dropped_certificates=dropped)


def _existing_certificates(entry: dict[str, Any], where: str) -> list[TrustedCA]:
    certificates = entry.get("certificates", [])
    if not isinstance(certificates, list):
        raise InputError(f"{where}: certificates must be a list")
    result: dict[str, TrustedCA] = {}
    for index, item in enumerate(certificates):
        pem = item.get("pem") if isinstance(item, dict) else None
        if not isinstance(pem, str):
            raise InputError(f"{where}: certificates[{index}] has no pem")
        if "-----BEGIN CERTIFICATE-----" not in pem:
            raise InputError(f"{where}: certificates[{index}] is not a PEM certificate")
        for certificate in load_certificates(pem.encode("utf-8"), f"{where}: certificates[{index}]"):
            ca = _trusted_ca(certificate, f"{where} certificates[{index}]")
            result.setdefault(ca.sha256, ca)
    return list(result.values())


def dumps(document: Any) -> str:
    """JSON as certkit prints it: two-space indent, UTF-8 kept, final newline."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
