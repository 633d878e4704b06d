"""Whether Elasticsearch admits a certificate under a trust-restriction file.

Checking (docs/reference.md §1): only the leaf counts; its names in the chosen fields are
compared with every pattern; it is admitted when any name matches any pattern. The
rejection reason is Elasticsearch's own message. With anchors (a CA to verify against)
the chain is verified first, as the JDK would (:mod:`certkit.jdk.pkix`).

:class:`RestrictionChecker` judges one certificate; :class:`ChainTracker` walks a stream
of certificates, telling leaves from the CA certificates of their chains.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from certkit.audit.expiry import expiry_of, iso
from certkit.audit.trust_file import TrustRestrictions
from certkit.io import CertificateItem
from certkit.jdk import (
    DEFAULT_FIELDS,
    DEFAULT_JDK,
    DNS_NAME,
    OTHERNAME_COMMON_NAME,
    CertificateFields,
    MalformedCertificate,
    SubjectAltNames,
    jdk_dn,
    locate_fields,
    names_of,
)

#: Rejection messages list the trusted names as Elasticsearch does; beyond this many the
#: list is shortened (the full list is in the JSON report's "patterns").
REASON_PATTERN_LIMIT = 20

_NO_NAMES = SubjectAltNames()
#: Distinct Validity values whose expiry a checker keeps (then it starts again).
_EXPIRIES_KEPT = 4096


@dataclass(slots=True)
class Verdict:
    """Elasticsearch's decision about one certificate.

    ``skipped`` is set (and nothing else matters) for a CA certificate that is not a node
    certificate: the issuers that follow a leaf in its file or PKCS#12, or a CA with no
    subjectAltName names.
    """

    source: str
    subject_der: bytes | None
    names: SubjectAltNames
    values: list[str]
    admitted: bool
    matched: list[tuple[str, str]]
    chain: str
    reason: str | None
    explanation: str | None = None
    skipped: str | None = None
    subject_text: str | None = None
    #: The judged certificate (cryptography's), for what only some reports need (its
    #: validity): kept as a reference so that the audit computes nothing more for it.
    certificate: Any = None
    #: Set when the checker judges expiry (:mod:`certkit.audit.expiry`): the state on the
    #: validation day, notAfter, and the warning to show next to the verdict (None: valid).
    expiry: str | None = None
    not_after: datetime.datetime | None = None
    expiry_note: str | None = None

    # Named constructors: one per kind of decision, so no caller lines up eleven fields.

    @classmethod
    def admit(cls, source: str, subject_der: bytes, names: SubjectAltNames, values: list[str],
              matched: list[tuple[str, str]], chain: str) -> Verdict:
        """Admitted: ``matched`` holds the (name, pattern) pairs that matched."""
        return cls(source, subject_der, names, values, True, matched, chain, None)

    @classmethod
    def reject(cls, source: str, subject_der: bytes, names: SubjectAltNames, values: list[str],
               matched: list[tuple[str, str]], chain: str, *, reason: str | None,
               explanation: str | None) -> Verdict:
        """Rejected, for ``reason`` (Elasticsearch's words; ``None``: filled in once the subject is known)."""
        return cls(source, subject_der, names, values, False, matched, chain, reason, explanation)

    @classmethod
    def unreadable(cls, source: str, subject: str, reason: str) -> Verdict:
        """Rejected because the JDK cannot read the certificate at all (``subject``: as cryptography reads it)."""
        return cls(source, None, _NO_NAMES, [], False, [], "unchecked", reason, subject_text=subject)

    @classmethod
    def skip(cls, source: str, why: str, *, subject_der: bytes | None = None,
             subject: str | None = None) -> Verdict:
        """Not judged: a CA certificate, not a node certificate (``why`` says which)."""
        return cls(source, subject_der, _NO_NAMES, [], False, [], "unchecked", None, skipped=why,
                   subject_text=subject)

    @property
    def subject(self) -> str:
        """The subject DN as Elasticsearch prints it (computed on demand: most reports omit it)."""
        if self.subject_text is None:
            self.subject_text = jdk_dn(self.subject_der) if self.subject_der else ""
        return self.subject_text

    def to_json(self, fields: Sequence[str]) -> dict[str, Any]:
        document: dict[str, Any] = {
            "source": self.source,
            "subject": self.subject,
            "names": self.names.by_field(fields),
            "admitted": self.admitted,
            "matched": [{"name": n, "pattern": p} for n, p in self.matched],
            "chain": self.chain,
            "reason": self.reason,
        }
        if self.explanation:
            document["explanation"] = self.explanation
        if self.names.warnings:
            document["warnings"] = list(self.names.warnings)
        if self.expiry is not None and self.not_after is not None:
            document["not_after"] = iso(self.not_after)
            document["expiry"] = self.expiry
        return document


def _list_text(values: Sequence[str], limit: int | None = None) -> str:
    if limit is not None and len(values) > limit:
        return "[" + ", ".join(values[:limit]) + f", … {len(values) - limit} more]"
    return "[" + ", ".join(values) + "]"


class RestrictionChecker:
    """Decides, certificate by certificate, what Elasticsearch decides.

    ``record_matches`` False stops after the first matching pattern (enough for the
    default report, which lists rejections only).
    """

    def __init__(
        self,
        restrictions: TrustRestrictions,
        fields: Sequence[str] = DEFAULT_FIELDS,
        *,
        anchors: Sequence[Any] = (),
        record_matches: bool = True,
        now: datetime.datetime | None = None,
        jdk: int | None = None,
        expires_within: datetime.timedelta | None = None,
    ) -> None:
        self.restrictions = restrictions
        self.fields = tuple(fields)
        self.anchors = tuple(anchors)
        self.record_matches = record_matches
        self.now = now
        #: The JDK feature version whose trust manager judges chains (the --es-version's
        #: bundled JDK); None: the newest target's.
        self.jdk = jdk
        #: Judge expiry too: warn about certificates expired, not yet valid, or expiring within
        #: this long of the validation time (None: dates are not looked at, as trust restrictions).
        self.expires_within = expires_within
        # Fixed once: every verdict of an audit (and of its workers) is "on the same day".
        self._expiry_at = now or datetime.datetime.now(datetime.UTC)
        self._patterns = restrictions.compiled
        self._expiries: dict[bytes, tuple[str, datetime.datetime, str | None]] = {}
        self._fields_text = _list_text(self.fields)
        self._trusted_text = _list_text(restrictions.patterns, REASON_PATTERN_LIMIT)

    def rejection_message(self, subject: str, values: Sequence[str]) -> str:
        """Elasticsearch's CertificateException message for a rejected certificate."""
        return (
            f"Certificate for {subject} with fields {self._fields_text} with values "
            f"{_list_text(values)} does not match the trusted names {self._trusted_text}"
        )

    def _explain(self, names: SubjectAltNames, values: Sequence[str]) -> str:
        if values:
            return f"no pattern matches any of the {len(values)} name(s)"
        other_fields = [f for f in (OTHERNAME_COMMON_NAME, DNS_NAME) if f not in self.fields and names.for_field(f)]
        text = f"the certificate has no names in fields {self._fields_text}; Elasticsearch never reads the subject CN"
        if other_fields:
            text += f"; it does have {other_fields[0]} names {_list_text(list(names.for_field(other_fields[0])))}"
        return text

    def check(self, item: CertificateItem, fields_of_item: CertificateFields | None = None,
              chain: Sequence[CertificateItem] = ()) -> Verdict:
        """The verdict for one leaf ``item`` (``chain``: the certificates the peer would send after it)."""
        verdict = self._judge(item, fields_of_item, chain, False)
        assert verdict is not None
        return self._with_expiry(verdict, item, fields_of_item)

    def check_quietly(self, item: CertificateItem, fields_of_item: CertificateFields | None = None,
                      chain: Sequence[CertificateItem] = ()) -> Verdict | None:
        """:meth:`check`, or None when the verdict has nothing to report: admitted, no name
        warning, no chain verified, valid on the day (no expiry warning). A report that
        lists only rejections and warnings counts those without building their verdicts:
        nine in ten certificates of an audit, a fifth of its time."""
        if self.anchors:
            return self.check(item, fields_of_item, chain)
        verdict = self._judge(item, fields_of_item, chain, True)
        if verdict is not None:  # a rejection or a warning: the verdict check() builds
            return self._with_expiry(verdict, item, fields_of_item)
        if self.expires_within is None or self._expiry(item, fields_of_item)[2] is None:
            return None
        return self.check(item, fields_of_item, chain)  # admitted with an expiry warning

    def _with_expiry(self, verdict: Verdict, item: CertificateItem, located: CertificateFields | None) -> Verdict:
        verdict.certificate = item.certificate
        if self.expires_within is not None and verdict.subject_der is not None:
            verdict.expiry, verdict.not_after, verdict.expiry_note = self._expiry(item, located)
        return verdict

    def _expiry(self, item: CertificateItem, located: CertificateFields | None) -> tuple[str, datetime.datetime, str | None]:
        """:func:`expiry_of` the item, once per distinct Validity: the same DER holds the same
        dates, and the certificates of one issuance share it."""
        assert self.expires_within is not None
        validity = located.validity if located is not None else b""
        known = self._expiries.get(validity) if validity else None
        if known is None:
            known = expiry_of(item.certificate, self._expiry_at, self.expires_within)
            if validity:
                if len(self._expiries) >= _EXPIRIES_KEPT:
                    self._expiries.clear()
                self._expiries[validity] = known
        return known

    def _judge(self, item: CertificateItem, fields_of_item: CertificateFields | None,
               chain: Sequence[CertificateItem], quiet: bool) -> Verdict | None:
        """The verdict (expiry aside); with ``quiet``, None instead of an admission without
        name warnings (the caller has checked that no chain is verified)."""
        try:
            located = fields_of_item or locate_fields(item.der)
            names = names_of(located, DEFAULT_JDK if self.jdk is None else self.jdk)
        except MalformedCertificate as exc:
            return Verdict.unreadable(item.source, item.certificate.subject.rfc4514_string(),
                                      f"the certificate cannot be parsed as the JDK would ({exc})")
        subject = located.subject
        values = names.values(self.fields)
        matched: list[tuple[str, str]] = []
        patterns = self._patterns
        if self.record_matches:
            for value in values:
                for pattern in patterns.matching(value):
                    matched.append((value, pattern.text))
        elif quiet and not names.warnings:
            admits = patterns.admits  # an admission is not built: whether, not by which
            for value in values:
                if admits(value):
                    return None
        else:
            for value in values:
                first = patterns.first_match(value)
                if first is not None:
                    matched.append((value, first.text))
                    break
        chain_state = "unchecked"
        chain_problem = None
        if self.anchors:
            from certkit.jdk.pkix import verify_chain

            chain_problem = verify_chain(item.certificate, [c.certificate for c in chain], self.anchors, self.now,
                                         self.jdk)
            chain_state = "invalid" if chain_problem else "valid"
        if chain_problem:
            return Verdict.reject(item.source, subject, names, values, matched, chain_state,
                                  reason=f"the certificate chain is invalid: {chain_problem}",
                                  explanation="the JDK refuses the chain before trust restrictions are consulted")
        if matched:
            return Verdict.admit(item.source, subject, names, values, matched, chain_state)
        verdict = Verdict.reject(item.source, subject, names, values, matched, chain_state,
                                 reason=None, explanation=self._explain(names, values))
        verdict.reason = self.rejection_message(verdict.subject, values)
        return verdict

    def check_items(self, items: Iterable[CertificateItem]) -> Iterator[Verdict]:
        """Verdicts for every node certificate of ``items`` (a stream), plus skipped CA certificates.

        A CA certificate (basicConstraints CA:TRUE) right after a leaf in the same file, or
        a PKCS#12's non-key certificate, is that leaf's chain; a CA certificate elsewhere
        is skipped when it carries no subjectAltName names (it is not a node certificate).
        """
        tracker = ChainTracker(self)  # not quiet: every verdict is built
        for item in items:
            yield from _built(tracker.feed(item))
        yield from _built(tracker.finish())

    def _skipped(self, item: CertificateItem, located: CertificateFields | None, why: str) -> Verdict:
        if located is None:
            return Verdict.skip(item.source, why, subject=item.certificate.subject.rfc4514_string())
        return Verdict.skip(item.source, why, subject_der=located.subject)


def _built(verdicts: list[Verdict | None]) -> list[Verdict]:
    """The verdicts of a tracker that is not quiet, which never holds a None."""
    return [verdict for verdict in verdicts if verdict is not None]


def _issued_pending(item: CertificateItem, pending: tuple[CertificateItem, object, list[CertificateItem]]) -> bool:
    """Whether CA certificate ``item`` issued the waiting leaf or a certificate of its chain so
    far: only then is it that leaf's chain (the JDK's path builder takes them in any order)."""
    from certkit.jdk.pkix import issued_any

    return issued_any(item.certificate, [pending[0].certificate, *(c.certificate for c in pending[2])])


class ChainTracker:
    """:meth:`RestrictionChecker.check_items`, one certificate at a time.

    A leaf's verdict waits until the next certificate shows whether the leaf's chain
    follows it. Kept as an object (not only a generator) so that the parallel audit
    (:mod:`certkit.audit.engine`) can carry the waiting leaf from one batch of certificates to
    the next and get exactly the verdicts, in exactly the order, of one sequential pass.
    """

    def __init__(self, checker: RestrictionChecker, *, quiet: bool = False) -> None:
        self.checker = checker
        #: The leaf waiting for its verdict: (item, its located fields, its chain so far).
        self.pending: tuple[CertificateItem, CertificateFields | None, list[CertificateItem]] | None = None
        #: Settle leaves with RestrictionChecker.check_quietly: a None in the verdicts is an
        #: admission with nothing to report.
        self._settle = checker.check_quietly if quiet else checker.check

    @staticmethod
    def locate(item: CertificateItem) -> CertificateFields | None:
        try:
            return locate_fields(item.der)
        except MalformedCertificate:
            return None

    def feed(self, item: CertificateItem) -> list[Verdict | None]:
        """The verdicts that ``item``'s arrival settles (None: a quiet admission)."""
        return self.feed_located(item, self.locate(item))

    def feed_located(self, item: CertificateItem, located: CertificateFields | None) -> list[Verdict | None]:
        """:meth:`feed` for an item whose fields the caller has located already (``None``: unreadable)."""
        checker = self.checker
        is_ca = bool(located and located.is_ca)
        pending = self.pending
        if pending is not None and pending[0].container == item.container and (
                item.chain or (is_ca and _issued_pending(item, pending))):
            pending[2].append(item)
            return [checker._skipped(item, located, "CA certificate of the preceding certificate's chain")]
        verdicts: list[Verdict | None] = []
        if pending is not None:
            verdicts.append(self._settle(pending[0], pending[1], pending[2]))
            self.pending = None
        if item.chain:
            verdicts.append(checker._skipped(item, located, "CA certificate of a PKCS#12 chain"))
        elif is_ca and located is not None and located.subject_alt_names is None:
            verdicts.append(checker._skipped(
                item, located, "CA certificate without subjectAltName names (not a node certificate)"))
        else:
            self.pending = (item, located, [])
        return verdicts

    def finish(self) -> list[Verdict | None]:
        """The verdict of the leaf still waiting (the end of the stream)."""
        pending, self.pending = self.pending, None
        return [] if pending is None else [self._settle(pending[0], pending[1], pending[2])]
