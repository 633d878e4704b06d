"""Finite automata over Unicode code points, built the way Lucene builds them.

Elasticsearch compiles every trust-restriction pattern into a Lucene ``Automaton`` and
determinizes it with a *work limit*: a pattern whose subset construction needs more
effort is a configuration error (``TooComplexToDeterminizeException``). To report that
error exactly when Elasticsearch does, this module mirrors the constructions of Lucene's
``Automata`` and ``Operations`` classes (org.apache.lucene.util.automaton, Lucene 10)
state for state: the same epsilon-free automata, the same dead-state removal, the same
subset construction and the same effort accounting (the sum of the sizes of the NFA
state sets of every DFA state built, against ``10 * workLimit``).

The alphabet is the code points 0..0x10FFFF, as in Lucene: Elasticsearch runs the
finished automaton with ``CharacterRunAutomaton.run(String)``, which steps once per
``String.codePointAt`` (a surrogate pair is one step, an unpaired surrogate is its own
code unit value).

Lucene changed these constructions in 10.2 (Elasticsearch 9.1): ``union`` merges the
accept states that have no outgoing transition (apache/lucene PR 14207), ``repeat`` folds
such states into its start state (PR 13714), ``optional`` reuses a start state nothing
returns to (PR 13793), and ``concatenate`` and bounded ``repeat`` remove dead states
(PR 14193). Every operation takes ``lucene``, the (major, minor) version whose
construction to follow; the automata differ in size, so in the effort determinizing
them costs and in the counts of the "too complex" message. docs/patterns.md has the
table and the sources.

The module also answers the language questions the linter asks (emptiness,
universality, inclusion, a short witness of a difference). Those work on deterministic
automata with a product construction, so they are exact. (Over 400 lines: Lucene's
constructions and the questions asked of their results share the one Automaton type.)
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence

from certkit.targets import NEWEST as NEWEST_TARGET

MIN_CODE_POINT = 0
MAX_CODE_POINT = 0x10FFFF

#: Operations.DEFAULT_DETERMINIZE_WORK_LIMIT (the same in Lucene 8.11 to 10.3).
DEFAULT_DETERMINIZE_WORK_LIMIT = 10_000

#: certkit's own ceilings on the size of any one automaton. Lucene has none: it would
#: build `/a{100000000}/` until the JVM runs out of heap. Past this many states, or this
#: many transitions (`/a*a*...a*/` needs a number quadratic in its length), certkit refuses
#: the pattern instead of exhausting memory; the sizes are computed before an operation
#: builds its result where they can be (see docs/patterns.md). 250,000 states and
#: 1,000,000 transitions are about 100 MB of Python objects.
MAX_AUTOMATON_STATES = 250_000
MAX_AUTOMATON_TRANSITIONS = 1_000_000

#: The first Lucene version with the simpler union/repeat/optional/concatenate results.
SIMPLER_CONSTRUCTIONS_SINCE = (10, 2)
#: The version followed when a caller names none: the newest Elasticsearch line's Lucene
#: (one table, certkit.targets, says which that is).
NEWEST_LUCENE: tuple[int, int] = NEWEST_TARGET.lucene

Lucene = tuple[int, int]

Transition = tuple[int, int, int]  # (min, max, dest), both ends inclusive


class TooComplexToDeterminize(Exception):
    """Lucene's TooComplexToDeterminizeException, with Lucene's message."""

    def __init__(self, automaton: Automaton, work_limit: int) -> None:
        self.work_limit = work_limit
        super().__init__(
            f"Determinizing automaton with {automaton.num_states} states and "
            f"{automaton.num_transitions} transitions would require more than "
            f"{work_limit} effort."
        )


class AutomatonTooLarge(Exception):
    """An automaton would exceed MAX_AUTOMATON_STATES states or MAX_AUTOMATON_TRANSITIONS transitions."""

    def __init__(self, what: str = "states") -> None:
        limit = MAX_AUTOMATON_STATES if what == "states" else MAX_AUTOMATON_TRANSITIONS
        super().__init__(f"the automaton would need more than {limit} {what}")


def _simpler(lucene: Lucene) -> bool:
    return lucene >= SIMPLER_CONSTRUCTIONS_SINCE


def _budget(states: int, transitions: int) -> None:
    """Refuse, before building it, a result of this many states and transitions."""
    if states > MAX_AUTOMATON_STATES:
        raise AutomatonTooLarge("states")
    if transitions > MAX_AUTOMATON_TRANSITIONS:
        raise AutomatonTooLarge("transitions")


class Automaton:
    """An automaton without epsilon transitions; state 0 is the initial state.

    ``add_epsilon`` is Lucene's ``addEpsilon``: it copies the transitions the target has
    *now*, and its acceptance, to the source (not transitively, and a target that does not
    exist is no-op, as in Java). ``finish`` sorts and merges each state's transitions like
    Lucene's ``finishState`` and records whether the result is deterministic.
    """

    __slots__ = ("_added", "accept", "deterministic", "trans")

    def __init__(self) -> None:
        self.trans: list[list[Transition]] = []
        self.accept: list[bool] = []
        self.deterministic = True
        self._added = 0  # transitions added so far, against MAX_AUTOMATON_TRANSITIONS

    # -- building -----------------------------------------------------------------
    def create_state(self) -> int:
        if len(self.accept) >= MAX_AUTOMATON_STATES:
            raise AutomatonTooLarge()
        self.trans.append([])
        self.accept.append(False)
        return len(self.accept) - 1

    def add_transition(self, source: int, dest: int, lo: int, hi: int | None = None) -> None:
        self._added += 1
        if self._added > MAX_AUTOMATON_TRANSITIONS:
            raise AutomatonTooLarge("transitions")
        self.trans[source].append((lo, lo if hi is None else hi, dest))

    def add_epsilon(self, source: int, dest: int) -> None:
        if dest >= len(self.accept):
            return  # an empty operand copied no states: Java finds nothing to copy either
        copied = self.trans[dest]
        self._added += len(copied)
        if self._added > MAX_AUTOMATON_TRANSITIONS:
            raise AutomatonTooLarge("transitions")
        self.trans[source].extend(list(copied))
        if self.accept[dest]:
            self.accept[source] = True

    def copy(self, other: Automaton) -> int:
        """Append ``other``'s states (renumbered); return the offset of its state 0."""
        offset = len(self.accept)
        if offset + len(other.accept) > MAX_AUTOMATON_STATES:
            raise AutomatonTooLarge()
        self._added += other.num_transitions
        if self._added > MAX_AUTOMATON_TRANSITIONS:
            raise AutomatonTooLarge("transitions")
        for state_transitions in other.trans:
            self.trans.append([(lo, hi, dest + offset) for lo, hi, dest in state_transitions])
        self.accept.extend(other.accept)
        return offset

    def finish(self) -> Automaton:
        deterministic = True
        for state, transitions in enumerate(self.trans):
            if len(transitions) > 1:
                transitions = _reduce(transitions)
                self.trans[state] = transitions
                previous_max = -1
                for lo, hi, _ in transitions:
                    if lo <= previous_max:
                        deterministic = False
                        break
                    previous_max = hi
        self.deterministic = deterministic
        return self

    # -- queries ------------------------------------------------------------------
    @property
    def num_states(self) -> int:
        return len(self.accept)

    @property
    def num_transitions(self) -> int:
        return sum(len(t) for t in self.trans)

    def step(self, state: int, code_point: int) -> int:
        """Deterministic step (first matching transition), -1 when there is none."""
        for lo, hi, dest in self.trans[state]:
            if lo <= code_point <= hi:
                return dest
        return -1


