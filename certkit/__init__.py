"""certkit: certificates and trust restrictions for Elasticsearch clusters that trust each other.

The library is the pipeline's stages, one package each; each package's ``__all__`` is what
it offers, and a name is imported only when first used:

* :mod:`certkit.plan`: Elastic Cloud node names and certutil's instances file;
* :mod:`certkit.issue`: the CA, node certificates, certutil-style bundles;
* :mod:`certkit.keystores`: PKCS#12 read and written as the JDK reads them;
* :mod:`certkit.patterns`: Elasticsearch's trust-pattern language (Lucene's regexps);
* :mod:`certkit.jdk`: what the JDK and Elasticsearch see in a certificate;
* :mod:`certkit.audit`: trust-restriction files and which certificates they admit;
* :mod:`certkit.wire`: elasticsearch.yml lines, remote cluster and API key bodies, Cloud payloads;
* :mod:`certkit.io`: reading inputs (certificates, sources, secrets) and writing outputs;
* :mod:`certkit.errors`: the one error family (bad input: :class:`~certkit.errors.CertkitError`).

Plan three nodes, issue their certificates from a new CA, and ask what Elasticsearch
would admit under a trust file for that cluster::

    from certkit.audit import RestrictionChecker, cluster_pattern, parse_restrictions, render_restrictions
    from certkit.io import pem_text_certificates
    from certkit.issue import certificate_pem, create_ca, issue_certificate
    from certkit.plan import generate_instances

    ca = create_ca(key_type="ec")
    nodes = generate_instances("aaaabbbbaaaabbbb", "1053523734", ["es01", "es02", "es03"])
    issued = [issue_certificate(ca, node, key_type="ec") for node in nodes]
    trust_file = render_restrictions([cluster_pattern("aaaabbbbaaaabbbb", "1053523734")])
    checker = RestrictionChecker(parse_restrictions(trust_file, "trust.yml"))
    bundle = certificate_pem(*(node.certificate for node in issued))
    for verdict in checker.check_items(pem_text_certificates(bundle, "nodes.pem")):
        print(verdict.source, "admitted" if verdict.admitted else verdict.reason)

This module itself holds the version only, so that ``certkit --version`` and
``import certkit`` stay instant.
"""

__version__ = "0.1.0"
