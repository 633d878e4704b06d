"""Issue: the certificate authority, the node certificates it signs, and their bundles.

* :mod:`~certkit.issue.ca`: create a CA, load the user's (PKCS#12, or PEM certificate and
  key), check it is fit to sign;
* :mod:`~certkit.issue.leaf`: the node certificates of an instances plan (in parallel for
  big plans);
* :mod:`~certkit.issue.bundle`: the files laid out as elasticsearch-certutil lays them out;
* :mod:`~certkit.issue.issuance`: the choice of CA, the keystore password rule the JDK
  imposes, and the document that plans (or records) a run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from certkit._lazy import lazy_exports

if TYPE_CHECKING:
    from certkit.issue.bundle import (
        NodePackaging,
        bundle_files,
        ca_keystore,
        ca_pem_files,
        node_files,
        node_keystore,
        packaging_for,
    )
    from certkit.issue.ca import (
        CertificateAuthority,
        certificate_pem,
        check_days,
        check_fit_to_sign,
        check_key_parameters,
        create_ca,
        curve_for_size,
        load_ca_pem,
        load_ca_pkcs12,
        load_private_key,
        private_key_pem,
        weaknesses,
    )
    from certkit.issue.issuance import (
        check_ca_choice,
        check_keystore_password,
        choose_ca,
        is_keystore_file,
        is_zip,
        plan_document,
    )
    from certkit.issue.leaf import (
        IssuedCertificate,
        Validity,
        issue_all,
        issue_certificate,
    )

__all__ = [
    "CertificateAuthority", "IssuedCertificate", "NodePackaging", "Validity", "bundle_files", "ca_keystore",
    "ca_pem_files", "certificate_pem", "check_ca_choice", "check_days", "check_fit_to_sign",
    "check_key_parameters", "check_keystore_password", "choose_ca", "create_ca", "curve_for_size",
    "is_keystore_file", "is_zip", "issue_all", "issue_certificate", "load_ca_pem", "load_ca_pkcs12", "load_private_key", "node_files",
    "node_keystore", "packaging_for", "plan_document", "private_key_pem", "weaknesses",
]

__getattr__ = lazy_exports(__name__, __all__, {
    "ca": (
        "CertificateAuthority", "certificate_pem", "check_days", "check_fit_to_sign", "check_key_parameters",
        "create_ca", "curve_for_size", "load_ca_pem", "load_ca_pkcs12", "load_private_key", "private_key_pem",
        "weaknesses",
    ),
    "leaf": (
        "IssuedCertificate", "Validity", "issue_all", "issue_certificate",
    ),
    "bundle": (
        "NodePackaging", "bundle_files", "ca_keystore", "ca_pem_files", "node_files", "node_keystore",
        "packaging_for",
    ),
    "issuance": (
        "check_ca_choice", "check_keystore_password", "choose_ca", "is_keystore_file", "is_zip", "plan_document",
    ),
})