def _reduce(transitions: list[Transition]) -> list[Transition]:
    """Merge touching or overlapping ranges to the same destination, sort by range."""
    by_dest = sorted(transitions, key=lambda t: (t[2], t[0], t[1]))
    merged: list[Transition] = []
    for lo, hi, dest in by_dest:
        if merged:
            plo, phi, pdest = merged[-1]
            if pdest == dest and lo <= phi + 1:
                if hi > phi:
                    merged[-1] = (plo, hi, dest)
                continue
        merged.append((lo, hi, dest))
    merged.sort()
    return merged


# -- Automata.* -------------------------------------------------------------------
def make_empty() -> Automaton:
    return Automaton().finish()


def make_empty_string() -> Automaton:
    a = Automaton()
    a.accept.append(True)
    a.trans.append([])
    return a.finish()


def make_any_string() -> Automaton:
    a = Automaton()
    s = a.create_state()
    a.accept[s] = True
    a.add_transition(s, s, MIN_CODE_POINT, MAX_CODE_POINT)
    return a.finish()


def make_char_range(lo: int, hi: int) -> Automaton:
    if lo > hi:
        return make_empty()
    a = Automaton()
    s1 = a.create_state()
    s2 = a.create_state()
    a.accept[s2] = True
    a.add_transition(s1, s2, lo, hi)
    return a.finish()


