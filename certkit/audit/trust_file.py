"""Trust-restriction files: load them as Elasticsearch does, write them, generate them.

Whether Elasticsearch admits a certificate under such a file is :mod:`certkit.audit.checker`.

Loading (docs/reference.md §2): the file name must end in ``.yml``, ``.yaml`` or ``.json``; the
file is read as an Elasticsearch settings file, i.e. flattened into dotted keys, and only
``trust.subject_name`` is used (a list, or a single string). Flat and nested spellings are
the same key; giving it twice is an error, as Elasticsearch's settings loader says
"duplicate settings key". Every other key is ignored (reported by lint). Scalars are kept
as the text written in the file (``123`` is the pattern "123", ``yes`` is "yes"), as
Elasticsearch's settings do. Every pattern is compiled; one that Elasticsearch would refuse
makes the file unloadable (the node keeps its previous restrictions).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from certkit.errors import InputError, UsageError, param
from certkit.jdk.names import DEFAULT_FIELDS, DNS_NAME, OTHERNAME_COMMON_NAME
from certkit.patterns.language import PatternError, PatternSet, escape_wildcard

SUBJECT_NAME_KEY = "trust.subject_name"
SUPPORTED_SUFFIXES = (".yml", ".yaml", ".json")
MAX_FILE_BYTES = 16 * 1024 * 1024


# ------------------------------------------------------------------------------ loading


@dataclass(frozen=True)
class TrustRestrictions:
    """A loaded trust-restrictions file.

    ``patterns`` in file order (duplicates kept, as Elasticsearch keeps them in its set);
    ``compiled`` the :class:`PatternSet`; ``ignored_keys`` the flattened settings keys
    Elasticsearch reads but does not use; ``has_subject_name`` False when the key is
    absent (then every certificate is rejected).
    """

    path: str
    patterns: tuple[str, ...]
    compiled: PatternSet = field(repr=False)
    ignored_keys: tuple[str, ...] = ()
    has_subject_name: bool = True


class _DuplicateKey(Exception):
    pass


def _flatten(value: Any, prefix: str, out: dict[str, Any], source: str) -> None:
    """Elasticsearch's Settings flattening: maps join keys with dots, lists stay lists."""
    if isinstance(value, dict):
        for key, inner in value.items():
            _flatten(inner, f"{prefix}.{key}" if prefix else str(key), out, source)
        return
    if isinstance(value, list):
        for element in value:
            if isinstance(element, (dict, list)):
                raise InputError(
                    f"{source}: the value of {prefix} is a list holding a "
                    f"{'map' if isinstance(element, dict) else 'list'}: Elasticsearch only accepts lists of values"
                )
    if prefix in out:
        raise InputError(f"{source}: duplicate settings key [{prefix}] (Elasticsearch refuses the file)")
    out[prefix] = value


def _yaml_tree(data: bytes, text: str, source: str) -> Any:
    """The YAML document with every scalar as the text written (keys and values), None for null.

    Elasticsearch keeps ``123`` and ``yes`` as written, and refuses duplicate keys, so the
    document is composed (libyaml when available: a 1,000-pattern file costs milliseconds)
    and walked here. Anything unusual (a syntax error, an alias, deep nesting) is handed to
    certkit.io.yamlio.load_yaml, which explains it (the unquoted-'*' trap first of all).
    """
    import yaml

    def explain() -> InputError:
        from certkit.io import load_yaml

        try:
            load_yaml(data, source)
        except InputError as exc:
            return exc
        return InputError(f"{source}: invalid YAML")

    from certkit.io import EMPTY_DOCUMENT, compose_plain

    node = compose_plain(text)
    if node is None:
        raise explain()  # refused by the pure-Python parse, with the reason
    if node is EMPTY_DOCUMENT:
        return None

    def convert(n: Any) -> Any:  # compose_plain checked: a tree (no aliases), 64 levels at most
        if isinstance(n, yaml.MappingNode):
            result: dict[str, Any] = {}
            for key_node, value_node in n.value:
                key = convert(key_node)
                key = "null" if key is None else str(key)
                if key in result:
                    line = key_node.start_mark.line + 1
                    raise InputError(f"{source}, line {line}: duplicate key [{key}] (Elasticsearch refuses the file)")
                result[key] = convert(value_node)
            return result
        if isinstance(n, yaml.SequenceNode):
            return [convert(v) for v in n.value]
        if n.tag == "tag:yaml.org,2002:null":
            return None
        return n.value

    return convert(node)


