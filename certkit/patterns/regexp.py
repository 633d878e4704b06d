"""Lucene's RegExp syntax, parsed and compiled as Lucene does for Elasticsearch.

Elasticsearch turns a trust pattern ``/re/`` into
``new RegExp(re, RegExp.ALL | RegExp.DEPRECATED_COMPLEMENT).toAutomaton()``. This
module is a transcription of that parser (org.apache.lucene.util.automaton.RegExp,
Lucene 10.x): the same grammar, the same precedence, the same leniencies (``[]a]`` is a
class holding ``]`` and ``a``; ``\\.`` is a literal dot; ``\\q`` is an error) and the same
error messages, with positions counted in UTF-16 code units as Java does. The result is
an :class:`~certkit.patterns.automaton.Automaton` built with the same operations Lucene uses, so
that determinizing it costs the same "effort" as in Elasticsearch.

Grammar (highest number binds tightest)::

    union      := inter ('|' inter)*
    inter      := concat ('&' concat)*
    concat     := repeat+                       (until ')' '|' '&' or the end)
    repeat     := compl ('?' | '*' | '+' | '{n}' | '{n,}' | '{n,m}')*
    compl      := '~' compl | charclass          (complement of the whole language)
    charclass  := '[' '^'? classitem+ ']' | simple
    classitem  := '\\' (d|D|s|S|w|W|\\) | '\\' c | c '-' c | c
    simple     := '.' | '#' | '@' | '"' chars '"' | '(' ')' | '(' union ')'
                | '<' identifier '>' | '<' n '-' m '>' | '\\' (d|D|s|S|w|W) | '\\'? c

(Over 400 lines: Lucene's RegExp grammar is one recursive-descent parser; its productions call each other.)
"""

from __future__ import annotations

import array
import sys
import unicodedata
from dataclasses import dataclass

from certkit.patterns import automaton as fa

MAX_CODE_POINT = fa.MAX_CODE_POINT


class RegExpSyntaxError(Exception):
    """Lucene's IllegalArgumentException from parsing or compiling a RegExp."""


@dataclass(frozen=True)
class Node:
    """One node of the parsed expression (Lucene's RegExp instance)."""

    kind: str
    exp1: Node | None = None
    exp2: Node | None = None
    code_points: tuple[int, ...] = ()  # "string" (and "char": one code point)
    ranges: tuple[tuple[int, int], ...] = ()  # "class"
    low: int = 0  # repeats and intervals
    high: int = 0
    digits: int = 0
    name: str = ""  # named automaton


def to_java_units(text: str) -> list[int]:
    """The UTF-16 code units of ``text``, as a Java String would hold them."""
    units = array.array("H", text.encode("utf-16-le", "surrogatepass"))
    if sys.byteorder == "big":
        units.byteswap()
    return units.tolist()


def code_points_of_units(units: list[int]) -> tuple[int, ...]:
    """Java's ``codePoints()``: surrogate pairs joined, lone surrogates kept."""
    out: list[int] = []
    i, n = 0, len(units)
    while i < n:
        u = units[i]
        if 0xD800 <= u <= 0xDBFF and i + 1 < n and 0xDC00 <= units[i + 1] <= 0xDFFF:
            out.append(0x10000 + ((u - 0xD800) << 10) + (units[i + 1] - 0xDC00))
            i += 2
        else:
            out.append(u)
            i += 1
    return tuple(out)


def _units_of_code_point(cp: int) -> list[int]:
    if cp < 0x10000:
        return [cp]
    cp -= 0x10000
    return [0xD800 + (cp >> 10), 0xDC00 + (cp & 0x3FF)]


class _NumberFormatError(RegExpSyntaxError):
    pass


def java_parse_int(units: list[int]) -> int:
    """Integer.parseInt(s) (radix 10): optional sign, Unicode decimal digits, int32."""
    text = "".join(chr(u) for u in units)
    error = _NumberFormatError(f'For input string: "{text}"')
    if not units:
        raise _NumberFormatError('For input string: ""')
    negative = False
    index = 0
    if units[0] in (0x2B, 0x2D):  # '+' / '-'
        if len(units) == 1:
            raise error
        negative = units[0] == 0x2D
        index = 1
    value = 0
    for u in units[index:]:
        digit = unicodedata.decimal(chr(u), None) if not 0xD800 <= u <= 0xDFFF else None
        if digit is None:
            raise error
        value = value * 10 + digit
        if value > (2**31 if negative else 2**31 - 1):
            raise error
    return -value if negative else value


