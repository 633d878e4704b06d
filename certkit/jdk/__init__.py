"""What the JDK, and Elasticsearch on it, see in a certificate: the one model certkit judges by.

Elasticsearch runs on the JDK it bundles, and what it reads from a certificate depends on
that JDK's release (``certkit.targets.EsTarget.jdk``); every function here takes it as
``jdk`` (default: the newest Elasticsearch line's). Modules, in pipeline order:

* :mod:`~certkit.jdk.der`: the one DER/BER reader (certkit's strict walk, the JDK's
  DerValue rules, Elasticsearch's DerParser rules) and OID decoding;
* :mod:`~certkit.jdk.charsets`: Java's UTF-8, UTF-16 and ASCII decoders, replacements included;
* :mod:`~certkit.jdk.general_names`: the subjectAltName as the JDK parses it, or refuses it;
* :mod:`~certkit.jdk.names`: the names Elasticsearch reads (fields, otherName decoding);
* :mod:`~certkit.jdk.x500`: ``X500Principal.toString()`` and ``getName()`` of a DER Name;
* :mod:`~certkit.jdk.describe`: a certificate described for ``certkit inspect``;
* :mod:`~certkit.jdk.pkix`: the PKIX chain checks the JDK makes before trust restrictions.

Usage::

    from certkit.jdk import read_names, subject_dn
    names = read_names(der, jdk=25)
    names.other_name_cns, names.dns_names, names.refused
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from certkit._lazy import lazy_exports

if TYPE_CHECKING:
    from certkit.jdk.der import (
        MalformedCertificate,
        Truncated,
        element_length,
        first_inner_tag,
        oid_text,
        read_strict,
        tlv,
    )
    from certkit.jdk.describe import describe_certificate
    from certkit.jdk.names import (
        DEFAULT_FIELDS,
        DEFAULT_JDK,
        DNS_NAME,
        OTHERNAME_COMMON_NAME,
        SUPPORTED_FIELDS,
        CertificateFields,
        OtherName,
        SubjectAltNames,
        decode_general_names,
        locate_fields,
        names_of,
        parse_field,
        parse_fields,
        read_names,
        subject_dn,
    )
    from certkit.jdk.pkix import verify_chain
    from certkit.jdk.x500 import jdk_dn, rfc2253_dn, subject_rfc2253

__all__ = [
    "CertificateFields",
    "DEFAULT_FIELDS",
    "DEFAULT_JDK",
    "DNS_NAME",
    "MalformedCertificate",
    "OTHERNAME_COMMON_NAME",
    "OtherName",
    "SUPPORTED_FIELDS",
    "SubjectAltNames",
    "Truncated",
    "decode_general_names",
    "describe_certificate",
    "element_length",
    "first_inner_tag",
    "jdk_dn",
    "locate_fields",
    "names_of",
    "oid_text",
    "parse_field",
    "parse_fields",
    "read_names",
    "read_strict",
    "rfc2253_dn",
    "subject_dn",
    "subject_rfc2253",
    "tlv",
    "verify_chain",
]

__getattr__ = lazy_exports(__name__, __all__, {
    "der": (
        "MalformedCertificate",
    "Truncated", "Truncated", "element_length", "first_inner_tag", "oid_text", "read_strict", "tlv",
    ),
    "describe": (
        "describe_certificate",
    ),
    "names": (
        "DEFAULT_FIELDS", "DEFAULT_JDK", "DNS_NAME", "OTHERNAME_COMMON_NAME", "SUPPORTED_FIELDS", "CertificateFields",
        "OtherName", "SubjectAltNames", "decode_general_names", "locate_fields", "names_of", "parse_field",
        "parse_fields", "read_names", "subject_dn",
    ),
    "pkix": (
        "verify_chain",
    ),
    "x500": (
        "jdk_dn", "rfc2253_dn", "subject_rfc2253",
    ),
})