def make_any_char() -> Automaton:
    return make_char_range(MIN_CODE_POINT, MAX_CODE_POINT)


def make_char(code_point: int) -> Automaton:
    return make_char_range(code_point, code_point)


def make_char_class(ranges: Sequence[tuple[int, int]]) -> Automaton:
    if not ranges:
        return make_empty()
    a = Automaton()
    s1 = a.create_state()
    s2 = a.create_state()
    a.accept[s2] = True
    for lo, hi in ranges:
        a.add_transition(s1, s2, lo, hi)
    return a.finish()


def make_string(code_points: Sequence[int]) -> Automaton:
    _budget(len(code_points) + 1, len(code_points))
    a = Automaton()
    last = a.create_state()
    for cp in code_points:
        state = a.create_state()
        a.add_transition(last, state, cp)
        last = state
    a.accept[last] = True
    return a.finish()


def make_decimal_interval(low: int, high: int, digits: int) -> Automaton:
    """Automata.makeDecimalInterval: decimal numbers in [low, high].

    With ``digits > 0`` exactly that many digits (zero-padded); otherwise any number of
    leading zeros.
    """
    x, y = str(low), str(high)
    if low > high or (digits > 0 and len(y) > digits):
        raise ValueError("invalid decimal interval")
    width = digits if digits > 0 else len(y)
    x, y = x.rjust(width, "0"), y.rjust(width, "0")
    a = Automaton()
    if digits <= 0:
        a.create_state()  # the real initial state, reserved
    initials: list[int] = []

    def any_of_right_length(n: int) -> int:
        s = a.create_state()
        if len(x) == n:
            a.accept[s] = True
        else:
            a.add_transition(s, any_of_right_length(n + 1), ord("0"), ord("9"))
        return s

    def at_least(n: int, zeros: bool) -> int:
        s = a.create_state()
        if len(x) == n:
            a.accept[s] = True
        else:
            if zeros:
                initials.append(s)
            c = x[n]
            a.add_transition(s, at_least(n + 1, zeros and c == "0"), ord(c))
            if c < "9":
                a.add_transition(s, any_of_right_length(n + 1), ord(c) + 1, ord("9"))
        return s

    def at_most(n: int) -> int:
        s = a.create_state()
        if len(y) == n:
            a.accept[s] = True
        else:
            c = y[n]
            a.add_transition(s, at_most(n + 1), ord(c))
            if c > "0":
                a.add_transition(s, any_of_right_length(n + 1), ord("0"), ord(c) - 1)
        return s

    def between(n: int, zeros: bool) -> int:
        s = a.create_state()
        if len(x) == n:
            a.accept[s] = True
        else:
            if zeros:
                initials.append(s)
            cx, cy = x[n], y[n]
            if cx == cy:
                a.add_transition(s, between(n + 1, zeros and cx == "0"), ord(cx))
            else:
                a.add_transition(s, at_least(n + 1, zeros and cx == "0"), ord(cx))
                a.add_transition(s, at_most(n + 1), ord(cy))
                if ord(cx) + 1 < ord(cy):
                    a.add_transition(s, any_of_right_length(n + 1), ord(cx) + 1, ord(cy) - 1)
        return s

    between(0, digits <= 0)
    a.finish()
    if digits <= 0:
        a.add_transition(0, 0, ord("0"))
        for p in initials:
            a.add_epsilon(0, p)
        a.finish()
    return remove_dead_states(a)


