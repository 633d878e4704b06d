"""``restrictions check --report audit.html``: the auditor's page, one self-contained file.

The page loads nothing (no network, no external style, font or script) and reads fully
with scripts disabled: the certificates table is already in the order an auditor wants
(rejected and unreadable ones first, then the admitted, each group in audit order). One
small inline script adds sorting: a click on a column heading, or a ``#sort=COLUMN``
fragment (``#sort=-COLUMN`` descending) on opening the page; a click sets the fragment,
so both go through the same code.

Certificate names are attacker-controlled. Every text goes through
:func:`~certkit.audit.report_files.printable` and then :func:`html.escape` (quotes
included); on top of that the page's Content-Security-Policy allows no script and no
style but its own two inline blocks (by their SHA-256), so even markup that escaped the
escaping could run nothing and load nothing.
"""

from __future__ import annotations

import base64
import hashlib
import html
from collections.abc import Sequence

from certkit.audit.report_files import (
    ADMITTED,
    ERROR,
    OUTCOMES,
    REJECTED,
    SKIPPED,
    CertificateRecord,
    ReportContext,
    Summary,
    expiry_text,
    iso_time,
    pattern_reason,
    printable,
)

#: The columns of the certificates table: (key for #sort=, heading).
COLUMNS = (("verdict", "Verdict"), ("source", "Source"), ("names", "Names (as Elasticsearch reads them)"),
           ("subject", "Subject"), ("pattern", "Matched pattern or reason"), ("chain", "Chain"),
           ("expiry", "Not after"))

_STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:1.5em 2em;color:#1b1f24;background:#fff}
h1{font-size:1.5em;margin:0 0 .3em}h2{font-size:1.2em;margin:1.4em 0 .4em}
code,.mono{font-family:ui-monospace,monospace;font-size:.92em;word-break:break-all}
.target{color:#444}
ul.counts{display:flex;gap:1em;list-style:none;padding:0}
ul.counts li{border:1px solid #ccc;border-radius:6px;padding:.4em .9em}
.count{font-size:1.4em;font-weight:600;margin-right:.3em}
table{border-collapse:collapse;width:100%}
th,td{border:1px solid #d0d7de;padding:.3em .5em;text-align:left;vertical-align:top}
th{background:#f3f4f6}th button{all:unset;cursor:pointer;font-weight:600}
td{overflow-wrap:anywhere}td.mono{min-width:10em}td.when,td.verdict{white-space:nowrap;overflow-wrap:normal}
th[aria-sort=ascending] button::after{content:" \\25B2"}th[aria-sort=descending] button::after{content:" \\25BC"}
tr.rejected td:first-child,li.rejected .count{color:#b42318}
tr.error td:first-child,li.error .count{color:#9a3412}
tr.admitted td:first-child,li.admitted .count{color:#067647}
.finding{margin:.2em 0}.field{color:#555}
"""

# Sorting only; the page reads the same without it. Keys: a cell's data-key, else its text;
# ties keep the audit order (data-order), so every sort is stable and reproducible.
_SCRIPT = """
(function () {
  "use strict";
  var table = document.getElementById("certificates");
  if (!table) { return; }
  var body = table.tBodies[0];
  var headings = table.tHead.rows[0].cells;
  var collator = new Intl.Collator("en", {numeric: true});
  function keyOf(row, index) {
    var cell = row.cells[index];
    return cell.hasAttribute("data-key") ? cell.getAttribute("data-key") : cell.textContent;
  }
  function sortBy(spec) {
    var descending = spec.charAt(0) === "-";
    var column = descending ? spec.slice(1) : spec;
    var index = -1;
    for (var i = 0; i < headings.length; i++) {
      if (headings[i].getAttribute("data-column") === column) { index = i; }
    }
    if (index < 0) { return; }
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var order = collator.compare(keyOf(a, index), keyOf(b, index));
      if (descending) { order = -order; }
      return order || (Number(a.getAttribute("data-order")) - Number(b.getAttribute("data-order")));
    });
    var fragment = document.createDocumentFragment();
    rows.forEach(function (row) { fragment.appendChild(row); });
    body.appendChild(fragment);
    for (var j = 0; j < headings.length; j++) {
      headings[j].setAttribute("aria-sort", j === index ? (descending ? "descending" : "ascending") : "none");
    }
    table.setAttribute("data-sorted", (descending ? "-" : "") + column);
  }
  function sortFromFragment() {
    var match = /^#sort=(-?[a-z]+)$/.exec(window.location.hash);
    if (match) { sortBy(match[1]); }
  }
  Array.prototype.forEach.call(headings, function (heading) {
    var column = heading.getAttribute("data-column");
    var button = document.createElement("button");
    button.type = "button";
    button.textContent = heading.textContent;
    button.title = "Sort by this column";
    heading.textContent = "";
    heading.appendChild(button);
    button.addEventListener("click", function () {
      var ascending = table.getAttribute("data-sorted") === column;
      window.location.hash = "sort=" + (ascending ? "-" : "") + column;
    });
  });
  window.addEventListener("hashchange", sortFromFragment);
  sortFromFragment();
})();
"""


def _hash_source(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


#: Nothing may load or run but the page's own style and script (named by their hashes).
CONTENT_SECURITY_POLICY = (
    f"default-src 'none'; style-src {_hash_source(_STYLE)}; script-src {_hash_source(_SCRIPT)}; "
    "img-src 'none'; base-uri 'none'; form-action 'none'"
)

#: Where each outcome goes in the default order (and its sort key in the verdict column).
_RANK = {outcome: index for index, outcome in enumerate(OUTCOMES)}
_VERDICT_TEXT = {REJECTED: "REJECTED", ERROR: "ERROR (unreadable)", ADMITTED: "admitted", SKIPPED: "skipped"}


def _text(value: object) -> str:
    return html.escape(printable(value), quote=True)


def render_html(context: ReportContext, records: Sequence[CertificateRecord]) -> bytes:
    """The whole page, UTF-8."""
    summary = Summary.of(records)
    judged = [record for record in records if record.outcome != SKIPPED]
    order = sorted(range(len(judged)), key=lambda i: (_RANK[judged[i].outcome], i))
    skipped = [record for record in records if record.outcome == SKIPPED]
    title = f"certkit audit of {printable(context.restrictions_path)}"
    parts = [
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n",
        f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">\n',
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
        f"<title>{html.escape(title)}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n",
        _header(context),
        _summary(summary),
        _trust_file(context),
        '<section id="certificates-section">\n<h2>Certificates</h2>\n',
        "<p>Rejected and unreadable certificates first, then the admitted ones, each in audit order. "
        "Click a column heading to sort by it (again: the other way round).</p>\n",
        '<table id="certificates">\n<thead><tr>',
        "".join(f'<th scope="col" data-column="{key}">{html.escape(heading)}</th>' for key, heading in COLUMNS),
        "</tr></thead>\n<tbody>\n",
        "".join(_row(judged[index], index, context) for index in order),
        "</tbody>\n</table>\n</section>\n",
        _skipped(skipped),
        f"<script>{_SCRIPT}</script>\n</body>\n</html>\n",
    ]
    return "".join(parts).encode("utf-8")


def _header(context: ReportContext) -> str:
    target = context.target
    lines = [
        f"<header>\n<h1>Trust restrictions audit: <code>{_text(context.restrictions_path)}</code></h1>\n",
        f'<p class="target" id="target">Verdicts for <strong>Elasticsearch {target.line}</strong> '
        f"(its bundled JDK {target.jdk}, Lucene {target.lucene[0]}.{target.lucene[1]}): names read as that "
        "JDK hands them over, patterns compiled as that Lucene compiles them.</p>\n",
        f"<p>Fields checked: {', '.join(f'<code>{_text(f)}</code>' for f in context.fields)}. ",
    ]
    if context.anchors:
        when = iso_time(context.validation_time) if context.validation_time else "the time of the audit"
        lines.append(f"Chains verified as of {_text(when)} against: "
                     + "; ".join(f"<code>{_text(subject)}</code>" for subject in context.anchors) + ". ")
    else:
        lines.append("Chains not verified (no --ca given). ")
    version = f" by certkit {_text(context.version)}" if context.version else ""
    lines.append(f"Generated {iso_time(context.generated)}{version}.</p>\n</header>\n")
    return "".join(lines)


def _summary(summary: Summary) -> str:
    items = ((REJECTED, summary.rejected, "rejected"), (ERROR, summary.errors, "unreadable (errors)"),
             (ADMITTED, summary.admitted, "admitted"), (SKIPPED, summary.skipped, "CA certificates not judged"))
    return ('<section id="summary">\n<h2>Summary</h2>\n<ul class="counts">'
            + "".join(f'<li class="{outcome}" data-outcome="{outcome}"><span class="count">{count}</span>{label}</li>'
                      for outcome, count, label in items)
            + f"</ul>\n<p>{summary.judged} certificate{'s' if summary.judged != 1 else ''} judged.</p>\n</section>\n")


def _trust_file(context: ReportContext) -> str:
    parts = ['<section id="trust-file">\n<h2>Trust file</h2>\n',
             f"<p><code>{_text(context.restrictions_path)}</code>: {len(context.patterns)} pattern"
             f"{'s' if len(context.patterns) != 1 else ''} (trust.subject_name)</p>\n<ol class=\"patterns\">",
             "".join(f"<li><code>{_text(pattern)}</code></li>" for pattern in context.patterns),
             "</ol>\n<h3>Lint findings</h3>\n"]
    lint = context.lint
    if lint is None:
        parts.append("<p>Not linted.</p>\n")
    elif not lint.warnings and not lint.notes:
        parts.append('<p id="lint-none">No findings.</p>\n')
    else:
        parts.append('<ul id="lint">')
        parts += [f'<li class="finding">warning <code>[{_text(w.code)}]</code> {_text(w.render())}</li>'
                  for w in lint.warnings]
        parts += [f'<li class="finding">note: {_text(note)}</li>' for note in lint.notes]
        parts.append("</ul>\n")
    parts.append("</section>\n")
    return "".join(parts)


def _names_cell(record: CertificateRecord) -> str:
    lines = []
    for field_name, values in record.names:
        shown = ", ".join(f"<code>{_text(value)}</code>" for value in values) if values else "(none)"
        lines.append(f'<div><span class="field">{_text(field_name)}:</span> {shown}</div>')
    lines += [f"<div>warning: {_text(warning)}</div>" for warning in record.warnings]
    return "".join(lines)


def _row(record: CertificateRecord, order: int, context: ReportContext) -> str:
    expiry = expiry_text(record.not_after, context.as_of)
    not_after = iso_time(record.not_after)
    cells = (
        f'<td class="verdict" data-key="{_RANK[record.outcome]}">{_VERDICT_TEXT[record.outcome]}</td>',
        f'<td class="mono">{_text(record.source)}</td>',
        f"<td>{_names_cell(record)}</td>",
        f'<td class="mono">{_text(record.subject)}</td>',
        f"<td>{_text(pattern_reason(record))}</td>",
        f"<td>{_text(record.chain)}</td>",
        f'<td class="when" data-key="{not_after}">{not_after}{"<br>" + expiry if expiry else ""}</td>',
    )
    return f'<tr class="{record.outcome}" data-order="{order}">{"".join(cells)}</tr>\n'


def _skipped(records: Sequence[CertificateRecord]) -> str:
    if not records:
        return ""
    rows = "".join(f'<tr><td class="mono">{_text(r.source)}</td><td class="mono">{_text(r.subject)}</td>'
                   f"<td>{_text(r.reason or '')}</td></tr>\n" for r in records)
    return ('<section id="skipped-section">\n<h2>CA certificates not judged</h2>\n<table id="skipped">\n'
            '<thead><tr><th scope="col">Source</th><th scope="col">Subject</th><th scope="col">Why</th></tr></thead>\n'
            f"<tbody>\n{rows}</tbody>\n</table>\n</section>\n")
