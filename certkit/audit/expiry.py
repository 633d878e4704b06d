"""Expiry: whether a certificate is valid on a given day, and whether it soon will not be.

Trust restrictions never look at dates, so ``restrictions check`` would "admit" an expired
certificate; but the JDK's trust manager checks the validity of the peer's certificate
first (``X509Certificate.checkValidity``: CertificateExpiredException once the time is
after notAfter, CertificateNotYetValidException before notBefore), and the handshake fails.
So every verdict carries the certificate's expiry state, judged at the same time as its
chain (``--at``, else now): an expired certificate is never admitted silently.
"""

from __future__ import annotations

import datetime as dt
import functools
import re

from cryptography import x509

from certkit.errors import InputError, param

#: The states, as the JSON report spells them.
VALID = "valid"
EXPIRING = "expiring"
EXPIRED = "expired"
NOT_YET_VALID = "not yet valid"

_UNIT = {"d": dt.timedelta(days=1), "h": dt.timedelta(hours=1), "w": dt.timedelta(weeks=1)}


def parse_expires_within(text: str, units: str = "dh") -> dt.timedelta:
    """``30d`` or ``12h`` (``0d`` for "only what has expired") as a timedelta: the
    ``--expires-within`` window. ``units`` are the suffixes the command takes (preflight's
    also takes weeks, ``2w``)."""
    match = re.fullmatch(rf"([0-9]{{1,6}})([{units}])", text.strip()) if isinstance(text, str) else None
    if match is None:
        spelled = ", ".join(units[:-1]) + f" or {units[-1]}"
        raise InputError(f"{param('expires_within')} {text!r} is not a number followed by {spelled}, "
                         "a duration such as 30d or 12h", hint="a whole number of days (d) or hours (h)"
                         + (" or weeks (w)" if "w" in units else ""))
    return int(match.group(1)) * _UNIT[match.group(2)]


def expiry_state(certificate: x509.Certificate, at: dt.datetime, within: dt.timedelta) -> str:
    """:data:`EXPIRED`, :data:`NOT_YET_VALID`, :data:`EXPIRING` (notAfter within ``within``
    of ``at``) or :data:`VALID`, with the JDK's comparisons (notAfter itself is still valid)."""
    return expiry_of(certificate, at, within)[0]


def expiry_of(certificate: x509.Certificate, at: dt.datetime, within: dt.timedelta) -> tuple[str, dt.datetime, str | None]:
    """(:func:`expiry_state`, notAfter, :func:`expiry_warning`) of ``certificate``, each
    validity date read once (an audit asks this of every certificate)."""
    not_after = certificate.not_valid_after_utc
    if at > not_after:
        return EXPIRED, not_after, expiry_warning(EXPIRED, certificate.not_valid_before_utc, not_after, at)
    not_before = certificate.not_valid_before_utc
    if at < not_before:
        return NOT_YET_VALID, not_after, expiry_warning(NOT_YET_VALID, not_before, not_after, at)
    if not_after - at <= within:
        return EXPIRING, not_after, expiry_warning(EXPIRING, not_before, not_after, at)
    return VALID, not_after, None


@functools.lru_cache(maxsize=1024)
def iso(moment: dt.datetime) -> str:
    """ISO 8601 UTC with a ``Z``, as the reports print times (cached: the certificates of
    one bundle share their dates, and a JSON audit prints one per certificate)."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def expiry_warning(state: str, not_before: dt.datetime, not_after: dt.datetime, at: dt.datetime) -> str | None:
    """The warning for a certificate in ``state`` (``None`` when valid), saying what the node does."""
    if state == EXPIRED:
        return (f"expired: notAfter {iso(not_after)}; the JDK refuses it in the TLS handshake "
                "(CertificateExpiredException) before trust restrictions are consulted")
    if state == NOT_YET_VALID:
        return (f"not yet valid: notBefore {iso(not_before)}; the JDK refuses it in the TLS handshake "
                "(CertificateNotYetValidException)")
    if state == EXPIRING:
        hours = round((not_after - at).total_seconds() / 3600)
        left = f"{round(hours / 24)} days" if hours >= 36 else f"{hours} hours"
        return f"expires soon: notAfter {iso(not_after)} (in {left})"
    return None


def expiry_summary(counts: dict[str, int], within: str) -> str:
    """The summary line's expiry part (``", 1 expired, 2 expiring within 30d"``; "" when none)."""
    parts = [f"{counts[state]} {state}" for state in (EXPIRED, NOT_YET_VALID) if counts.get(state)]
    if counts.get(EXPIRING):
        parts.append(f"{counts[EXPIRING]} expiring within {within}")
    return "".join(f", {part}" for part in parts)


def expiry_totals(counts: dict[str, int]) -> dict[str, int]:
    """The JSON summary's expiry counts, every state present (0 when none)."""
    return {"expired": counts.get(EXPIRED, 0), "not_yet_valid": counts.get(NOT_YET_VALID, 0),
            "expiring": counts.get(EXPIRING, 0)}