class _Parser:
    """RegExp's recursive-descent parser over a Java (UTF-16) string."""

    def __init__(self, regex: str) -> None:
        self.s = to_java_units(regex)
        self.pos = 0

    # -- Lucene's scanner primitives -----------------------------------------------
    def code_point_at(self, i: int) -> int:
        u = self.s[i]
        if 0xD800 <= u <= 0xDBFF and i + 1 < len(self.s) and 0xDC00 <= self.s[i + 1] <= 0xDFFF:
            return 0x10000 + ((u - 0xD800) << 10) + (self.s[i + 1] - 0xDC00)
        return u

    def more(self) -> bool:
        return self.pos < len(self.s)

    def peek(self, chars: str) -> bool:
        return self.more() and chr(self.code_point_at(self.pos)) in chars

    def match(self, c: str) -> bool:
        if self.pos >= len(self.s):
            return False
        if self.code_point_at(self.pos) == ord(c):
            self.pos += 1  # every character matched this way is in the BMP
            return True
        return False

    def next(self) -> int:
        if not self.more():
            raise RegExpSyntaxError("unexpected end-of-string")
        cp = self.code_point_at(self.pos)
        self.pos += 2 if cp >= 0x10000 else 1
        return cp

    # -- grammar ------------------------------------------------------------------
    def parse(self) -> Node:
        if not self.s:
            return Node("string")
        e = self.parse_union()
        if self.pos < len(self.s):
            raise RegExpSyntaxError(f"end-of-string expected at position {self.pos}")
        return e

    def parse_union(self) -> Node:
        result = self.parse_inter()
        while self.match("|"):
            result = Node("union", result, self.parse_inter())
        return result

    def parse_inter(self) -> Node:
        result = self.parse_concat()
        while self.match("&"):  # INTERSECTION is in RegExp.ALL
            result = Node("intersection", result, self.parse_concat())
        return result

    def parse_concat(self) -> Node:
        result = _Concatenation(self.parse_repeat())
        while self.more() and not self.peek(")|") and not self.peek("&"):
            run = self.literal_run()
            if run:
                result.append_units(run)
            else:
                result.append(self.parse_repeat())
        return result.node()

    def literal_run(self) -> list[int]:
        """The plain characters from here that no quantifier follows (a shortcut).

        Each would be parsed as a one-character literal and folded into the literal
        before it, so they are taken as one run of code units: a long literal costs one
        loop step per character, not one descent of the grammar.
        """
        units, start, end = self.s, self.pos, len(self.s)
        i = start
        while i < end:
            unit = units[i]
            if unit in _NOT_IN_A_RUN or 0xD800 <= unit <= 0xDFFF:
                break
            if i + 1 < end and units[i + 1] in _QUANTIFIERS:
                break
            i += 1
        self.pos = i
        return units[start:i]

    def parse_repeat(self) -> Node:
        e = self.plain_char() or self.parse_compl()
        while self.peek("?*+{"):
            if self.match("?"):
                e = Node("optional", e)
            elif self.match("*"):
                e = Node("repeat", e)
            elif self.match("+"):
                e = Node("repeat_min", e, low=1)
            elif self.match("{"):
                start = self.pos
                while self.peek("0123456789"):
                    self.next()
                if start == self.pos:
                    raise RegExpSyntaxError(f"integer expected at position {self.pos}")
                n = java_parse_int(self.s[start : self.pos])
                m = -1
                if self.match(","):
                    start = self.pos
                    while self.peek("0123456789"):
                        self.next()
                    if start != self.pos:
                        m = java_parse_int(self.s[start : self.pos])
                else:
                    m = n
                if not self.match("}"):
                    raise RegExpSyntaxError(f"expected '}}' at position {self.pos}")
                if m != -1 and n > m:
                    raise RegExpSyntaxError(
                        f"invalid repetition range(out of order): {n}..{m}"
                    )
                if m == -1:
                    e = Node("repeat_min", e, low=n)
                else:
                    e = Node("repeat_min_max", e, low=n, high=m)
        return e

    def plain_char(self) -> Node | None:
        """parse_compl's result for a character no rule above the last one claims.

        A shortcut, not a rule of Lucene's: it spares the literal characters of a long
        pattern the descent through parse_compl, parse_char_class_exp and parse_simple.
        """
        if self.pos < len(self.s):
            unit = self.s[self.pos]
            if chr(unit) not in _STARTS_A_CONSTRUCT and not 0xD800 <= unit <= 0xDFFF:
                self.pos += 1
                return Node("char", code_points=(unit,))
        return None

    def parse_compl(self) -> Node:
        # DEPRECATED_COMPLEMENT: '~' complements the whole language of its operand.
        if self.match("~"):
            return Node("deprecated_complement", self.parse_compl())
        return self.parse_char_class_exp()

    def parse_char_class_exp(self) -> Node:
        if self.match("["):
            negate = self.match("^")
            e = self.parse_char_classes()
            if negate:
                e = Node("intersection", Node("anychar"), Node("complement", e))
            if not self.match("]"):
                raise RegExpSyntaxError(f"expected ']' at position {self.pos}")
            return e
        return self.parse_simple()

    def parse_char_classes(self) -> Node:
        ranges: list[tuple[int, int]] = []
        while True:
            if self.match("\\"):
                if self.peek(_ESCAPABLE_CLASS_CHARS):
                    ranges.extend(self.expand_predefined())
                else:
                    c = self.next()
                    ranges.append((c, c))
            else:
                c = self.parse_char_exp()
                if self.match("-"):
                    ranges.append((c, self.parse_char_exp()))
                else:
                    ranges.append((c, c))
            if not (self.more() and not self.peek("]")):
                break
        if len(ranges) == 1:
            lo, hi = ranges[0]
            if lo == hi:
                return Node("char", code_points=(lo,))
            _check_range(lo, hi)
            return Node("range", ranges=((lo, hi),))
        for lo, hi in ranges:
            _check_range(lo, hi)
        return Node("class", ranges=tuple(ranges))

    def expand_predefined(self) -> list[tuple[int, int]]:
        if self.peek("\\"):
            self.next()
            return [(0x5C, 0x5C)]
        if self.peek("d"):
            self.next()
            return [(0x30, 0x39)]
        if self.peek("D"):
            self.next()
            return [(0, 0x2F), (0x3A, MAX_CODE_POINT)]
        if self.peek("s"):
            self.next()
            return [(0x09, 0x0A), (0x0D, 0x0D), (0x20, 0x20)]
        if self.peek("S"):
            self.next()
            return [(0, 0x08), (0x0B, 0x0C), (0x0E, 0x1F), (0x21, MAX_CODE_POINT)]
        if self.peek("w"):
            self.next()
            return [(0x30, 0x39), (0x41, 0x5A), (0x5F, 0x5F), (0x61, 0x7A)]
        if self.peek("W"):
            self.next()
            return [
                (0, 0x2F),
                (0x3A, 0x40),
                (0x5B, 0x5E),
                (0x60, 0x60),
                (0x7B, MAX_CODE_POINT),
            ]
        # Any other letter: "It is an error to use a backslash prior to any alphabetic
        # character that does not denote an escaped construct" (java.util.regex). Java
        # concatenates the int code point, hence the number in the message.
        raise RegExpSyntaxError(f"invalid character class \\{self.next()}")

    def match_predefined_character_class(self) -> Node | None:
        if self.match("\\") and self.peek(_ESCAPABLE_CLASS_CHARS):
            return Node("class", ranges=tuple(self.expand_predefined()))
        return None

    def parse_simple(self) -> Node:
        if self.match("."):
            return Node("anychar")
        if self.match("#"):
            return Node("empty")
        if self.match("@"):
            return Node("anystring")
        if self.match('"'):
            start = self.pos
            while self.more() and not self.peek('"'):
                self.next()
            if not self.match('"'):
                raise RegExpSyntaxError(f"expected '\"' at position {self.pos}")
            return Node("string", code_points=code_points_of_units(self.s[start : self.pos - 1]))
        if self.match("("):
            if self.match(")"):
                return Node("string")
            e = self.parse_union()
            if not self.match(")"):
                raise RegExpSyntaxError(f"expected ')' at position {self.pos}")
            return e
        if self.match("<"):
            start = self.pos
            while self.more() and not self.peek(">"):
                self.next()
            if not self.match(">"):
                raise RegExpSyntaxError(f"expected '>' at position {self.pos}")
            body = self.s[start : self.pos - 1]
            dash = 0x2D
            if dash not in body:
                return Node("automaton", name="".join(chr(u) for u in body))
            i = body.index(dash)
            error = RegExpSyntaxError(f"interval syntax error at position {self.pos - 1}")
            if i == 0 or i == len(body) - 1 or i != len(body) - 1 - body[::-1].index(dash):
                raise error
            smin, smax = body[:i], body[i + 1 :]
            try:
                imin, imax = java_parse_int(smin), java_parse_int(smax)
            except _NumberFormatError:
                raise error from None
            digits = len(smin) if len(smin) == len(smax) else 0
            if imin > imax:
                imin, imax = imax, imin
            return Node("interval", low=imin, high=imax, digits=digits)
        predefined = self.match_predefined_character_class()
        if predefined is not None:
            return predefined
        return Node("char", code_points=(self.parse_char_exp(),))

    def parse_char_exp(self) -> int:
        self.match("\\")
        return self.next()


