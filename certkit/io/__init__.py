"""I/O: every way certkit reads its inputs and writes its outputs.

* :mod:`~certkit.io.certificates`: THE certificate file loader (PEM or DER) and chain order;
* :mod:`~certkit.io.sources`: certificates from PEM, DER, PKCS#12, folders, zips and live
  TLS servers, streamed;
* :mod:`~certkit.io.inputs`: reading an input file whole, within the size it can have;
* :mod:`~certkit.io.outputs`: writing files and bundles atomically, keys 0600 from the first byte;
* :mod:`~certkit.io.secrets`: a secret from the file a user keeps it in;
* :mod:`~certkit.io.yamlio`: YAML read safely (no aliases, bounded depth).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from certkit._lazy import lazy_exports

if TYPE_CHECKING:
    from certkit.io.certificates import (
        certificate_from_der,
        input_being_parsed,
        load_certificates,
        order_chain,
        parsing_input,
        read_certificate_file,
    )
    from certkit.io.inputs import (
        MAX_TEXT_INPUT_BYTES,
        port_number,
        read_bounded,
        require_decodable,
    )
    from certkit.io.outputs import (
        OutputFile,
        check_secret_target,
        ensure_absent,
        write_bundle,
        write_file,
        write_files,
        write_tree,
    )
    from certkit.io.secrets import (
        WarnFn,
        read_secret_file,
    )
    from certkit.io.sources import (
        CertificateItem,
        NotCertificates,
        NoteFn,
        PasswordCache,
        PasswordProvider,
        TlsOptions,
        directory_files,
        folder_file_certificates,
        iter_certificates,
        no_certificates_in_folder,
        pem_text_certificates,
        read_certificates,
        require_sources,
    )
    from certkit.io.yamlio import (
        EMPTY_DOCUMENT,
        UnquotedAlias,
        compose_plain,
        load_yaml,
        unquoted_aliases,
    )

__all__ = [
    "CertificateItem", "EMPTY_DOCUMENT", "MAX_TEXT_INPUT_BYTES", "NotCertificates", "NoteFn", "OutputFile",
    "PasswordCache", "PasswordProvider", "TlsOptions", "UnquotedAlias", "WarnFn", "certificate_from_der",
    "check_secret_target", "compose_plain", "directory_files", "ensure_absent", "folder_file_certificates",
    "iter_certificates", "load_certificates", "load_yaml", "no_certificates_in_folder", "order_chain",
    "pem_text_certificates", "port_number", "read_bounded", "read_certificate_file", "read_certificates",
    "read_secret_file", "require_decodable", "require_sources", "unquoted_aliases", "write_bundle",
    "write_file", "write_files", "write_tree",
]
# Which input cryptography is parsing, for the warnings that do not say (io.certificates).
__all__ += ["input_being_parsed", "parsing_input"]
__all__.sort()

__getattr__ = lazy_exports(__name__, __all__, {
    "certificates": (
        "certificate_from_der", "input_being_parsed", "load_certificates", "order_chain", "parsing_input",
        "read_certificate_file",
    ),
    "sources": (
        "CertificateItem", "NoteFn", "NotCertificates", "PasswordCache", "PasswordProvider", "TlsOptions",
        "directory_files",
        "folder_file_certificates", "iter_certificates", "no_certificates_in_folder", "pem_text_certificates",
        "read_certificates", "require_sources",
    ),
    "inputs": (
        "MAX_TEXT_INPUT_BYTES", "port_number", "read_bounded", "require_decodable",
    ),
    "outputs": (
        "OutputFile", "check_secret_target", "ensure_absent", "write_bundle", "write_file", "write_files",
        "write_tree",
    ),
    "secrets": (
        "WarnFn", "read_secret_file",
    ),
    "yamlio": (
        "EMPTY_DOCUMENT", "UnquotedAlias", "compose_plain", "load_yaml", "unquoted_aliases",
    ),
})
