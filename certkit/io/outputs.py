"""Writing outputs so that a failed or interrupted run leaves nothing half-written.

Every file certkit writes goes through here:

* a file is written to a temporary name *in the target folder* (so the final step is a
  same-filesystem rename), flushed and fsynced, then moved into place;
* without ``force`` the move is ``os.link`` + unlink, which fails atomically if the
  target appeared meanwhile, so two concurrent runs cannot both "win";
* secret files (private keys, keystores) are created with ``O_CREAT | O_EXCL`` and mode
  0600 from the first byte: there is no moment at which they are world-readable;
* a directory output (a certificate bundle) is assembled in a temporary sibling folder and
  renamed as a whole.

Temporary names start with ``.certkit-tmp-`` so that leftovers of a killed process
(SIGKILL cannot be caught) are recognisable.

One module (a little over 400 lines) because every writer here shares those rules: the
temporary names, the no-clobber move, the modes and the error wording.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import re
import secrets as _secrets
import shutil
import stat
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from certkit.errors import OutputError, param

TMP_PREFIX = ".certkit-tmp-"
SECRET_MODE = 0o600
PUBLIC_MODE = 0o644


@dataclass(frozen=True)
class OutputFile:
    """One file of a multi-file output: its bytes, whether it is a secret, and whether a
    zip should deflate it (``compressible``: not for an encrypted keystore, which deflate
    shrinks by 3% at the cost of more CPU per EC node than the node's own key)."""

    data: bytes
    secret: bool = False
    compressible: bool = True


def _tmp_name(directory: Path) -> Path:
    return directory / f"{TMP_PREFIX}{_secrets.token_hex(8)}"


def _explain_os_error(exc: OSError, path: Path) -> OutputError:
    if exc.errno == errno.ENOSPC:
        return OutputError(f"no space left on the device while writing {path}")
    if exc.errno in (errno.EACCES, errno.EPERM):
        return OutputError(f"permission denied writing {path}")
    if exc.errno == errno.ENOENT:
        folder = path.parent if str(path.parent) else Path(".")
        if folder.is_dir():
            # The folder is there, but its file system creates no files (/proc, /sys):
            # "does not exist" would send the user looking for the wrong problem.
            return OutputError(f"cannot create {path}: the file system of {folder} does not allow new files there",
                               hint="choose a folder on an ordinary file system")
        return OutputError(f"the folder of {path} does not exist")
    if exc.errno == errno.EROFS:
        return OutputError(f"{path} is on a read-only file system")
    return OutputError(f"cannot write {path}: {exc.strerror or exc}")


def check_secret_target(path: Path) -> None:
    """Refuse a place where a private key could be read or redirected by someone else.

    A symbolic link as the output path could point a key at a file another user controls;
    a folder writable by others (without the sticky bit), or owned by another user, lets
    them swap the file.
    """
    if path.is_symlink():
        raise OutputError(f"refusing to write a private key through the symbolic link {path}")
    directory = path.parent if str(path.parent) else Path(".")
    try:
        st = directory.stat()
    except FileNotFoundError:
        raise OutputError(f"the folder {directory} does not exist") from None
    if st.st_mode & stat.S_IWOTH and not st.st_mode & stat.S_ISVTX:
        raise OutputError(
            f"refusing to write a private key into {directory}: the folder is writable by others",
            hint="choose a folder only you can write to",
        )
    if st.st_uid not in (os.geteuid(), 0):
        # Its owner may rename, replace or remove whatever is put in it, key included.
        raise OutputError(
            f"refusing to write a private key into {directory}: the folder belongs to another user",
            hint="choose a folder of your own",
        )


_REPLACE_HINT = f"use {param('force')} to replace it"


def ensure_absent(path: Path, force: bool) -> None:
    """Fail early (before any work) when an output exists and ``force`` was not given."""
    if not force and (path.exists() or path.is_symlink()):
        raise OutputError(f"{path} already exists", hint=_REPLACE_HINT)


def _write_new_file(path: str | Path, data: bytes, mode: int, sync: bool = False) -> None:
    """Create ``path`` (never an existing file, never through a link); ``sync``: fsync it.
    A folder's files are written unsynced and synced together (:func:`_sync_folder`)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), mode)
    try:
        view = memoryview(data)
        while view:
            written = os.write(fd, view)
            view = view[written:]
        if sync:
            os.fsync(fd)
    finally:
        os.close(fd)


def _sync_folder(folder: Path) -> None:
    """Make every file written below ``folder`` durable with one call, before the rename
    that publishes them: syncfs(2) on its file system (Linux), else sync(2). One fsync per
    file, serially, made a 2,000-node folder bundle 3.7 times slower than the same zip."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            if libc.syncfs(fd) == 0:
                return
        except (OSError, AttributeError):  # no syncfs here (not Linux, or no libc symbol)
            pass
        os.sync()
    finally:
        os.close(fd)


def _sync_directory_entry(folder: Path) -> None:
    """fsync a folder, so that a rename inside it survives a crash."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError:  # some file systems refuse fsync on a folder; the data itself is synced
        pass
    finally:
        os.close(fd)


def write_file(path: str | os.PathLike[str], data: bytes, *, secret: bool = False, force: bool = False) -> Path:
    """Write ``data`` to ``path`` atomically; never leaves a partial file behind."""
    target = Path(path)
    if secret:
        check_secret_target(target)
    ensure_absent(target, force)
    directory = target.parent if str(target.parent) else Path(".")
    tmp = _tmp_name(directory)
    try:
        _write_new_file(tmp, data, SECRET_MODE if secret else PUBLIC_MODE, sync=True)
        _move_into_place(tmp, target, force)
    except OSError as exc:
        raise _explain_os_error(exc, target) from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
    return target


def write_files(files: Mapping[Path, OutputFile], *, force: bool = False) -> list[Path]:
    """Write several files, each in its own place, as one all-or-nothing step.

    Every file is staged under a temporary name in its target's folder before the first
    is moved into place; if a move fails, the files already placed are removed again (and
    with ``force`` the files they replaced are put back), so a failed run leaves none of
    its outputs (docs/design.md: nothing half-written).
    """
    for target, entry in files.items():
        if entry.secret:
            check_secret_target(target)
        ensure_absent(target, force)
    staged: dict[Path, Path] = {}
    placed: list[tuple[Path, Path | None]] = []  # (target, the file it replaced, moved aside)
    target = next(iter(files), Path("."))
    try:
        for target, entry in files.items():
            staged[target] = _tmp_name(target.parent if str(target.parent) else Path("."))
            _write_new_file(staged[target], entry.data, SECRET_MODE if entry.secret else PUBLIC_MODE, sync=True)
        for target in files:
            replaced = _move_aside(target) if force else None
            try:
                _move_into_place(staged[target], target, force=False)
            except BaseException:
                if replaced is not None:
                    os.rename(replaced, target)
                raise
            placed.append((target, replaced))
    except BaseException as exc:
        for done, replaced in reversed(placed):
            with contextlib.suppress(OSError):
                done.unlink()
                if replaced is not None:
                    os.rename(replaced, done)
        placed.clear()
        if isinstance(exc, OSError):
            raise _explain_os_error(exc, target) from None
        raise
    finally:
        for tmp in staged.values():
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
        for _, replaced in placed:
            if replaced is not None:
                replaced.unlink(missing_ok=True)
    return list(files)


def _move_aside(target: Path) -> Path | None:
    """With ``force``: move an existing file out of the way (to be restored on failure)."""
    if not (target.exists() or target.is_symlink()):
        return None
    if target.is_dir() and not target.is_symlink():
        raise OutputError(f"{target} is a folder; refusing to replace it with a file")
    aside = _tmp_name(target.parent if str(target.parent) else Path("."))
    os.rename(target, aside)
    return aside


def _move_into_place(tmp: Path, target: Path, force: bool) -> None:
    if force:
        if target.is_dir() and not target.is_symlink():
            raise OutputError(f"{target} is a folder; refusing to replace it with a file")
        os.replace(tmp, target)
        return
    try:
        os.link(tmp, target)
    except FileExistsError:
        raise OutputError(f"{target} already exists", hint=_REPLACE_HINT) from None


def write_tree(
    path: str | os.PathLike[str], files: Mapping[str, OutputFile], *, force: bool = False
) -> Path:
    """Write a folder of files (relative POSIX names) as one atomic step.

    The folder is built as a hidden sibling and renamed into place. With ``force`` an
    existing folder is replaced only when it holds nothing but members of this output
    (certkit's own files, by name): one foreign file (notes, a database, ``.ssh/``) and
    it is refused, untouched. The old folder is moved aside, the new one renamed into
    place, and then only the old folder's members are removed, file by file: a file that
    someone put there meanwhile is left (in the ``.certkit-tmp-`` folder), never deleted.
    A folder holding keys is refused where a single key file would be (check_secret_target).
    """
    target = Path(path)
    for relative in files:
        # What Path(relative).parts and is_absolute() say, without two Path objects a file
        # (22 ms for a 2,000-node bundle's 4,000 files)
        if relative.startswith("/") or ".." in relative.split("/"):
            raise OutputError(f"refusing to write outside the output folder: {relative}")
    if any(entry.secret for entry in files.values()):
        check_secret_target(target)
    ensure_absent(target, force)
    if force:
        refuse_foreign_contents(target, files)
    parent = target.parent if str(target.parent) else Path(".")
    staging = _tmp_name(parent)
    old: Path | None = None
    try:
        os.mkdir(staging, 0o700)
        directories = sorted(_directories_of(files), key=lambda name: name.count("/"))
        _in_parallel(_creation_tasks(staging, directories, files))
        # Directories made with 0700 so nobody peeks at keys while the bundle is built;
        # opened up to the usual 0755 only once everything is written.
        for directory in [*reversed(directories), ""]:
            os.chmod(os.path.join(staging, directory), 0o755)
        _sync_folder(staging)
        if target.exists() or target.is_symlink():
            if not force:
                raise OutputError(f"{target} already exists", hint=_REPLACE_HINT)
            refuse_foreign_contents(target, files)
            old = _tmp_name(parent)
            os.rename(target, old)
        try:
            _rename_folder_into_place(staging, target)
        except OutputError:
            if old is None:
                raise
            # Another run wrote the folder after the old one was moved aside: neither is
            # deleted, the old one stays where the user can find it.
            kept, old = old, None
            raise OutputError(f"{target} was written by another run meanwhile; the folder it replaced is kept as "
                              f"{kept}") from None
        _sync_directory_entry(parent)
    except OSError as exc:
        if old is not None and not target.exists():
            os.rename(old, target)
            old = None
        raise _explain_os_error(exc, target) from None
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
        if old is not None:
            _remove_members(old, files)
    return target


def _creation_tasks(staging: Path, directories: list[str], files: Mapping[str, OutputFile]) -> list[functools.partial[None]]:
    """The calls that create ``files`` in ``staging``: the folders that hold other folders
    are made here, shallowest first; each other folder is made by the task that then
    creates its files, so that a bundle's 2,000 node folders (~50 µs of kernel time each
    here, serialised on the staging folder's lock) are made while other threads create
    files in the folders already made."""
    holding = {directory.rpartition("/")[0] for directory in directories}
    by_folder: dict[str, list[tuple[str, OutputFile]]] = {}
    for relative, entry in files.items():
        by_folder.setdefault(relative.rpartition("/")[0], []).append((relative, entry))
    for directory in directories:
        if directory in holding:
            os.mkdir(os.path.join(staging, directory), 0o700)
    tasks = [functools.partial(_create_folder, str(staging), directory if directory not in holding else None,
                               by_folder.get(directory, ()))
             for directory in directories if directory not in holding or directory in by_folder]
    if "" in by_folder:
        tasks.append(functools.partial(_create_folder, str(staging), None, by_folder[""]))
    return tasks


def _create_folder(staging: str, directory: str | None, entries: Iterable[tuple[str, OutputFile]]) -> None:
    """Make ``directory`` (None: it exists) in ``staging``, then create ``entries`` there."""
    if directory is not None:
        os.mkdir(os.path.join(staging, directory), 0o700)
    for relative, entry in entries:
        _write_new_file(os.path.join(staging, relative), entry.data, SECRET_MODE if entry.secret else PUBLIC_MODE)


#: Threads that create a folder's files together, and the fewest files worth them.
#: Creating a file is a system call the kernel spends ~60-100 µs on here, with the GIL
#: released: a 2,000-node bundle's 4,000 files took 0.3 s to 3 s in one thread, all of it
#: after the key generation, on one core. (Folders that hold folders are made first, in
#: one thread; each other folder by the task that fills it, see _creation_tasks.)
WRITER_THREADS = 4
_PARALLEL_FROM = 64


def _in_parallel(calls: list[functools.partial[None]]) -> None:
    """Run every call, on WRITER_THREADS threads when there are many. A thread stops at its
    first error, which is raised once every thread has stopped: the caller then removes a
    staging folder nothing writes to any more."""
    if len(calls) < _PARALLEL_FROM:
        for call in calls:
            call()
        return
    from concurrent.futures import ThreadPoolExecutor

    threads = min(WRITER_THREADS, os.cpu_count() or 1)
    shares = [calls[start::threads] for start in range(threads)]

    def run(share: list[functools.partial[None]]) -> BaseException | None:
        for call in share:
            try:
                call()
            except BaseException as exc:  # reported below, after every thread has stopped
                return exc
        return None

    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="certkit-writer") as pool:
        errors = [error for error in pool.map(run, shares) if error is not None]
    if errors:
        raise errors[0]


def _rename_folder_into_place(staging: Path, target: Path) -> None:
    """Rename the finished folder to its name; another run that got there first (between
    the existence check and this rename) is reported as the existing output it is. rename(2)
    refuses a non-empty folder (ENOTEMPTY, EEXIST on some file systems) and a file
    (ENOTDIR) in the way, so the other run's output is never replaced."""
    try:
        os.rename(staging, target)
    except OSError as exc:
        if exc.errno in (errno.ENOTEMPTY, errno.EEXIST, errno.ENOTDIR, errno.EISDIR):
            raise OutputError(f"{target} already exists", hint=_REPLACE_HINT) from None
        raise


def _directories_of(files: Mapping[str, object]) -> set[str]:
    directories: set[str] = set()
    for relative in files:
        parts = relative.split("/")[:-1]
        directories.update("/".join(parts[:depth]) for depth in range(1, len(parts) + 1))
    return directories


#: The names a certkit bundle gives its members (issue/bundle.py): ``<name>/<name>.crt``,
#: ``.key`` and ``.p12``, ``ca/ca.crt`` and ``ca/ca.key`` among them. An earlier bundle's
#: node that the new one no longer holds is still certkit's own and may be replaced.
_BUNDLE_MEMBER = re.compile(r"([^/]+)/\1\.(?:crt|key|p12)")


class _Ownership:
    """Which entries of an existing output folder certkit may replace: the new output's
    members, and files named as certkit names bundle members; nothing else."""

    def __init__(self, members: Iterable[str]) -> None:
        self.members = set(members)
        self.directories = _directories_of(dict.fromkeys(self.members))

    def owns_file(self, relative: str) -> bool:
        return relative in self.members or _BUNDLE_MEMBER.fullmatch(relative) is not None

    def may_hold_owned(self, relative: str) -> bool:
        return relative in self.directories or "/" not in relative  # <name>/ of a bundle member

    def walk(self, folder: Path) -> Iterator[tuple[str, bool, bool]]:
        """(relative name, is a folder, owned) of every entry below ``folder``; a symbolic
        link is judged by its own name and never followed."""
        pending = [""]
        while pending:
            prefix = pending.pop()
            with os.scandir(folder / prefix if prefix else folder) as entries:
                for entry in sorted(entries, key=lambda e: e.name):
                    relative = f"{prefix}{entry.name}"
                    if entry.is_dir(follow_symlinks=False):
                        owned = self.may_hold_owned(relative)
                        yield relative, True, owned
                        if owned:
                            pending.append(relative + "/")
                    else:
                        yield relative, False, self.owns_file(relative)


def foreign_entry(folder: Path, members: Iterable[str]) -> str | None:
    """The first entry below ``folder`` (relative POSIX name) that certkit did not write
    there (see :class:`_Ownership`), or None when all of it is certkit's own."""
    return next((relative for relative, _, owned in _Ownership(members).walk(folder) if not owned), None)


def refuse_foreign_contents(target: Path, members: Iterable[str]) -> None:
    """With ``--force``, refuse to replace a folder that holds anything certkit would not write there."""
    if target.is_symlink() or not target.exists():
        return
    if not target.is_dir():
        raise OutputError(f"{target} exists and is not a folder; refusing to replace it with one")
    try:
        foreign = foreign_entry(target, members)
    except OSError as exc:
        raise _explain_os_error(exc, target) from None
    if foreign is not None:
        raise OutputError(
            f"{target} holds {foreign}, which certkit did not write: only certkit's own files are ever replaced",
            hint=f"move {target / foreign} elsewhere, or choose another output folder",
        )


def _remove_members(old: Path, members: Iterable[str]) -> None:
    """Remove the replaced folder: certkit's own files by name, then its folders if empty.

    Anything else (put there after the check) stays, under the ``.certkit-tmp-`` name.
    """
    if old.is_symlink() or not old.is_dir():
        old.unlink(missing_ok=True)
        return
    with contextlib.suppress(OSError):
        folders = []
        for relative, is_folder, owned in list(_Ownership(members).walk(old)):
            if is_folder:
                folders.append(relative)
            elif owned:
                (old / relative).unlink()
        for relative in sorted(folders, key=lambda name: name.count("/"), reverse=True):
            with contextlib.suppress(OSError):
                (old / relative).rmdir()
        old.rmdir()


def zip_bytes(files: Mapping[str, OutputFile]) -> bytes:
    """A zip archive of ``files``, built in memory, entries with Unix modes (keys 0600)."""
    from certkit.io.zipwriter import zip_archive

    folders = [(directory + "/", b"", 0o755, False) for directory in sorted(_directories_of(files))]
    members = [(relative, entry.data, SECRET_MODE if entry.secret else PUBLIC_MODE, entry.compressible)
               for relative, entry in files.items()]
    try:
        return zip_archive(folders + members)
    except ValueError as exc:
        raise OutputError(str(exc), hint="write the bundle to a folder instead (an --out without .zip)") from None


def write_bundle(
    path: str | os.PathLike[str], files: Mapping[str, OutputFile], *, force: bool = False
) -> Path:
    """Write a bundle as a zip (``path`` ends in ``.zip``) or as a folder (anything else).

    A zip holding keys is itself a secret (mode 0600).
    """
    target = Path(path)
    if target.suffix.lower() == ".zip":
        return write_file(
            target, zip_bytes(files), secret=any(f.secret for f in files.values()), force=force
        )
    return write_tree(target, files, force=force)