# The characters parse_compl, parse_char_class_exp and parse_simple treat specially.
_STARTS_A_CONSTRUCT = frozenset('~[.#@"(<\\')

_QUANTIFIERS = frozenset(map(ord, "?*+{"))
# A run of literal characters ends before a construct, an operator or a quantifier.
_NOT_IN_A_RUN = frozenset(map(ord, _STARTS_A_CONSTRUCT)) | frozenset(map(ord, ")|&")) | _QUANTIFIERS

_ESCAPABLE_CLASS_CHARS = "\\ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _check_range(lo: int, hi: int) -> None:
    if lo > hi:
        raise RegExpSyntaxError(f"invalid range: from ({lo}) cannot be > to ({hi})")


def _is_text(node: Node) -> bool:
    return node.kind in ("char", "string")


class _Concatenation:
    """RegExp.makeConcatenation folded left over a sequence, in linear time.

    Lucene joins adjacent literals (``ab`` is one string, ``a(b.)`` is ``"ab"`` then
    ``.``) by re-copying the string at every character, which is quadratic in Python; here
    the literal at the right end of the result is a growing list of UTF-16 code units
    instead, frozen into a node once. The tree built is the one Lucene builds:
    ``concat(head, tail)`` with ``tail`` the trailing literal, or either part alone.
    """

    def __init__(self, first: Node) -> None:
        self.head: Node | None = None
        self.tail: list[int] | None = None  # UTF-16 units of the trailing literal
        self.tail_node: Node | None = None  # the literal itself while it is one node
        self._start(first)

    def _start(self, node: Node) -> None:
        if _is_text(node):
            self._set_tail(node)
        elif node.kind == "concatenation" and node.exp2 is not None and _is_text(node.exp2):
            self.head = node.exp1
            self._set_tail(node.exp2)
        else:
            self.head = node

    def _set_tail(self, node: Node) -> None:
        self.tail = [u for cp in node.code_points for u in _units_of_code_point(cp)]
        self.tail_node = node

    def _frozen_tail(self) -> Node:
        assert self.tail is not None
        if self.tail_node is None:
            # Java appends to a StringBuilder and re-reads code points, so a lone high
            # surrogate followed by a lone low surrogate becomes one code point.
            self.tail_node = Node("string", code_points=code_points_of_units(self.tail))
        return self.tail_node

    def append_units(self, units: list[int]) -> None:
        """Append a literal given as UTF-16 code units (no surrogates among them)."""
        if self.tail is None:
            self.tail = []  # after a node that is not a literal: concat(head, literal)
        self.tail.extend(units)
        self.tail_node = None

    def append(self, node: Node) -> None:
        if _is_text(node) and self.tail is not None:
            self.tail.extend(u for cp in node.code_points for u in _units_of_code_point(cp))
            self.tail_node = None
            return
        if _is_text(node):  # after a node that is not a literal
            self._set_tail(node)
            return
        if self.head is None and self.tail is not None:  # the result so far is a literal
            if node.kind == "concatenation" and node.exp1 is not None and _is_text(node.exp1):
                self.append(node.exp1)
                literal = self._frozen_tail()
                self.tail = self.tail_node = None
                assert node.exp2 is not None
                self._start(Node("concatenation", literal, node.exp2))
                return
            self.head, self.tail, self.tail_node = Node("concatenation", self._frozen_tail(), node), None, None
            return
        self.head = self.node()
        self.tail = self.tail_node = None
        self.head = Node("concatenation", self.head, node)

    def node(self) -> Node:
        if self.tail is None:
            assert self.head is not None
            return self.head
        if self.head is None:
            return self._frozen_tail()
        return Node("concatenation", self.head, self._frozen_tail())


