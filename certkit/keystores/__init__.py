"""PKCS#12 keystores: read any of them, write the ones the JDK reads, say what the JDK sees.

- :func:`load_pkcs12` (:mod:`.reader`) opens a PKCS#12 file, or says exactly why it cannot
  (wrong password, a cipher the installed cryptography lacks, a damaged file, an iteration
  count above :data:`MAX_ITERATIONS`); the :class:`LoadedPkcs12` it returns carries the key,
  the certificates and :attr:`LoadedPkcs12.jdk_entries`, the aliases and entry kinds of
  ``KeyStore.getInstance("PKCS12")`` (:mod:`.jdk_view`).
- :func:`diagnose` (:mod:`.diagnosis`) reads a file's structure without its password.
- :func:`serialize_keystore` (:mod:`.writer`) writes a keystore as elasticsearch-certutil
  does: a PrivateKeyEntry plus trustedCertEntry items, with a password the target JDK takes
  (:func:`password_problem`).

The KDF (:mod:`.kdf`), the DER walker and writer (:mod:`.der`) and RC2 (:mod:`.rc2`) are
internals. Names are resolved on first use, so that ``import certkit.keystores.writer`` in
an issuing worker does not load the reader.

    from certkit.keystores import load_pkcs12
    loaded = load_pkcs12(open("node.p12", "rb").read(), "changeit", source="node.p12")
    for entry in loaded.jdk_entries or ():
        print(entry.alias, entry.kind, len(entry.chain))
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__all__ = [
    "DEFAULT_ITERATIONS",
    "JDK_MAX_ITERATIONS",
    "JDK_TRUSTED_KEY_USAGE",
    "MAX_ITERATIONS",
    "JdkEntry",
    "LoadedPkcs12",
    "Pkcs12Certificate",
    "Pkcs12Diagnosis",
    "SharedDerivations",
    "diagnose",
    "jdk_entries",
    "load_pkcs12",
    "password_problem",
    "serialize_keystore",
    "serialize_truststore",
]

_HOME = {
    "DEFAULT_ITERATIONS": "writer",
    "JDK_TRUSTED_KEY_USAGE": "writer",
    "SharedDerivations": "writer",
    "serialize_keystore": "writer",
    "serialize_truststore": "writer",
    "JDK_MAX_ITERATIONS": "jdk_view",
    "JdkEntry": "jdk_view",
    "jdk_entries": "jdk_view",
    "password_problem": "jdk_view",
    "Pkcs12Diagnosis": "diagnosis",
    "diagnose": "diagnosis",
    "LoadedPkcs12": "reader",
    "MAX_ITERATIONS": "reader",
    "Pkcs12Certificate": "reader",
    "load_pkcs12": "reader",
}

if TYPE_CHECKING:
    from certkit.keystores.diagnosis import Pkcs12Diagnosis, diagnose
    from certkit.keystores.jdk_view import (
        JDK_MAX_ITERATIONS,
        JdkEntry,
        jdk_entries,
        password_problem,
    )
    from certkit.keystores.reader import (
        MAX_ITERATIONS,
        LoadedPkcs12,
        Pkcs12Certificate,
        load_pkcs12,
    )
    from certkit.keystores.writer import (
        DEFAULT_ITERATIONS,
        JDK_TRUSTED_KEY_USAGE,
        SharedDerivations,
        serialize_keystore,
        serialize_truststore,
    )


def __getattr__(name: str) -> Any:
    if name not in _HOME:
        raise AttributeError(f"module 'certkit.keystores' has no attribute {name!r}")
    return getattr(importlib.import_module(f"certkit.keystores.{_HOME[name]}"), name)