def _json_tree(text: str, source: str) -> Any:
    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in items:
            if key in result:
                raise _DuplicateKey(key)
            result[key] = value
        return result

    try:
        # Numbers keep their text, as Elasticsearch's settings parser keeps it.
        return json.loads(text, object_pairs_hook=pairs, parse_int=str, parse_float=str,
                          parse_constant=str)
    except _DuplicateKey as exc:
        raise InputError(f"{source}: duplicate key [{exc}] (Elasticsearch refuses the file)") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{source}, line {exc.lineno}, column {exc.colno}: invalid JSON: {exc.msg}") from None
    except RecursionError:
        raise InputError(f"{source} nests too deeply to be a settings file; refusing it") from None


def _as_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def content_type(source: str) -> str:
    """".json" or ".yml" as Elasticsearch's ``Settings.Builder.loadFromPath`` decides (case-sensitive)."""
    name = Path(source).name
    if name.endswith(".json"):
        return ".json"
    if name.endswith((".yml", ".yaml")):
        return ".yml"
    raise InputError(
        f"{source}: Elasticsearch will not load it: unable to detect content type from resource name [{name}] "
        "(the name must end in .yml, .yaml or .json, in lower case)",
        hint="rename the file, e.g. trust.yml",
    )


def parse_restrictions(data: bytes, source: str) -> TrustRestrictions:
    """Parse a restrictions file's bytes; ``source`` (its path) decides YAML or JSON."""
    suffix = content_type(source)
    if len(data) > MAX_FILE_BYTES:
        raise InputError(f"{source} is larger than {MAX_FILE_BYTES // 2**20} MiB; refusing it")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{source} is not UTF-8 text (invalid byte at offset {exc.start})") from None
    if suffix == ".json":
        if not text.strip():
            raise InputError(f"{source} is empty: not a JSON settings file")
        tree = _json_tree(text, source)
    else:
        if "\x00" in text:
            raise InputError(f"{source} contains NUL bytes: it is not a YAML text file")
        tree = _yaml_tree(data, text, source)
    if tree is None:
        tree = {}
    if not isinstance(tree, dict):
        raise InputError(f"{source}: a settings file must be a map of keys, not a {type(tree).__name__}")
    settings: dict[str, Any] = {}
    _flatten(tree, "", settings, source)
    has_subject_name = SUBJECT_NAME_KEY in settings
    for key, value in settings.items():
        # Elasticsearch loads the file with acceptNullValues=false.
        if value is None or (isinstance(value, list) and any(v is None for v in value)):
            raise InputError(
                f"{source}: null-valued setting found for key [{key}] (Elasticsearch refuses the file)",
                hint='an empty "key:" is null; write [] for an empty list',
            )
    raw = settings.get(SUBJECT_NAME_KEY)
    if raw is None:
        values: list[Any] = []
    elif isinstance(raw, list):
        values = raw
    else:
        values = [raw]
    patterns: list[str] = []
    for value in values:
        patterns.append(_as_text(value))
    try:
        compiled = PatternSet(patterns)
    except PatternError as exc:
        raise exc.within(source) from None
    ignored = tuple(key for key in settings if key != SUBJECT_NAME_KEY)
    return TrustRestrictions(source, tuple(patterns), compiled, ignored, has_subject_name)


def load_restrictions(path: str | os.PathLike[str]) -> TrustRestrictions:
    """Load a restrictions file exactly as Elasticsearch would, or raise InputError saying why not."""
    from certkit.io import read_bounded

    source = str(path)
    content_type(source)
    return parse_restrictions(read_bounded(path, "the restrictions file", MAX_FILE_BYTES), source)


# ------------------------------------------------------------------------------ writing


@dataclass(frozen=True)
class GeneratedPattern:
    """A pattern to write, with the comment that says what it admits."""

    pattern: str
    comment: str | None = None


def _quoted(pattern: str) -> str:
    # A JSON string is a valid YAML double-quoted scalar (same escapes), and double
    # quotes keep a leading '*' from being read as an alias.
    return json.dumps(pattern, ensure_ascii=False)