def parse(regex: str) -> Node:
    """Parse ``regex`` with RegExp.ALL | DEPRECATED_COMPLEMENT; raise RegExpSyntaxError."""
    try:
        return _Parser(regex).parse()
    except RecursionError:
        # Java would overflow its stack too (StackOverflowError); say so plainly.
        raise RegExpSyntaxError("expression nested too deeply") from None


def _leaves(node: Node, kind: str, out: list[Node]) -> None:
    # RegExp.findLeaves: flatten nested unions/concatenations into one n-ary operation.
    stack = [node]
    while stack:
        n = stack.pop()
        if n.kind == kind:
            assert n.exp1 is not None and n.exp2 is not None
            stack.append(n.exp2)
            stack.append(n.exp1)
        else:
            out.append(n)


def to_automaton(node: Node, lucene: fa.Lucene = fa.NEWEST_LUCENE) -> fa.Automaton:
    """RegExp.toAutomaton(): the (generally nondeterministic) automaton of ``node``,
    built with the operations of Lucene version ``lucene``.

    Raises RegExpSyntaxError for a named automaton (ES supplies none), TooComplexToDeterminize
    when a ``~`` complement exceeds the work limit, AutomatonTooLarge past certkit's ceiling.
    """
    kind = node.kind
    if kind in ("union", "concatenation"):
        parts: list[Node] = []
        _leaves(node, kind, parts)
        automata = [to_automaton(p, lucene) for p in parts]
        return fa.union(automata, lucene) if kind == "union" else fa.concatenate(automata, lucene)
    if kind == "intersection":
        assert node.exp1 is not None and node.exp2 is not None
        return fa.intersection(to_automaton(node.exp1, lucene), to_automaton(node.exp2, lucene))
    if kind == "optional":
        assert node.exp1 is not None
        return fa.optional(to_automaton(node.exp1, lucene), lucene)
    if kind == "repeat":
        assert node.exp1 is not None
        return fa.repeat(to_automaton(node.exp1, lucene), lucene)
    if kind == "repeat_min":
        assert node.exp1 is not None
        return fa.repeat_min(to_automaton(node.exp1, lucene), node.low, lucene)
    if kind == "repeat_min_max":
        assert node.exp1 is not None
        return fa.repeat_min_max(to_automaton(node.exp1, lucene), node.low, node.high, lucene)
    if kind == "complement":  # of a character class: Integer.MAX_VALUE work limit
        assert node.exp1 is not None
        return fa.complement(to_automaton(node.exp1, lucene), 2**31 - 1)
    if kind == "deprecated_complement":
        assert node.exp1 is not None
        return fa.complement(to_automaton(node.exp1, lucene), fa.DEFAULT_DETERMINIZE_WORK_LIMIT)
    if kind == "char":
        return fa.make_char(node.code_points[0])
    if kind == "range":
        return fa.make_char_range(*node.ranges[0])
    if kind == "class":
        return fa.make_char_class(node.ranges)
    if kind == "anychar":
        return fa.make_any_char()
    if kind == "empty":
        return fa.make_empty()
    if kind == "string":
        return fa.make_string(node.code_points)
    if kind == "anystring":
        return fa.make_any_string()
    if kind == "automaton":
        raise RegExpSyntaxError(f"'{node.name}' not found")
    if kind == "interval":
        return fa.make_decimal_interval(node.low, node.high, node.digits)
    raise AssertionError(f"unknown RegExp node {kind}")
