"""The audit engine behind ``certkit restrictions check``: every core, streaming, in order.

An audit may cover 100,000 certificates. Judging one costs a few microseconds of Python
(decode, walk the DER to the SAN, run the pattern automaton, render the report line), so
the work is cut into *units* that worker processes judge and render, while this process
reads the inputs, replays the units' results in order and writes the report:

* a big PEM bundle: slices of about :data:`SLICE_BYTES`, each starting at a
  ``-----BEGIN`` line;
* a folder: batches of :data:`FOLDER_BATCH` files, in the order sources reads them;
* anything else (a small file, a zip, a PKCS#12, a DER file): one unit per SOURCE;
  ``tls://`` sources are fetched here, in this process.

The report is exactly the one sequential pass (``RestrictionChecker.check_items`` over
``iter_certificates``) produces, verdict for verdict and line for line, because:

* a leaf waits for the certificates that follow it (its chain) in a
  :class:`~certkit.audit.checker.ChainTracker`; a unit hands back the CA certificates it
  starts with (they may belong to the previous unit's last leaf) and its own last leaf,
  unjudged, and this process carries them from unit to unit;
* a slice is judged apart from its file only when that provably changes nothing: its
  certificate blocks are exactly the ``-----BEGIN CERTIFICATE-----`` lines counted here
  (so the ``file#N`` numbers are right) and every block it starts ends inside it. When
  a slice is not that clean (a truncated or corrupted block, text that fools the count),
  the rest of the file is read again sequentially, in this process, so that errors carry
  the same block and line numbers as ever;
* notes about skipped files and warnings about names are replayed in their order;
* a PKCS#12 file that needs a password is re-read here, where the password can be
  asked for (a worker cannot prompt).

With one job, or input that fits one unit, nothing is forked and the same code runs
in-process.

(Over 400 lines: cutting the input into units and replaying their results in order are
one protocol; split, each half would be unreadable without the other.)
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from cryptography import x509

from certkit import _workers
from certkit._collector import collector_at_rest, rest_the_collector
from certkit.audit.checker import ChainTracker, RestrictionChecker, Verdict
from certkit.audit.trust_file import TrustRestrictions
from certkit.errors import CertkitError
from certkit.io import (
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
    parsing_input,
    pem_text_certificates,
)
from certkit.io.sources import plain_pem_certificates

#: A PEM bundle is cut into slices of about this size (~1,400 certutil-style certificates).
SLICE_BYTES = 1024 * 1024
#: Files of a folder per unit.
FOLDER_BATCH = 256
#: A PEM file at least this large is sliced; smaller files are one unit.
SLICED_FILE_BYTES = 2 * SLICE_BYTES
#: Units in flight per worker: enough to keep every worker busy, few enough that memory
#: stays flat (each holds about a slice of input and its report).
UNITS_IN_FLIGHT_PER_JOB = 3

_BEGIN = b"-----BEGIN "
_BEGIN_LINE = b"\n" + _BEGIN
_CERTIFICATE_BEGINS = (b"-----BEGIN CERTIFICATE-----", b"-----BEGIN X509 CERTIFICATE-----",
                       b"-----BEGIN TRUSTED CERTIFICATE-----")
_PEM_SNIFF_BYTES = 64 * 1024
#: Text without a BEGIN to cut at is read on up to this many slices before it is cut anyway.
_MAX_SLICES_WITHOUT_CUT = 8
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")

# Events of a unit, replayed in order by the parent.
_NOTE, _WARN, _OUT, _HEAD, _FLUSH, _RECORD = range(6)


class Renderer(Protocol):
    """Turns verdicts into report text; runs in the workers, so it must be picklable.

    ``render`` returns what goes to stdout for one verdict (possibly ""), ``warnings``
    the lines for stderr. ``separator`` is what ``render`` puts before every piece and the
    report wants only between pieces (JSON's comma): the first piece written loses it.

    A renderer may also have ``record(verdict)``, returning a small picklable summary of
    the verdict (or None): the audit collects them, in report order, in ``Audit.records``
    (the report files of ``--report``/``--junit``/``--csv`` are made from them, without
    reading any certificate again).
    """

    separator: str

    def render(self, verdict: Verdict) -> str: ...

    def warnings(self, verdict: Verdict) -> Sequence[str]: ...


@dataclass(frozen=True)
class _RawItem:
    """A CertificateItem without its parsed certificate: what crosses process boundaries."""

    source: str
    der: bytes
    container: str
    position: int
    chain: bool
    pkcs12: dict[str, Any] | None

    @classmethod
    def of(cls, item: CertificateItem) -> _RawItem:
        return cls(item.source, item.der, item.container, item.position, item.chain, item.pkcs12)

    def item(self) -> CertificateItem:
        with parsing_input(self.source):  # cryptography's warnings about it name it (io.certificates)
            certificate = x509.load_der_x509_certificate(self.der)
        return CertificateItem(self.source, self.der, certificate, self.container, self.position, self.chain,
                               self.pkcs12)


# ----------------------------------------------------------------------------- units


@dataclass(frozen=True)
class _SpecUnit:
    """One whole SOURCE, read with iter_certificates (skip_before: already judged items)."""

    spec: str
    skip_before: int = 0


@dataclass(frozen=True)
class _FilesUnit:
    """Consecutive files of a folder SOURCE."""

    paths: tuple[str, ...]


@dataclass(frozen=True)
class _SliceUnit:
    """A slice of a big PEM file (``length`` bytes at ``offset``): its certificate blocks are
    the file's ``first_number``…; ``last`` when it ends the file. The worker reads the bytes
    itself: only their place crosses the process boundary, not a copy of the bundle."""

    source: str
    offset: int
    length: int
    first_number: int
    expected_certificates: int
    last: bool

    def read(self) -> bytes:
        with open(self.source, "rb") as stream:
            stream.seek(self.offset)
            return stream.read(self.length)


@dataclass(frozen=True)
class _FolderEnd:
    """Marks the end of a folder SOURCE (a folder without any certificate is an error)."""

    spec: str


Unit = _SpecUnit | _FilesUnit | _SliceUnit | _FolderEnd


@dataclass
class _UnitResult:
    events: list[tuple[int, Any]] = field(default_factory=list)
    admitted: int = 0
    rejected: int = 0
    skipped: list[tuple[str, str, str]] = field(default_factory=list)
    # Judged certificates per expiry state other than valid (certkit.audit.expiry).
    expiry: dict[str, int] = field(default_factory=dict)
    tail: tuple[_RawItem, list[_RawItem]] | None = None
    # A slice's last certificate, not yet seen by its tracker: the sequential reader hands
    # a PEM file's certificate on only once the next block has decoded (see Audit._replay).
    held: _RawItem | None = None
    arrived: bool = False
    found: bool = False
    anomaly: bool = False
    need_password: bool = False
    error: CertkitError | None = None  # pickles with its class and state (CertkitError.__reduce__)


class _NeedPassword(Exception):
    """A PKCS#12 file needs the password and this worker cannot ask for it."""


def _no_prompt() -> str | None:
    raise _NeedPassword


# ----------------------------------------------------------------------------- judging one unit


class _SliceAnomaly(Exception):
    """A slice that cannot be judged apart from the rest of its file."""


def _slice_items(unit: _SliceUnit) -> list[CertificateItem]:
    """The certificates of a slice, numbered as in the whole file; _SliceAnomaly if unsure.

    When every ``-----BEGIN`` of the slice opens a plain base64 CERTIFICATE block, the
    blocks are cut with a split (certkit.io.sources.plain_pem_certificates). Anything
    else goes through sources' reader itself.
    """
    source, first = unit.source, unit.first_number
    try:
        data = unit.read()
    except OSError:
        raise _SliceAnomaly from None  # the sequential reader says what is wrong with the file
    if len(data) != unit.length:
        raise _SliceAnomaly  # the file changed under us
    plain = plain_pem_certificates(data, source, unit.expected_certificates, first)
    if plain is not None:
        return plain
    # Anything else (a block that does not decode included: the reader words it).
    items: list[CertificateItem] = []
    try:
        for item in pem_text_certificates(data, source):
            number = first + item.position
            item.source = f"{source}#{number}"
            item.position = number - 1
            items.append(item)
    except NotCertificates:
        pass  # other blocks only: fine when no certificate was counted either
    except CertkitError:
        raise _SliceAnomaly from None
    if len(items) != unit.expected_certificates:
        raise _SliceAnomaly
    return items


class _Judge:
    """Judges units: a checker and a renderer (the same in the parent and every worker)."""

    def __init__(self, checker: RestrictionChecker, renderer: Renderer) -> None:
        self.checker = checker
        self.renderer = renderer

    def run(self, unit: Unit, password: PasswordProvider | None, tls: TlsOptions = TlsOptions()) -> _UnitResult:
        """Judge and render one unit; the result replays, in order, what a sequential pass does."""
        result = _UnitResult()
        events = result.events
        out: list[str] = []

        def flush_out() -> None:
            if out:
                events.append((_OUT, "".join(out)))
                out.clear()

        def on_note(message: str) -> None:
            flush_out()
            events.append((_NOTE, message))

        render, warnings = self.renderer.render, self.renderer.warnings
        record = getattr(self.renderer, "record", None)
        # A report that prints nothing for a plain admission lets the checker count those
        # without building their verdicts (RestrictionChecker.check_quietly).
        tracker = ChainTracker(self.checker, quiet=record is None and getattr(self.renderer, "quiet_admissions", False))
        # The CA certificates a unit starts with may be the chain of the leaf the previous
        # unit ended with (the next slice of its file), which only the parent holds: they
        # go back unjudged, as "head" items.
        heading = True
        started = False
        try:
            items: Iterable[CertificateItem]
            if isinstance(unit, _SliceUnit):
                decoded = _slice_items(unit)
                result.arrived = bool(decoded)
                if decoded and not unit.last:
                    result.held = _RawItem.of(decoded.pop())
                items = decoded
            else:
                items = self._items(unit, password, tls, on_note, result)
            for item in items:
                located = tracker.locate(item)
                if heading and (item.chain or (located is not None and located.is_ca)):
                    flush_out()
                    events.append((_HEAD, _RawItem.of(item)))
                    continue
                heading = False
                if not started:
                    started = True
                    flush_out()
                    events.append((_FLUSH, None))
                for verdict in tracker.feed_located(item, located):
                    if verdict is None:
                        result.admitted += 1
                        continue
                    if verdict.skipped:
                        result.skipped.append((verdict.source, verdict.subject, verdict.skipped))
                    elif verdict.admitted:
                        result.admitted += 1
                    else:
                        result.rejected += 1
                    _count_expiry(result.expiry, verdict)
                    lines = warnings(verdict)
                    if lines:
                        flush_out()
                        events.extend((_WARN, line) for line in lines)
                    text = render(verdict)
                    if text:
                        out.append(text)
                    if record is not None:
                        # Out of step with the stdout pieces (they need not interleave),
                        # in step with the verdicts the parent settles (head, flush).
                        events.append((_RECORD, record(verdict)))
        except _NeedPassword:
            return _UnitResult(need_password=True)
        except _SliceAnomaly:
            return _UnitResult(anomaly=True)
        except CertkitError as exc:
            flush_out()
            result.error = exc
            return result
        flush_out()
        pending = tracker.pending
        if pending is not None:
            result.tail = (_RawItem.of(pending[0]), [_RawItem.of(c) for c in pending[2]])
        return result

    @staticmethod
    def _items(unit: Unit, password: PasswordProvider | None, tls: TlsOptions, on_note: NoteFn,
               result: _UnitResult) -> Iterator[CertificateItem]:
        if isinstance(unit, _SpecUnit):
            for item in iter_certificates([unit.spec], password=password, tls=tls, on_note=on_note):
                if item.position >= unit.skip_before:
                    yield item
        elif isinstance(unit, _FilesUnit):
            passwords = PasswordCache(password)
            for path in unit.paths:
                for item in folder_file_certificates(path, passwords, on_note):
                    result.found = True
                    yield item


# Set in the parent before forking (inherited), or built by the initializer otherwise.
_WORKER_JUDGE: _Judge | None = None


@dataclass(frozen=True)
class _Recipe:
    """What a worker started without fork needs to rebuild the parent's judge."""

    restrictions: tuple[str, tuple[str, ...], tuple[str, ...], bool]
    #: The Lucene version the parent compiled the patterns for (--es-version).
    lucene: tuple[int, int]
    fields: tuple[str, ...]
    anchors_der: tuple[bytes, ...]
    record_matches: bool
    now: Any
    #: The targeted Elasticsearch line's JDK feature version: how names are read and
    #: chains judged (None: the newest target's).
    jdk: int | None
    renderer: Any


def _init_worker(parent_pid: int, recipe: _Recipe) -> None:
    global _WORKER_JUDGE
    _workers.prepare_worker(parent_pid)
    rest_the_collector()
    if _WORKER_JUDGE is None:
        from cryptography import x509

        from certkit.patterns import PatternSet

        path, patterns, ignored, has_subject_name = recipe.restrictions
        restrictions = TrustRestrictions(path, patterns, PatternSet(patterns, lucene=recipe.lucene), ignored,
                                         has_subject_name)
        checker = RestrictionChecker(
            restrictions, recipe.fields, anchors=[x509.load_der_x509_certificate(d) for d in recipe.anchors_der],
            record_matches=recipe.record_matches, now=recipe.now, jdk=recipe.jdk,
        )
        _WORKER_JUDGE = _Judge(checker, recipe.renderer)


def _run_in_worker(unit: Unit, password: str | None, password_known: bool) -> _UnitResult:
    assert _WORKER_JUDGE is not None
    provider: PasswordProvider = (lambda: password) if password_known else _no_prompt
    return _WORKER_JUDGE.run(unit, provider)


# ----------------------------------------------------------------------------- the parent


class Audit:
    """Judge every certificate of ``specs``; iterate for the report, then read the totals.

    Iterating yields ``("out", text)`` for stdout and ``("warn", line)`` for stderr, in the
    order a sequential pass writes them; notes about skipped files go to ``on_note``.
    Afterwards ``admitted``, ``rejected`` and ``skipped`` (source, subject, reason of every
    CA certificate that was not judged) hold the totals, ``expiry`` the number of judged
    certificates per expiry state other than valid (when the checker judges expiry). A CertkitError from a SOURCE is
    raised where the sequential pass raises it. ``jobs`` defaults to the usable CPUs;
    ``on_progress(certificates, bytes)`` is called as units finish.
    """

    def __init__(
        self,
        checker: RestrictionChecker,
        specs: Sequence[str],
        renderer: Renderer,
        *,
        jobs: int | None = None,
        password: PasswordProvider | None = None,
        tls: TlsOptions = TlsOptions(),
        on_note: NoteFn | None = None,
        on_progress: Callable[[int, int], None] | None = None,
    ) -> None:
        self.checker = checker
        self.specs = list(specs)
        self.renderer = renderer
        self.jobs = _workers.default_jobs() if jobs is None else jobs
        if self.jobs < 1:
            raise ValueError("jobs must be at least 1")
        self.password = password
        self.tls = tls
        self.on_note = on_note or (lambda _message: None)
        self.on_progress = on_progress
        self.admitted = 0
        self.rejected = 0
        self.skipped: list[tuple[str, str, str]] = []
        #: What ``renderer.record`` returned for every verdict, in report order.
        self.records: list[Any] = []
        self.expiry: dict[str, int] = {}
        self.certificates = 0
        self._judge = _Judge(checker, renderer)
        self._tracker = ChainTracker(checker)
        self._wrote = False
        self._password_value: str | None = None
        self._password_known = False
        self._abandoned: set[int] = set()
        self._held: CertificateItem | None = None
        self._bytes_done = 0

    # -- units ---------------------------------------------------------------------

    def _units(self) -> Iterator[tuple[int, Unit, int]]:
        """(SOURCE index, unit, input bytes) for every SOURCE, read lazily."""
        for index, spec in enumerate(self.specs):
            path = Path(spec)
            if spec.startswith("tls://") or not path.is_dir():
                sliced = None if spec.startswith("tls://") else self._slices(index, spec)
                if sliced is None:
                    yield index, _SpecUnit(spec), _size(spec)
                else:
                    for unit in sliced:
                        if index in self._abandoned:
                            sliced.close()
                            break
                        yield index, unit, unit.length if isinstance(unit, _SliceUnit) else _size(spec)
                continue
            batch: list[str] = []
            size = 0
            for file in directory_files(path):
                batch.append(file)
                if self.on_progress is not None:
                    size += _size(file)
                if len(batch) == FOLDER_BATCH:
                    yield index, _FilesUnit(tuple(batch)), size
                    batch, size = [], 0
            if batch:
                yield index, _FilesUnit(tuple(batch)), size
            yield index, _FolderEnd(spec), 0

    def _slices(self, index: int, spec: str) -> Generator[Unit, None, None] | None:
        """Slices of a big PEM file, or None to read the SOURCE as one unit."""
        try:
            stream = open(spec, "rb")
        except OSError:
            return None  # the sequential reader says why, in its own words
        try:
            if os.fstat(stream.fileno()).st_size < SLICED_FILE_BYTES:
                stream.close()
                return None
            head = stream.read(_PEM_SNIFF_BYTES)
        except OSError:
            stream.close()
            return None
        if head.startswith(_ZIP_MAGICS) or _BEGIN not in head:
            stream.close()
            return None
        return self._read_slices(spec, stream, head)

    @staticmethod
    def _read_slices(spec: str, stream, head: bytes) -> Generator[Unit, None, None]:
        """Cut before a BEGIN about every SLICE_BYTES; number blocks from the naive count.

        A file whose first slice holds fewer than two certificates is read as one unit
        (a file with a single certificate labels it without ``#1``).
        """
        number = 1
        buffer = head
        offset = 0  # of buffer[0] in the file
        eof = False
        with stream:
            while True:
                while not eof and len(buffer) <= SLICE_BYTES:
                    chunk = stream.read(SLICE_BYTES)
                    if chunk:
                        buffer += chunk
                    else:
                        eof = True
                # Before the last BEGIN line starting within SLICE_BYTES, else the first one
                # after: a slice starts a line, as the PEM reader needs to read its first
                # block as the whole file's reading does (a BEGIN glued to text is text).
                cut = buffer.rfind(_BEGIN_LINE, 0, SLICE_BYTES + len(_BEGIN_LINE)) + 1
                if cut <= 0:
                    cut = buffer.find(_BEGIN_LINE, SLICE_BYTES) + 1
                if cut <= 0 and not eof:
                    if len(buffer) < _MAX_SLICES_WITHOUT_CUT * SLICE_BYTES:
                        chunk = stream.read(SLICE_BYTES)
                        if chunk:
                            buffer += chunk
                        else:
                            eof = True
                        continue
                    # Nowhere to cut: keep the last bytes, which may start a BEGIN. The
                    # block cut in two makes its slice unclean: the file is read sequentially.
                    cut = len(buffer) - len(_BEGIN) + 1
                if cut <= 0:
                    cut = len(buffer)
                last = eof and cut == len(buffer)
                count = _count_certificate_blocks(buffer, cut)
                buffer = buffer[cut:]
                if number == 1 and count < 2:
                    yield _SpecUnit(spec)
                    return
                yield _SliceUnit(spec, offset, cut, number, count, last)
                number += count
                offset += cut
                if last:
                    return

    # -- running units ---------------------------------------------------------------

    def _results(self) -> Iterator[tuple[int, Unit, int, _UnitResult | None]]:
        """Every unit with its result, in order; a None result means: run it here."""
        units = self._units()
        first = next(units, None)
        if first is None:
            return
        second = next(units, None) if self.jobs > 1 else None
        if second is None:
            yield (*first, None)
            for rest in units:
                yield (*rest, None)
            return
        # Interrupts are raised only between waits for results (certkit._workers explains
        # why); the generator holds that state across its yields, and a consumer that stops
        # early closes it, which restores the handlers.
        with _workers.interrupts_at_safe_points() as points:
            executor = self._start_pool()
            window: deque[tuple[int, Unit, int, Future | None]] = deque()
            limit = self.jobs * UNITS_IN_FLIGHT_PER_JOB
            try:
                for index, unit, size in _chain((first, second), units):
                    window.append((index, unit, size, self._submit(executor, unit)))
                    while len(window) > limit:
                        yield self._collect(window.popleft(), points)
                while window:
                    yield self._collect(window.popleft(), points)
            except BrokenProcessPool:
                raise RuntimeError("a certificate audit worker process died unexpectedly") from None
            finally:
                _forget_judge()
                for *_, future in window:
                    if future is not None:
                        future.cancel()
                executor.shutdown(wait=True, cancel_futures=True)

    def _start_pool(self) -> ProcessPoolExecutor:
        global _WORKER_JUDGE
        from cryptography.hazmat.primitives.serialization import Encoding

        context = _workers.pool_context(["certkit.audit.engine"])
        checker = self.checker
        restrictions = checker.restrictions
        recipe = _Recipe(
            (restrictions.path, restrictions.patterns, restrictions.ignored_keys, restrictions.has_subject_name),
            restrictions.compiled.lucene, checker.fields, tuple(a.public_bytes(Encoding.DER) for a in checker.anchors),
            checker.record_matches, checker.now, checker.jdk, self.renderer,
        )
        # Forked workers inherit the compiled patterns instead of compiling them again.
        _WORKER_JUDGE = self._judge if _workers.uses_fork(context) else None
        return ProcessPoolExecutor(max_workers=self.jobs, mp_context=context,
                                   initializer=_init_worker, initargs=(os.getpid(), recipe))

    def _submit(self, executor: ProcessPoolExecutor, unit: Unit) -> Future | None:
        if isinstance(unit, _FolderEnd) or (isinstance(unit, _SpecUnit) and unit.spec.startswith("tls://")):
            return None  # bookkeeping, or a connection best made from here
        # The first submit forks the workers (all of them, with the fork start method).
        return executor.submit(_run_in_worker, unit, self._password_value, self._password_known)

    @staticmethod
    def _collect(entry: tuple[int, Unit, int, Future | None],
                 points: _workers.SafePoints) -> tuple[int, Unit, int, _UnitResult | None]:
        index, unit, size, future = entry
        return index, unit, size, None if future is None else _workers.result_of(future, points)

    # -- the report ------------------------------------------------------------------

    def __iter__(self) -> Iterator[tuple[str, str]]:
        with collector_at_rest():
            yield from self._report()

    def _report(self) -> Iterator[tuple[str, str]]:
        found: dict[int, bool] = {}
        for index, unit, size, result in self._results():
            if index in self._abandoned and isinstance(unit, _SliceUnit):
                continue  # this file is being read sequentially
            if isinstance(unit, _FolderEnd):
                if not found.get(index):
                    raise no_certificates_in_folder(Path(unit.spec))
                continue
            if result is None or result.need_password:
                if result is not None:
                    self._resolve_password()
                result = self._judge.run(unit, self.password, self.tls)
            if isinstance(unit, _SliceUnit):
                if result.anomaly:
                    # Read the rest of the file as the sequential pass does, from the
                    # certificate it has not handed on yet.
                    self._abandoned.add(index)
                    skip = self._held.position if self._held is not None else unit.first_number - 1
                    self._held = None
                    unit = _SpecUnit(unit.source, skip_before=skip)
                    result = self._judge.run(unit, self.password, self.tls)
                elif result.arrived and self._held is not None:
                    # This slice's first block decoded: the sequential reader hands on the
                    # previous slice's last certificate now.
                    held, self._held = self._held, None
                    yield from self._verdicts(self._tracker.feed(held))
            if result.found:
                found[index] = True
            yield from self._replay(result)
            if isinstance(unit, _SliceUnit):
                if result.held is not None:
                    self._held = result.held.item()
                elif unit.last and self._held is not None:
                    held, self._held = self._held, None
                    yield from self._verdicts(self._tracker.feed(held))
            if self.on_progress is not None:
                self._bytes_done += size
                self.on_progress(self.certificates, self._bytes_done)
        yield from self._verdicts(self._tracker.finish())
        if self.on_progress is not None:
            self.on_progress(self.certificates, self._bytes_done)

    def _resolve_password(self) -> None:
        if not self._password_known:
            self._password_value = self.password() if self.password else None
            self._password_known = True
        value = self._password_value
        self.password = lambda: value

    def _replay(self, result: _UnitResult) -> Iterator[tuple[str, str]]:
        for kind, payload in result.events:
            if kind == _OUT:
                yield self._out(payload)
            elif kind == _WARN:
                yield "warn", payload
            elif kind == _NOTE:
                self.on_note(payload)
            elif kind == _HEAD:
                yield from self._verdicts(self._tracker.feed(payload.item()))
            elif kind == _RECORD:
                self.records.append(payload)
            else:  # _FLUSH: the unit's first leaf settles the leaf waiting here
                yield from self._verdicts(self._tracker.finish())
        self.admitted += result.admitted
        self.rejected += result.rejected
        self.skipped += result.skipped
        for state, count in result.expiry.items():
            self.expiry[state] = self.expiry.get(state, 0) + count
        self.certificates += result.admitted + result.rejected + len(result.skipped)
        if result.error is not None:
            raise result.error
        if result.tail is not None:
            leaf, chain = result.tail
            item = leaf.item()
            self._tracker.pending = (item, self._tracker.locate(item), [c.item() for c in chain])

    def _verdicts(self, verdicts: list[Verdict | None]) -> Iterator[tuple[str, str]]:
        renderer = self.renderer
        record = getattr(renderer, "record", None)
        for verdict in verdicts:
            if verdict is None:  # a quiet admission (the parent's tracker is not quiet)
                self.admitted += 1
                self.certificates += 1
                continue
            if verdict.skipped:
                self.skipped.append((verdict.source, verdict.subject, verdict.skipped))
            elif verdict.admitted:
                self.admitted += 1
            else:
                self.rejected += 1
            _count_expiry(self.expiry, verdict)
            self.certificates += 1
            for line in renderer.warnings(verdict):
                yield "warn", line
            text = renderer.render(verdict)
            if text:
                yield self._out(text)
            if record is not None:
                self.records.append(record(verdict))

    def _out(self, text: str) -> tuple[str, str]:
        if not self._wrote:
            self._wrote = True
            separator = self.renderer.separator
            if separator and text.startswith(separator):
                text = text[len(separator):]
        return "out", text


def _count_expiry(counts: dict[str, int], verdict: Verdict) -> None:
    if verdict.expiry_note and verdict.expiry is not None:
        counts[verdict.expiry] = counts.get(verdict.expiry, 0) + 1


def _count_certificate_blocks(data: bytes, end: int) -> int:
    """The certificate BEGIN lines of ``data[:end]`` (the other two labels counted only if present)."""
    plain = data.count(_CERTIFICATE_BEGINS[0], 0, end)
    if data.count(_BEGIN, 0, end) == plain:
        return plain
    return plain + sum(data.count(marker, 0, end) for marker in _CERTIFICATE_BEGINS[1:])


def _forget_judge() -> None:
    global _WORKER_JUDGE
    _WORKER_JUDGE = None


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def _chain(first: Sequence[Any], rest: Iterator[Any]) -> Iterator[Any]:
    yield from first
    yield from rest