# -- Operations.* -----------------------------------------------------------------
def _chained_transitions(automata: Sequence[Automaton]) -> int:
    """How many transitions ``concatenate(automata)`` will add: computed before building.

    An accept state of operand i gets the initial transitions of operand i+1, and of the
    ones after it as long as they accept the empty string (Lucene's "virtual epsilon").
    """
    total = 0
    chain = 0  # initial transitions reached from the end of operand i, going right
    for a in reversed(automata):
        accepts = sum(a.accept)
        total += a.num_transitions + accepts * chain
        chain = len(a.trans[0]) + (chain if a.accept[0] else 0)
    return total


def concatenate(automata: Sequence[Automaton], lucene: Lucene = NEWEST_LUCENE) -> Automaton:
    result = Automaton()
    for index, a in enumerate(automata):
        if a.num_states == 0:
            if _simpler(lucene):
                return make_empty()
            # Before 10.2 Lucene returns the states created so far, none of them
            # accepting: the same empty language, but they count in messages.
            _budget(sum(b.num_states for b in automata[:index]), 0)
            for b in automata[:index]:
                for _ in range(b.num_states):
                    result.create_state()
            return result.finish()
    _budget(sum(a.num_states for a in automata), _chained_transitions(automata))
    for a in automata:
        for _ in range(a.num_states):
            result.create_state()
    offset = 0
    for i, a in enumerate(automata):
        n = a.num_states
        next_a = automata[i + 1] if i + 1 < len(automata) else None
        for s in range(n):
            for lo, hi, dest in a.trans[s]:
                result.add_transition(offset + s, offset + dest, lo, hi)
            if a.accept[s]:
                follow = next_a
                follow_offset = offset
                upto = i + 1
                while True:
                    if follow is not None:
                        for lo, hi, dest in follow.trans[0]:
                            result.add_transition(offset + s, follow_offset + n + dest, lo, hi)
                        if follow.accept[0]:
                            follow_offset += follow.num_states
                            follow = automata[upto + 1] if upto + 1 < len(automata) else None
                            upto += 1
                        else:
                            break
                    else:
                        result.accept[offset + s] = True
                        break
        offset += n
    if result.num_states == 0:
        result.create_state()
    result.finish()
    return remove_dead_states(result) if _simpler(lucene) else result


def _has_transition_to_start(a: Automaton) -> bool:
    return any(dest == 0 for transitions in a.trans for _, _, dest in transitions)


def optional(a: Automaton, lucene: Lucene = NEWEST_LUCENE) -> Automaton:
    if _simpler(lucene):
        if a.num_states and a.accept[0]:
            return a  # already accepts the empty string
        if not _has_transition_to_start(a):
            result = Automaton()
            result.copy(a)
            if result.num_states == 0:
                result.create_state()
            result.accept[0] = True
            return result.finish()
    result = Automaton()
    result.create_state()
    result.accept[0] = True
    if a.num_states > 0:
        result.copy(a)
        result.add_epsilon(0, 1)
    return result.finish()


def _repeat_size(a: Automaton) -> tuple[int, int]:
    initial = len(a.trans[0])
    return a.num_states + 1, a.num_transitions + initial * (1 + sum(a.accept))


