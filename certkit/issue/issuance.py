"""What ``cert`` decides before and after it signs: which CA, whether the keystore
password will open on the JDK, and the document that describes the run.

* :func:`check_ca_choice` / :func:`choose_ca`: exactly one way of giving the CA (a PKCS#12,
  a PEM certificate and key, or none: self-signed), then the CA loaded;
* :func:`check_keystore_password`: the JDK opens PKCS#12 files with printable-ASCII
  passwords only, so a keystore password is checked before any key is generated;
* :func:`plan_document`: the plan (a dry run) or the record of a run, as plain data:
  the CA, the validity, the layout, and each certificate's subject, names and files.
"""

from __future__ import annotations

import datetime as _dt
import os
from pathlib import Path
from typing import Any

from certkit.errors import InputError, UsageError, param
from certkit.issue.ca import (
    CertificateAuthority,
    PasswordSource,
    load_ca_pem,
    load_ca_pkcs12,
)
from certkit.issue.leaf import IssuedCertificate, Validity
from certkit.model import Instance
from certkit.plan import subject_text

PathLike = str | os.PathLike[str]


def check_ca_choice(*, ca_p12: PathLike | None = None, ca_cert: PathLike | None = None,
                    ca_key: PathLike | None = None, self_signed: bool = False, password_given: bool = False) -> None:
    """Refuse anything but exactly one way of giving the CA: a PKCS#12, a PEM certificate
    with its key, or none (``self_signed``, which takes no password)."""
    chosen = sum([ca_p12 is not None, ca_cert is not None or ca_key is not None, self_signed])
    if chosen != 1:
        raise UsageError(f"give the CA with exactly one of {param('ca_p12')} CA.p12, "
                         f"{param('ca_cert')} CA.crt {param('ca_key')} CA.key, or {param('self_signed')}")
    if (ca_cert is None) != (ca_key is None):
        raise UsageError(f"{param('ca_cert')} and {param('ca_key')} go together: the CA certificate and its private key")
    if self_signed and password_given:
        raise UsageError(f"{param('ca_pass')}/{param('ca_pass_file')} make no sense with {param('self_signed')}")


def choose_ca(*, ca_p12: PathLike | None = None, ca_cert: PathLike | None = None, ca_key: PathLike | None = None,
              password: PasswordSource = None) -> CertificateAuthority | None:
    """The CA :func:`check_ca_choice` accepted, loaded; ``None`` for self-signed certificates.

    ``password`` may be a callable, called only when the CA turns out to be encrypted.
    """
    check_ca_choice(ca_p12=ca_p12, ca_cert=ca_cert, ca_key=ca_key, self_signed=ca_p12 is None and ca_cert is None)
    refuse_wrong_kind(ca_p12=ca_p12, ca_cert=ca_cert, ca_key=ca_key)
    if ca_p12 is not None:
        return load_ca_pkcs12(ca_p12, password)
    if ca_cert is not None and ca_key is not None:
        return load_ca_pem(ca_cert, ca_key, password)
    return None


def file_kind(path: PathLike) -> str | None:
    """"pkcs12", "certificate" or "key" from a file's first bytes (PEM or DER); None when it
    is none of them or cannot be read (the loader then says why)."""
    try:
        with open(path, "rb") as stream:
            head = stream.read(64 * 1024)
    except OSError:
        return None
    if b"-----BEGIN" in head:
        if b"CERTIFICATE-----" in head:
            return "certificate"
        return "key" if b"PRIVATE KEY-----" in head else None
    if len(head) < 4 or head[0] != 0x30:
        return None
    header = 2 if head[1] < 0x80 else 2 + (head[1] & 0x7F)
    inner = head[header:header + 3]
    if inner == b"\x02\x01\x03":  # PFX: version 3 first
        return "pkcs12"
    if inner[:1] == b"\x30":  # a certificate: its tbsCertificate SEQUENCE first
        return "certificate"
    return "key" if inner[:1] == b"\x02" else None  # PKCS#8 and PKCS#1 keys: a version INTEGER first


