"""Audit: trust-restriction files, and which certificates Elasticsearch admits under them.

* :mod:`~certkit.audit.trust_file`: load a file exactly as Elasticsearch does, write one,
  generate patterns for clusters, scopes or an instances plan;
* :mod:`~certkit.audit.checker`: the verdict for each certificate (:class:`Verdict`),
  following chains through a stream of certificates;
* :mod:`~certkit.audit.expiry`: expired, not yet valid or expiring certificates, on a given day;
* :mod:`~certkit.audit.lint`: patterns that load but probably do not mean what was meant;
* :mod:`~certkit.audit.lint_text`: lint findings about the text (every unquoted alias, placeholders);
* :mod:`~certkit.audit.engine`: the audit of many sources, in parallel, in order;
* :mod:`~certkit.audit.report`: the human and JSON renderings of each verdict;
* :mod:`~certkit.audit.report_files`, :mod:`~certkit.audit.report_html`: the report files
  of ``check --report/--junit/--csv``, from a record per verdict.
* :mod:`~certkit.audit.preflight` / :mod:`~certkit.audit.preflight_checks`: what both
  clusters check at start-up and at the handshake, one :class:`Check` each.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from certkit._lazy import lazy_exports

if TYPE_CHECKING:
    from certkit.audit.checker import (
        ChainTracker,
        RestrictionChecker,
        Verdict,
    )
    from certkit.audit.engine import (
        Audit,
        Renderer,
    )
    from certkit.audit.expiry import (
        expiry_summary,
        expiry_totals,
        parse_expires_within,
    )
    from certkit.audit.lint import (
        LintReport,
        LintWarning,
        lint_restrictions,
    )
    from certkit.audit.lint_text import (
        lint_unloadable,
        placeholder_warnings,
    )
    from certkit.audit.preflight import (
        CHECK_FAILED,
        CHECK_SKIPPED,
        Check,
        LocalNode,
        RemoteSide,
        cloud_trust_side,
        flat_settings,
        plan_nodes,
    )
    from certkit.audit.preflight_checks import run_preflight
    from certkit.audit.report import (
        HumanReport,
        JsonReport,
    )
    from certkit.audit.report_files import (
        CertificateRecord,
        RecordingReport,
        ReportContext,
        ReportOutputs,
        render_csv,
        render_junit,
    )
    from certkit.audit.report_html import render_html
    from certkit.audit.trust_file import (
        GeneratedPattern,
        TrustRestrictions,
        cluster_pattern,
        content_type,
        dedupe,
        instance_patterns,
        load_restrictions,
        parse_cluster_spec,
        parse_restrictions,
        render_restrictions,
        scope_pattern,
        write_restrictions,
    )

__all__ = [
    "Audit", "CHECK_FAILED", "CHECK_SKIPPED", "CertificateRecord", "ChainTracker", "Check",
    "GeneratedPattern", "HumanReport", "JsonReport", "LintReport", "LintWarning", "LocalNode",
    "RecordingReport", "RemoteSide", "Renderer", "ReportContext", "ReportOutputs", "RestrictionChecker",
    "TrustRestrictions", "Verdict", "cloud_trust_side", "cluster_pattern", "content_type", "dedupe",
    "expiry_summary", "expiry_totals", "flat_settings", "instance_patterns", "lint_restrictions",
    "lint_unloadable", "load_restrictions", "parse_cluster_spec", "parse_expires_within",
    "parse_restrictions", "placeholder_warnings", "plan_nodes", "render_csv", "render_html", "render_junit",
    "render_restrictions", "run_preflight", "scope_pattern", "write_restrictions",
]

__getattr__ = lazy_exports(__name__, __all__, {
    "trust_file": (
        "GeneratedPattern", "TrustRestrictions", "cluster_pattern", "content_type", "dedupe",
        "instance_patterns", "load_restrictions", "parse_cluster_spec", "parse_restrictions", "placeholder_warnings",
        "render_restrictions", "scope_pattern", "write_restrictions",
    ),
    "checker": (
        "ChainTracker", "RestrictionChecker", "Verdict",
    ),
    "lint": (
        "LintReport", "LintWarning", "lint_restrictions", "lint_unloadable",
    ),
    "lint_text": (
        "lint_unloadable", "placeholder_warnings",
    ),
    "engine": (
        "Audit", "Renderer",
    ),
    "expiry": (
        "expiry_summary", "expiry_totals", "parse_expires_within",
    ),
    "report": (
        "HumanReport", "JsonReport",
    ),
    "report_files": (
        "CertificateRecord", "RecordingReport", "ReportContext", "ReportOutputs", "render_csv", "render_junit",
    ),
    "report_html": (
        "render_html",
    ),
    "preflight": (
        "CHECK_FAILED", "CHECK_SKIPPED", "Check", "LocalNode", "RemoteSide", "cloud_trust_side", "flat_settings",
        "plan_nodes",
    ),
    "preflight_checks": (
        "run_preflight",
    ),
})