def repeat(a: Automaton, lucene: Lucene = NEWEST_LUCENE) -> Automaton:
    """Kleene star."""
    if a.num_states == 0:
        return a
    _budget(*_repeat_size(a))
    if _simpler(lucene):
        return _repeat_folding_final_states(a)
    result = Automaton()
    result.create_state()
    result.accept[0] = True
    result.copy(a)
    for lo, hi, dest in a.trans[0]:
        result.add_transition(0, dest + 1, lo, hi)
    for s in range(a.num_states):
        if a.accept[s]:
            for lo, hi, dest in a.trans[0]:
                result.add_transition(s + 1, dest + 1, lo, hi)
    return result.finish()


def _repeat_folding_final_states(a: Automaton) -> Automaton:
    """Lucene 10.2's repeat: accept states without transitions become the start state."""
    if a.accept[0] and sum(a.accept) == 1:
        return a  # state 0 is the only accept state: the automaton already repeats itself
    result = Automaton()
    result.create_state()
    result.accept[0] = True
    state_map: list[int] = []
    for s in range(a.num_states):
        if not a.accept[s]:
            state_map.append(result.create_state())
        elif not a.trans[s]:
            state_map.append(0)
        else:
            mapped = result.create_state()
            result.accept[mapped] = True
            state_map.append(mapped)
    for s in range(a.num_states):
        for lo, hi, dest in a.trans[s]:
            result.add_transition(state_map[s], state_map[dest], lo, hi)
    for lo, hi, dest in a.trans[0]:
        result.add_transition(0, state_map[dest], lo, hi)
    for s in range(a.num_states):
        if a.accept[s] and state_map[s] != 0:
            for lo, hi, dest in a.trans[0]:
                result.add_transition(state_map[s], state_map[dest], lo, hi)
    return remove_dead_states(result.finish())


def _check_copies(a: Automaton, copies: int) -> None:
    initial = len(a.trans[0]) if a.num_states else 0
    _budget(copies * max(a.num_states, 1),
            copies * (a.num_transitions + initial * max(sum(a.accept), 1)))


def repeat_min(a: Automaton, count: int, lucene: Lucene = NEWEST_LUCENE) -> Automaton:
    if count == 0:
        return repeat(a, lucene)
    _check_copies(a, count + 1)
    return concatenate([a] * count + [repeat(a, lucene)], lucene)


def repeat_min_max(a: Automaton, low: int, high: int, lucene: Lucene = NEWEST_LUCENE) -> Automaton:
    if low > high:
        return make_empty()
    _check_copies(a, high)
    if low == 0:
        b = make_empty_string()
    elif low == 1:
        b = Automaton()
        b.copy(a)
        b.finish()
    else:
        b = concatenate([a] * low, lucene)
    previous_accepts = [s for s in range(b.num_states) if b.accept[s]]
    builder = Automaton()
    builder.copy(b)
    for _ in range(low, high):
        n = builder.num_states
        builder.copy(a)
        for s in previous_accepts:
            builder.add_epsilon(s, n)
        previous_accepts = [n + s for s in range(a.num_states) if a.accept[s]]
    builder.finish()
    return remove_dead_states(builder) if _simpler(lucene) else builder


def union(automata: Sequence[Automaton], lucene: Lucene = NEWEST_LUCENE) -> Automaton:
    _budget(1 + sum(a.num_states for a in automata),
            sum(a.num_transitions + (len(a.trans[0]) if a.num_states else 0) for a in automata))
    result = Automaton()
    result.create_state()
    for a in automata:
        result.copy(a)
    offset = 1
    for a in automata:
        if a.num_states == 0:
            continue
        result.add_epsilon(0, offset)
        offset += a.num_states
    result.finish()
    live = remove_dead_states(result)
    return merge_accept_states_without_transitions(live) if _simpler(lucene) else live