def refuse_wrong_kind(*, ca_p12: PathLike | None, ca_cert: PathLike | None, ca_key: PathLike | None) -> None:
    """A CA given with the flag of the other form gets an error that names the right flag."""
    if ca_p12 is not None and (kind := file_kind(ca_p12)) in ("certificate", "key"):
        cert_name, key_name = (ca_p12, "CA.key") if kind == "certificate" else ("CA.crt", ca_p12)
        raise InputError(f"{ca_p12} is a {'certificate' if kind == 'certificate' else 'private key'}, not a "
                         f"PKCS#12 keystore: {param('ca_p12')} takes the CA keystore (certutil's elastic-stack-ca.p12)",
                         hint=f"for a CA kept as PEM files: {param('ca_cert')} {cert_name} {param('ca_key')} {key_name}")
    for path, what in ((ca_cert, "certificate"), (ca_key, "private key")):
        if path is not None and file_kind(path) == "pkcs12":
            raise InputError(f"{path} is a PKCS#12 keystore, not a {what}: a CA keystore goes to "
                             f"{param('ca_p12')}", hint=f"use {param('ca_p12')} {path} alone, without "
                                                       f"{param('ca_cert')} and {param('ca_key')}")


def check_keystore_password(password: str) -> None:
    """Refuse a keystore password the JDK cannot use (certkit.keystores.reader refuses it too)."""
    for position, character in enumerate(password, start=1):
        if not " " <= character <= "~":
            raise UsageError(
                f"the keystore password has a character the JDK cannot use (U+{ord(character):04X} at "
                f"position {position}): Java reads PKCS#12 passwords as printable ASCII only",
                hint=f"choose a password of printable ASCII characters, or use {param('pem')}",
            )


def is_zip(path: PathLike) -> bool:
    return Path(path).suffix.lower() == ".zip"


def is_keystore_file(path: PathLike) -> bool:
    """A ``.p12`` / ``.pfx`` output: one node's keystore, not a bundle."""
    return Path(path).suffix.lower() in (".p12", ".pfx")


def san_names(instance: Instance) -> dict[str, list[str]]:
    return {"otherName.commonName": list(instance.cn), "dnsName": list(instance.dns), "ipAddress": list(instance.ip)}


def _node_paths(instance: Instance, pem: bool, single: bool, target: Path) -> list[str]:
    if single:
        return [str(target)]
    folder = instance.filename
    return [f"{folder}/{folder}.crt", f"{folder}/{folder}.key"] if pem else [f"{folder}/{folder}.p12"]


def _iso(moment: _dt.datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def plan_document(
    authority: CertificateAuthority | None, instances: list[Instance], validity: Validity, key: str,
    target: Path, pem: bool, single: bool, issued: list[IssuedCertificate] | None,
) -> dict[str, Any]:
    """The plan of a run (``issued`` None: a dry run) or its record, as JSON-ready data."""
    certificates = []
    for index, instance in enumerate(instances):
        entry: dict[str, Any] = {
            "name": instance.name, "filename": instance.filename,
            "subject": subject_text(instance.name),
            "names": san_names(instance), "files": _node_paths(instance, pem, single, target),
        }
        if issued is not None:
            entry["serial"] = format(issued[index].serial_number, "x")
        certificates.append(entry)
    return {
        "dry_run": issued is None,
        "out": str(target),
        "layout": "keystore" if single else ("zip" if is_zip(target) else "directory"),
        "format": "pem" if pem else "pkcs12",
        "ca": authority.certificate.subject.rfc4514_string() if authority else None,
        "self_signed": authority is None,
        "not_before": _iso(validity.not_before), "not_after": _iso(validity.not_after),
        "key": key,
        "files": ([] if authority is None or single else ["ca/ca.crt"]),
        "certificates": certificates,
    }
