"""The command line's names for the library's parameters.

Library errors name the input at fault by parameter (``certkit.errors.param``); the CLI
says which flag that is. Most parameters are their flag (``days`` is ``--days``,
``ca_pass_file`` is ``--ca-pass-file``); the table holds the ones that are not.
"""

from __future__ import annotations

from certkit.errors import CertkitError

FLAG_OF = {
    "node_names": "--node-name/--in",
    "cas": "--ca",
    "client_cas": "--ca",
    "x509_fields": "--fields",
    "server_certificate": "--server-cert",
    "signing_certificate": "--signing-cert",
    "certificate": "--cert",
    "truststore_cas": "--truststore-ca",
    "signing_alias": "--alias",
    "signing_cas": "--signing-ca",
    "addresses": "--address",
    "fmt": "--format",
    "allow_weak": "--allow-weak-ca",
    "ca_p12": "--ca",
    "extra_ips": "--ip",
    # How `instances generate` takes the list of nodes.
    "nodes": "--node NAME (repeatable), --nodes N or --from-csv FILE",
    # Not a flag: the command a hint suggests for a step the library leaves to the user.
    # --nokeys alone: a CA keystore's one certificate is bound to the CA key (so --cacerts
    # finds none), a truststore's are not (so --clcerts finds none); --nokeys takes both.
    "pkcs12_to_pem": "'certkit convert FILE.p12 --nokeys --out ca.crt.pem'",
}


def flag_for(parameter: str) -> str:
    return FLAG_OF.get(parameter, "--" + parameter.replace("_", "-"))


def explain(error: CertkitError) -> tuple[str, str | None]:
    """The error's message and hint as the command line says them."""
    return error.explain(flag_for)