def merge_accept_states_without_transitions(a: Automaton) -> Automaton:
    """Operations.mergeAcceptStatesWithNoTransition (Lucene 10.2): one shared final state.

    The merged state takes the number of the first of them; later states move down.
    """
    finals = [s for s in range(a.num_states) if a.accept[s] and not a.trans[s]]
    if len(finals) <= 1:
        return a
    keep = finals[0]
    merged = set(finals[1:])
    mapping: list[int] = []
    next_number = 0
    for s in range(a.num_states):
        if s in merged:
            mapping.append(keep)
        else:
            mapping.append(next_number)
            next_number += 1
    # ``keep`` precedes every merged state, so its number is already final.
    result = Automaton()
    for _ in range(next_number):
        result.create_state()
    for s in range(a.num_states):
        if a.accept[s]:
            result.accept[mapping[s]] = True
        for lo, hi, dest in a.trans[s]:
            result.add_transition(mapping[s], mapping[dest], lo, hi)
    return result.finish()


def intersection(a1: Automaton, a2: Automaton) -> Automaton:
    if a1 is a2 or a1.num_states == 0:
        return a1
    if a2.num_states == 0:
        return a2
    t1s = [sorted(t) for t in a1.trans]
    t2s = [sorted(t) for t in a2.trans]
    c = Automaton()
    c.create_state()
    states = {(0, 0): 0}
    work = deque([(0, 0)])
    while work:
        pair = work.popleft()
        p = states[pair]
        s1, s2 = pair
        c.accept[p] = a1.accept[s1] and a2.accept[s2]
        t1, t2 = t1s[s1], t2s[s2]
        b2 = 0
        for lo1, hi1, d1 in t1:
            while b2 < len(t2) and t2[b2][1] < lo1:
                b2 += 1
            n2 = b2
            while n2 < len(t2) and hi1 >= t2[n2][0]:
                lo2, hi2, d2 = t2[n2]
                if hi2 >= lo1:
                    q = (d1, d2)
                    r = states.get(q)
                    if r is None:
                        r = c.create_state()
                        states[q] = r
                        work.append(q)
                    c.add_transition(p, r, max(lo1, lo2), min(hi1, hi2))
                n2 += 1
    c.finish()
    return remove_dead_states(c)


def complement(a: Automaton, work_limit: int) -> Automaton:
    a = totalize(determinize(a, work_limit))
    for s in range(a.num_states):
        a.accept[s] = not a.accept[s]
    return remove_dead_states(a)


def totalize(a: Automaton) -> Automaton:
    result = Automaton()
    for s in range(a.num_states):
        result.create_state()
        result.accept[s] = a.accept[s]
    dead = result.create_state()
    result.add_transition(dead, dead, MIN_CODE_POINT, MAX_CODE_POINT)
    for s in range(a.num_states):
        maxi = MIN_CODE_POINT
        for lo, hi, dest in sorted(a.trans[s]):
            result.add_transition(s, dest, lo, hi)
            if lo > maxi:
                result.add_transition(s, dead, maxi, lo - 1)
            maxi = max(maxi, hi + 1)
        if maxi <= MAX_CODE_POINT:
            result.add_transition(s, dead, maxi, MAX_CODE_POINT)
    return result.finish()


def _live_states(a: Automaton) -> set[int]:
    n = a.num_states
    if n == 0:
        return set()
    reachable = {0}
    todo = [0]
    while todo:
        s = todo.pop()
        for _, _, d in a.trans[s]:
            if d not in reachable:
                reachable.add(d)
                todo.append(d)
    reverse: list[list[int]] = [[] for _ in range(n)]
    for s in range(n):
        for _, _, d in a.trans[s]:
            reverse[d].append(s)
    productive = {s for s in range(n) if a.accept[s]}
    todo = list(productive)
    while todo:
        s = todo.pop()
        for p in reverse[s]:
            if p not in productive:
                productive.add(p)
                todo.append(p)
    return reachable & productive