def render_restrictions(patterns: Sequence[str | GeneratedPattern], *, json_format: bool = False,
                        header: str | None = None) -> bytes:
    """The bytes of a restrictions file: ``trust.subject_name`` with every pattern double-quoted."""
    items = [p if isinstance(p, GeneratedPattern) else GeneratedPattern(p) for p in patterns]
    if json_format:
        return (json.dumps({SUBJECT_NAME_KEY: [i.pattern for i in items]}, indent=2, ensure_ascii=False) + "\n").encode()
    lines = [f"# {line}" for line in (header or "").splitlines()]
    if not items:
        lines.append(f"{SUBJECT_NAME_KEY}: []")
    else:
        lines.append(f"{SUBJECT_NAME_KEY}:")
        for item in items:
            if item.comment:
                lines.append(f"  # {item.comment}")
            lines.append(f"  - {_quoted(item.pattern)}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def write_restrictions(path: str | os.PathLike[str], patterns: Sequence[str | GeneratedPattern], *,
                       force: bool = False, header: str | None = None) -> Path:
    """Validate every pattern, check the result loads as Elasticsearch would, write atomically."""
    from certkit.io import write_file

    target = str(path)
    data = render_restrictions(patterns, json_format=target.lower().endswith(".json"), header=header)
    loaded = parse_restrictions(data, target if target.endswith(SUPPORTED_SUFFIXES) else "stdout.yml")
    expected = tuple(p.pattern if isinstance(p, GeneratedPattern) else p for p in patterns)
    if loaded.patterns != expected:  # a writer bug must never reach a node
        raise AssertionError(f"restrictions round trip changed the patterns: {loaded.patterns} != {expected}")
    return write_file(path, data, force=force)


# ------------------------------------------------------------------------------ generating


def _regex_literal(text: str) -> str:
    """``text`` inside a Lucene regex: letters and digits as they are, the rest escaped."""
    return "".join(ch if ch.isascii() and ch.isalnum() else "\\" + ch for ch in text)


def cluster_pattern(cluster_id: str, scope_id: str) -> GeneratedPattern:
    """Every node (one label) of one Elastic Cloud cluster."""
    from certkit.plan import check_cluster_id, check_scope_id

    check_cluster_id(cluster_id)
    check_scope_id(scope_id)
    return GeneratedPattern(
        f"/[^.]+\\.node\\.{_regex_literal(cluster_id)}\\.cluster\\.{_regex_literal(scope_id)}\\.account/",
        f"every node of cluster {cluster_id} in scope {scope_id} (<node>.node.{cluster_id}.cluster.{scope_id}.account)",
    )


def scope_pattern(scope_id: str) -> GeneratedPattern:
    """Every node of every cluster of one Elastic Cloud scope (organization / ECE environment)."""
    from certkit.plan import check_scope_id

    check_scope_id(scope_id)
    return GeneratedPattern(
        f"/[^.]+\\.node\\.[^.]+\\.cluster\\.{_regex_literal(scope_id)}\\.account/",
        f"every node of every cluster of scope {scope_id} (<node>.node.<cluster>.cluster.{scope_id}.account)",
    )


def parse_cluster_spec(spec: str) -> tuple[str, str]:
    cluster_id, at, scope_id = spec.partition("@")
    if not at or not cluster_id or not scope_id:
        raise UsageError(f"{param('cluster')} {spec}: expected CLUSTER_ID@SCOPE_ID",
                         hint=f"e.g. {param('cluster')} aaaabbbbaaaabbbb@1053523734")
    return cluster_id.strip(), scope_id.strip()


def instance_patterns(instances_path: str | os.PathLike[str], fields: Sequence[str] = DEFAULT_FIELDS,
                      on_warning=None) -> list[GeneratedPattern]:
    """The tightest patterns that admit exactly the nodes of an instances file.

    Each name a node's certificate will carry in the chosen fields (``cn`` values for the
    otherName field, ``dns`` values for the DNS field) becomes one escaped literal: the
    pattern matches that exact name and nothing else. A pattern per cluster would also
    admit nodes added later, which is what :func:`cluster_pattern` is for.
    """
    from certkit.plan import load_instances, scope_findings

    out: list[GeneratedPattern] = []
    instances = load_instances(instances_path)
    if on_warning:
        for finding in scope_findings(instances):
            on_warning(f"{finding.where}: {finding.message}" if finding.where else finding.message)
    for instance in instances:
        names: list[str] = []
        if OTHERNAME_COMMON_NAME in fields:
            names += instance.cn
        if DNS_NAME in fields:
            names += instance.dns
        if not names and on_warning:
            kinds = " or ".join(("cn" if f == OTHERNAME_COMMON_NAME else "dns") for f in fields)
            on_warning(f"instance {instance.name!r} has no {kinds} value: Elasticsearch would reject its certificate")
        for name in names:
            out.append(GeneratedPattern(escape_wildcard(name), f"node {instance.name}"))
    return out


def dedupe(patterns: Iterable[GeneratedPattern]) -> list[GeneratedPattern]:
    seen: dict[str, GeneratedPattern] = {}
    for item in patterns:
        seen.setdefault(item.pattern, item)
    return list(seen.values())
