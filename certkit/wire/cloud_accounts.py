"""The ``accounts`` and ``external`` entries of a Cloud ``trust`` object, and keeping them.

Besides ``direct`` entries (:mod:`certkit.wire.cloud`), a deployment's ``trust`` object
lists the Cloud accounts (organizations) and the external trust relationships (ECE
environments) whose clusters it trusts (AccountTrustRelationship and
ExternalTrustRelationship in the API definitions, docs/reference.md §7): an id, and
``trust_all`` or a ``trust_allowlist`` of cluster ids.

``PUT /api/v1/deployments/{id}`` takes the whole object, so a payload that leaves these
lists empty removes every such trust when it is applied: the Elastic guide's own example
keeps an ``accounts`` entry with ``trust_all``. :func:`merge_scoped_trusts` adds or
replaces entries by id in the object read back from the API and keeps the others;
:data:`REPLACES_EVERYTHING` is the warning for a payload built without one.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from certkit.errors import InputError, UsageError, param
from certkit.plan import check_cluster_id, require_cloud_scope_id

REPLACES_EVERYTHING = (
    "this payload replaces the deployment's whole trust object: applied as is, every account, "
    "external or direct trust it does not list is removed"
)


@dataclass(frozen=True)
class ScopedTrust:
    """One account or external trust relationship: an id, and which of its clusters to trust."""

    kind: str  # "accounts" or "external": the list of the trust object it belongs to
    id: str
    trust_all: bool
    trust_allowlist: tuple[str, ...] = ()

    @property
    def id_key(self) -> str:
        return "account_id" if self.kind == "accounts" else "trust_relationship_id"

    def to_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {self.id_key: self.id, "trust_all": self.trust_all}
        if self.trust_allowlist:
            document["trust_allowlist"] = list(self.trust_allowlist)
        return document


def _check_allowlist(kind_text: str, identifier: str, trust_all: bool, allowlist: Sequence[str]) -> tuple[str, ...]:
    clusters = tuple(dict.fromkeys(check_cluster_id(c) for c in allowlist))
    if trust_all and clusters:
        raise UsageError(f"{kind_text} {identifier}: {param('trust_all')} and {param('allowlist')} exclude each other",
                         hint="trust_all trusts every cluster and ignores the allowlist")
    if not trust_all and not clusters:
        raise UsageError(f"{kind_text} {identifier} trusts no cluster: follow it with {param('trust_all')} "
                         f"or {param('allowlist')} CLUSTER_ID")
    return clusters


def build_account_trust(account_id: str, *, trust_all: bool = False, allowlist: Sequence[str] = ()) -> ScopedTrust:
    """An AccountTrustRelationship; the account id is the organization id, the scope of
    its clusters' node names, so it follows the one rule for scope ids."""
    require_cloud_scope_id(account_id, "account id")
    return ScopedTrust("accounts", account_id, trust_all, _check_allowlist("account", account_id, trust_all, allowlist))


def build_external_trust(relationship_id: str, *, trust_all: bool = False,
                         allowlist: Sequence[str] = ()) -> ScopedTrust:
    """An ExternalTrustRelationship (the id of a trust relationship an ECE admin created)."""
    if not relationship_id or any(c.isspace() or not c.isprintable() for c in relationship_id):
        raise InputError(f"external trust relationship id {relationship_id!r} is empty or contains white space")
    return ScopedTrust("external", relationship_id, trust_all,
                       _check_allowlist("external trust", relationship_id, trust_all, allowlist))


def merge_scoped_trusts(trust: dict[str, Any], entries: Sequence[ScopedTrust],
                        source: str = "the existing trust") -> tuple[dict[str, Any], list[str]]:
    """``trust`` (a plain-JSON trust object) with ``entries`` added, each replacing the entry
    of the same id in its list; other entries stay as they are. Also returns one line per
    change ("added account 123", "replaced external abc") for the summary."""
    merged = json.loads(json.dumps(trust))
    changes: list[str] = []
    seen: set[tuple[str, str]] = set()
    for entry in entries:
        if (entry.kind, entry.id) in seen:
            raise UsageError(f"{_label(entry)} is given twice; give each id once")
        seen.add((entry.kind, entry.id))
        listed: list[dict[str, Any]] = merged.setdefault(entry.kind, [])
        if not isinstance(listed, list) or not all(isinstance(item, dict) for item in listed):
            raise InputError(f"{source}: trust.{entry.kind} must be a list of objects")
        position = next((i for i, item in enumerate(listed) if item.get(entry.id_key) == entry.id), None)
        if position is None:
            listed.append(entry.to_json())
            changes.append(f"added {_label(entry)}")
        else:
            # Keep what the API added (a name, say) and replace what certkit decides.
            kept = {k: v for k, v in listed[position].items() if k not in ("trust_all", "trust_allowlist")}
            listed[position] = {**kept, **entry.to_json()}
            changes.append(f"replaced {_label(entry)}")
    return merged, changes


def _label(entry: ScopedTrust) -> str:
    return f"{'account' if entry.kind == 'accounts' else 'external trust'} {entry.id}"