def remove_dead_states(a: Automaton) -> Automaton:
    live = _live_states(a)
    result = Automaton()
    mapping: dict[int, int] = {}
    for s in range(a.num_states):
        if s in live:
            mapping[s] = result.create_state()
            result.accept[mapping[s]] = a.accept[s]
    for s in range(a.num_states):
        if s in live:
            for lo, hi, d in a.trans[s]:
                if d in live:
                    result.add_transition(mapping[s], mapping[d], lo, hi)
    return result.finish()


def determinize(a: Automaton, work_limit: int, effort_out: list[int] | None = None) -> Automaton:
    """Operations.determinize: subset construction with Lucene's effort accounting.

    ``effort_out``, when given, receives the total effort spent (for tests that check
    other effort computations against this one).
    """
    if a.deterministic or a.num_states <= 1:
        if effort_out is not None:
            effort_out.append(0)
        return a
    effort_limit = work_limit * 10
    b = Automaton()
    b.create_state()
    b.accept[0] = a.accept[0]
    initial: tuple[int, ...] = (0,)
    new_state: dict[tuple[int, ...], int] = {initial: 0}
    work = deque([initial])
    effort = 0
    trans, accept = a.trans, a.accept
    while work:
        subset = work.popleft()
        effort += len(subset)
        if effort >= effort_limit:
            raise TooComplexToDeterminize(a, work_limit)
        starts: dict[int, list[int]] = {}
        ends: dict[int, list[int]] = {}
        for q in subset:
            for lo, hi, dest in trans[q]:
                starts.setdefault(lo, []).append(dest)
                ends.setdefault(hi + 1, []).append(dest)
        if not starts:
            continue
        source = new_state[subset]
        counts: dict[int, int] = {}
        last_point = -1
        for point in sorted(starts.keys() | ends.keys()):
            if counts:
                key = tuple(sorted(counts))
                found = new_state.get(key)
                if found is None:
                    q = b.create_state()
                    b.accept[q] = any(accept[d] for d in key)
                    new_state[key] = q
                    work.append(key)
                else:
                    q = found
                b.add_transition(source, q, last_point, point - 1)
            for dest in ends.get(point, ()):
                remaining = counts[dest] - 1
                if remaining:
                    counts[dest] = remaining
                else:
                    del counts[dest]
            for dest in starts.get(point, ()):
                counts[dest] = counts.get(dest, 0) + 1
            last_point = point
    if effort_out is not None:
        effort_out.append(effort)
    return b.finish()


# -- language questions (exact, on deterministic automata) ------------------------
def is_empty(a: Automaton) -> bool:
    """True when no string is accepted (reachability of an accept state)."""
    if a.num_states == 0:
        return True
    seen = {0}
    todo = [0]
    while todo:
        s = todo.pop()
        if a.accept[s]:
            return False
        for _, _, d in a.trans[s]:
            if d not in seen:
                seen.add(d)
                todo.append(d)
    return True


def _dfa_step_ranges(dfa: Automaton, state: int) -> list[Transition]:
    """A state's transitions, sorted; state -1 (the implicit dead state) has none."""
    return [] if state < 0 else dfa.trans[state]


def _joint_ranges(
    t1: list[Transition], t2: list[Transition]
) -> Iterable[tuple[int, int, int, int]]:
    """Partition the alphabet into ranges on which both DFAs step uniformly.

    Yields (lo, hi, dest1, dest2) with -1 standing for the dead state; only ranges on
    which at least one side has a transition are produced (the rest lead to (-1, -1)).
    """
    points = {MIN_CODE_POINT}
    for lo, hi, _ in t1:
        points.add(lo)
        points.add(hi + 1)
    for lo, hi, _ in t2:
        points.add(lo)
        points.add(hi + 1)
    ordered = sorted(p for p in points if p <= MAX_CODE_POINT)
    i1 = i2 = 0
    for index, lo in enumerate(ordered):
        hi = ordered[index + 1] - 1 if index + 1 < len(ordered) else MAX_CODE_POINT
        while i1 < len(t1) and t1[i1][1] < lo:
            i1 += 1
        while i2 < len(t2) and t2[i2][1] < lo:
            i2 += 1
        d1 = t1[i1][2] if i1 < len(t1) and t1[i1][0] <= lo else -1
        d2 = t2[i2][2] if i2 < len(t2) and t2[i2][0] <= lo else -1
        if d1 != -1 or d2 != -1:
            yield lo, hi, d1, d2


