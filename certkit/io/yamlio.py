"""Reading the YAML files users hand to certkit (instances files, trust restrictions).

Plain ``yaml.safe_load`` is not enough for them:

* an unquoted pattern such as ``- *.node.abc.cluster.1.account`` is a YAML *alias*, and the
  parser's own message ("expected alphabetic or numeric character, but found '.'", "found
  undefined alias") does not tell the user to quote it; Elastic's public docs show such
  unquoted examples, so this is the error users hit first;
* anchors and aliases let a small file expand into millions of nodes (a "billion laughs"
  bomb); neither instances files nor trust files need them, so aliases are refused
  before anything is expanded;
* absurdly deep nesting would exhaust the parser's recursion.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from certkit.errors import InputError
from certkit.io.block_yaml import NOT_PLAIN, read_block_yaml

MAX_YAML_BYTES = 16 * 1024 * 1024
MAX_DEPTH = 64


def _where(source: str, mark: Any) -> str:
    if mark is None:
        return source
    return f"{source}, line {mark.line + 1}, column {mark.column + 1}"


def _line_at(text: str, mark: Any) -> str:
    if mark is None:
        return ""
    lines = text.splitlines()
    return lines[mark.line].strip() if 0 <= mark.line < len(lines) else ""


#: Nesting depth below which libyaml's recursive composer is certainly safe.
SAFE_LIBYAML_DEPTH = 1000


def may_nest_deeply(text: str) -> bool:
    """Whether ``text`` could nest more than :data:`SAFE_LIBYAML_DEPTH` levels (cheap, never
    wrong the unsafe way): flow nesting needs a bracket per level, block nesting a deeper
    column (at most two levels per column: a sequence may sit at its parent key's indentation).

    libyaml's composer recurses in C once per level: tens of thousands of levels
    ("[[[[..." or "- - - ...") overflow the C stack and kill the process outright, so
    such a text is left to the depth-limited pure-Python parse.
    """
    brackets = text.count("[") + text.count("{")
    if brackets > SAFE_LIBYAML_DEPTH:
        return True
    longest_line = max((len(line) for line in text.splitlines()), default=0)
    return brackets + 2 * (longest_line + 1) > SAFE_LIBYAML_DEPTH


#: compose_plain's answer for an empty document (None means "not plain").
EMPTY_DOCUMENT = object()


class _TooDeep(Exception):
    """A document nests deeper than :data:`MAX_DEPTH` (raised by the depth-limited composer)."""


@functools.cache
def _depth_limited_loader() -> type:
    """PyYAML's pure-Python SafeLoader, stopping at :data:`MAX_DEPTH` levels.

    Left to itself, the pure-Python parser goes on to a RecursionError at ~1,000 levels, and
    its scanner, which reads ahead of the composer, spends time proportional to the open
    flow levels on every token: refusing "[[[[...]]]]" took seconds. Stopping both the
    scanner and the composer at the depth certkit refuses anyway takes milliseconds.
    """
    import yaml

    class DepthLimitedLoader(yaml.SafeLoader):
        _depth = 0

        def fetch_flow_collection_start(self, token_class: Any) -> None:
            super().fetch_flow_collection_start(token_class)
            if self.flow_level > MAX_DEPTH + 1:  # each flow level is a node level: the composer would refuse it
                raise _TooDeep

        def add_indent(self, column: int) -> bool:
            added = super().add_indent(column)
            if len(self.indents) > MAX_DEPTH + 1:  # each block indentation opens a node level, too
                raise _TooDeep
            return added

        def compose_node(self, parent: Any, index: Any) -> Any:
            if self._depth > MAX_DEPTH:
                raise _TooDeep
            self._depth += 1
            try:
                return super().compose_node(parent, index)
            finally:
                self._depth -= 1

    return DepthLimitedLoader


def compose_plain(text: str) -> Any:
    """The YAML node graph of ``text`` (:data:`EMPTY_DOCUMENT` when it holds none), or
    None when it is not certainly plain: a syntax error, an alias (a node reached twice),
    or more than :data:`MAX_DEPTH` levels. Text that could nest deeply is composed by the
    pure-Python parser, never by libyaml.

    A None tells the caller to parse with :func:`load_yaml`'s own loader, which refuses
    the same files with the explanation (the unquoted-'*' trap first of all). libyaml,
    when PyYAML has it, composes ~10x faster than the pure-Python parser; composing never
    expands aliases (they are shared nodes), so a "billion laughs" costs nothing here.
    """
    import yaml

    loader_class = getattr(yaml, "CSafeLoader", None)
    if loader_class is None or may_nest_deeply(text):
        # The pure-Python composer: deep nesting is a RecursionError there, not a crash.
        # (Answering "not plain" instead sent every file with a 600-character comment
        # or 1,000 brackets in its patterns to load_yaml, which loads it fine, and the
        # caller was left with no explanation but "invalid YAML".)
        loader_class = _depth_limited_loader()
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
    except (yaml.YAMLError, RecursionError, _TooDeep):
        return None
    finally:
        loader.dispose()
    if node is None:
        return EMPTY_DOCUMENT
    seen: set[int] = set()
    todo = [(node, 0)]
    while todo:
        current, depth = todo.pop()
        if id(current) in seen or depth > MAX_DEPTH:
            return None
        seen.add(id(current))
        if isinstance(current, yaml.MappingNode):
            todo += [(child, depth + 1) for pair in current.value for child in pair]
        elif isinstance(current, yaml.SequenceNode):
            todo += [(child, depth + 1) for child in current.value]
    return node


def load_yaml(data: bytes | str, source: str) -> Any:
    """Parse ``data`` (named ``source`` in errors) into plain Python objects."""
    import yaml

    if isinstance(data, bytes):
        if len(data) > MAX_YAML_BYTES:
            raise InputError(f"{source} is larger than {MAX_YAML_BYTES // (1024 * 1024)} MiB; refusing to parse it as YAML")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InputError(f"{source} is not UTF-8 text (invalid byte at offset {exc.start})") from None
    else:
        text = data
    if "\x00" in text:
        raise InputError(f"{source} contains NUL bytes: it is not a YAML text file")

    # The plainest block YAML (what certkit and certutil write) is read without PyYAML's
    # nodes; the rest, and every error, goes through PyYAML below.
    document = read_block_yaml(text)
    if document is not NOT_PLAIN:
        return document
    node = compose_plain(text)
    if node is EMPTY_DOCUMENT:
        return None
    if node is not None:
        try:
            return yaml.constructor.SafeConstructor().construct_document(node)
        except (yaml.YAMLError, ValueError, TypeError, AttributeError, OverflowError):
            pass  # the pure-Python parse below explains it

    class _Loader(_depth_limited_loader()):  # type: ignore[misc]
        def compose_node(self, parent: Any, index: Any) -> Any:
            if self.check_event(yaml.AliasEvent):
                event = self.peek_event()
                raise InputError(
                    f"{_where(source, event.start_mark)}: YAML aliases (*{event.anchor}) are not supported",
                    hint="if this is a pattern starting with '*', put it in double quotes",
                )
            return super().compose_node(parent, index)

    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader derives from SafeLoader
    except _TooDeep:
        raise InputError(f"{source} nests deeper than {MAX_DEPTH} levels; refusing to parse it") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if (exc.context or "").startswith("while scanning an alias") or "undefined alias" in (exc.problem or ""):
            offending = _line_at(text, mark)
            raise InputError(
                f"{_where(source, mark)}: an unquoted value starting with '*' is a YAML alias, "
                f"not a pattern: {offending}",
                hint='quote it, e.g. - "*.node.<cluster_id>.cluster.<scope_id>.account"',
            ) from None
        raise InputError(f"{_where(source, mark)}: invalid YAML: {exc.problem or exc}") from None
    except yaml.YAMLError as exc:
        raise InputError(f"{source}: invalid YAML: {exc}") from None
    except RecursionError:
        raise InputError(f"{source} nests too deeply; refusing to parse it") from None
    except (ValueError, TypeError, AttributeError, OverflowError) as exc:
        # A scalar its resolved type cannot build: a date-like 2001-13-45, "!!int zz".
        raise InputError(f"{source}: a value cannot be read as the type YAML gives it ({exc})",
                         hint="put the value in double quotes") from None


@dataclass(frozen=True)
class UnquotedAlias:
    """A line with values that start with an unquoted ``*``: YAML reads them as aliases, not text."""

    line: int  # 1-based
    text: str  # the line as written (stripped)
    values: tuple[str, ...]  # the values as their author meant them ("*.node.x.cluster.1.account")
    fixed: str  # the line with those values double-quoted (stripped)


#: unquoted_aliases scans the text once per alias it finds: at most this many.
MAX_REPORTED_ALIASES = 100


def unquoted_aliases(text: str) -> tuple[list[UnquotedAlias], str]:
    """Every line of ``text`` with values YAML would read as aliases, in order, each with its
    fix, and ``text`` with every fix applied.

    The scanner stops at the first alias that is no valid alias name (``*.node...``), and
    certkit refuses the others (``*abc``): each one found is quoted in a working copy and
    the scan starts again, so one run finds them all (up to :data:`MAX_REPORTED_ALIASES`).
    """
    import yaml

    original = text.splitlines(keepends=True)
    lines = list(original)
    values: dict[int, list[str]] = {}
    # The depth-limited scanner: libyaml's takes minutes over "[[[[..." (it revisits every
    # open flow level at each token), this one stops at the depth certkit refuses anyway.
    loader_class = _depth_limited_loader()
    flow_opening = (yaml.FlowSequenceStartToken, yaml.FlowMappingStartToken)
    flow_closing = (yaml.FlowSequenceEndToken, yaml.FlowMappingEndToken)
    for _ in range(MAX_REPORTED_ALIASES):
        loader = loader_class("".join(lines))
        at, flow_level = None, 0
        try:
            while loader.check_token():
                token = loader.get_token()
                if isinstance(token, yaml.AliasToken):
                    at = token.start_mark
                    break
                flow_level += isinstance(token, flow_opening) - isinstance(token, flow_closing)
        except yaml.MarkedYAMLError as exc:
            if (exc.context or "").startswith("while scanning an alias"):
                at = exc.context_mark
        except (_TooDeep, RecursionError):
            pass
        finally:
            loader.dispose()
        if at is None:
            break
        value, lines[at.line] = _quote_value(lines[at.line], at.column, flow_level > 0)
        values.setdefault(at.line, []).append(value)
    return [UnquotedAlias(line + 1, original[line].strip(), tuple(found), lines[line].strip())
            for line, found in sorted(values.items())], "".join(lines)


def _quote_value(line: str, column: int, in_flow: bool) -> tuple[str, str]:
    """The plain value starting at ``column`` of ``line``, and the line with it double-quoted."""
    import json
    import re

    body = line.rstrip("\r\n")
    rest = body[column:]
    end = re.search(r"[,\]}]|\s+#" if in_flow else r"\s+#", rest)
    value = (rest[:end.start()] if end else rest).rstrip()
    # A JSON string is a YAML double-quoted scalar with the same escapes.
    return value, body[:column] + json.dumps(value, ensure_ascii=False) + body[column + len(value):] + line[len(body):]