def _accepts(dfa: Automaton, state: int) -> bool:
    return state >= 0 and dfa.accept[state]


# Characters tried first when a witness string needs "some character of this range":
# readable ones, so lint messages show `x.node.y…` rather than control characters.
_PREFERRED = "xyzabcdefghijklmnopqrstuvw0123456789-_ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _representative(lo: int, hi: int) -> tuple[int, int]:
    """(rank, code point): the most readable character of [lo, hi]; lower rank is better."""
    for rank, ch in enumerate(_PREFERRED):
        if lo <= ord(ch) <= hi:
            return rank, ord(ch)
    fallback = len(_PREFERRED)
    for rank, cp in enumerate(range(0x21, 0x7F)):  # other printable ASCII, then the rest
        if lo <= cp <= hi:
            return fallback + rank, cp
    fallback += 0x7F
    if lo <= 0xD7FF or lo > 0xDFFF:
        return fallback, lo
    if hi > 0xDFFF:  # keep clear of the surrogate block when the range allows it
        return fallback, 0xE000
    return fallback + 1, lo


def shortest_difference(a: Automaton, b: Automaton, max_len: int) -> list[int] | None:
    """Shortest string (as code points) accepted by DFA ``a`` and not by DFA ``b``.

    Breadth-first over the product automaton, so the witness is of minimal length;
    ``None`` when L(a) ⊆ L(b) or every witness is longer than ``max_len``.
    """
    if a.num_states == 0:
        return None
    start = (0, 0 if b.num_states else -1)
    parent: dict[tuple[int, int], tuple[tuple[int, int], int] | None] = {start: None}
    frontier = [start]
    for depth in range(max_len + 1):
        next_frontier: list[tuple[int, int]] = []
        for pair in frontier:
            s1, s2 = pair
            if _accepts(a, s1) and not _accepts(b, s2):
                path: list[int] = []
                node = pair
                step = parent[node]
                while step is not None:
                    node, cp = step
                    path.append(cp)
                    step = parent[node]
                return path[::-1]
            if depth == max_len:
                continue
            best: dict[tuple[int, int], tuple[int, int]] = {}
            for lo, hi, d1, d2 in _joint_ranges(
                _dfa_step_ranges(a, s1), _dfa_step_ranges(b, s2)
            ):
                if d1 == -1:
                    continue  # a can no longer accept
                nxt = (d1, d2)
                if nxt not in parent:
                    candidate = _representative(lo, hi)
                    if nxt not in best or candidate < best[nxt]:
                        best[nxt] = candidate
            for nxt, (_, cp) in best.items():
                parent[nxt] = (pair, cp)
                next_frontier.append(nxt)
        frontier = next_frontier
        if not frontier:
            return None
    return None


def is_subset(a: Automaton, b: Automaton) -> bool:
    """L(a) ⊆ L(b) for DFAs (exhaustive product search, no length bound)."""
    if a.num_states == 0:
        return True
    start = (0, 0 if b.num_states else -1)
    seen = {start}
    todo = [start]
    while todo:
        s1, s2 = todo.pop()
        if _accepts(a, s1) and not _accepts(b, s2):
            return False
        for _, _, d1, d2 in _joint_ranges(_dfa_step_ranges(a, s1), _dfa_step_ranges(b, s2)):
            if d1 == -1:
                continue
            nxt = (d1, d2)
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return True
