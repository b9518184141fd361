"""Output files: each written whole or not at all, and all of a build's files or none.

Takes the targets and their bytes; each file is written beside its target under a hidden
temporary name (``.t.epub.k3x9q2mz.part``) and renamed onto it only once every target's bytes are
on disk, with Ctrl-C and termination held off between the first rename and the last. A failed
rename puts back the files already replaced (their previous versions are kept as hard links until
the last rename), so a build leaves the previous editions as they were. What cannot be written
(a read-only folder, a full disk, a folder where the file should be) is a ``PublishError`` that
names the file and the folder, never a traceback.

The one design decision: each temporary is locked (``flock``) by the process writing it for as
long as it exists. A build that was killed (kill -9, a power cut) leaves its temporaries
unlocked, so the next build that writes into that folder removes them, while the temporaries of
a build still running beside it, locked, are left alone. Creating a temporary and locking it
happen under a shared lock on the folder, and the sweep holds it exclusively, so a sweep never
mistakes a temporary just created for one left behind.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import re
import signal
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from publish.diagnostics import Diagnostic, PublishError, display_path, error

_TEMPORARY = re.compile(r"^\..+\.[A-Za-z0-9_]{8}\.part$")
"""The names ``tempfile.mkstemp(prefix=".<name>.", suffix=".part")`` gives: what a sweep may remove."""
# Signals that would stop a build between its renames; held off for those microseconds.
_HELD = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)


@dataclass(frozen=True)
class Temporary:
    """A locked temporary file beside its target (the lock lasts as long as ``fd`` is open)."""

    path: Path
    fd: int


def write_outputs(outputs: dict[Path, bytes]) -> None:
    """Write every target whole, or none: the previous files stay as they were on any failure."""
    for target in outputs:
        if target.is_dir():
            raise PublishError([error(display_path(target), 0, 0, "output-folder",
                                      f"'{display_path(target)}' is a folder, not a file: name the file to write "
                                      "(inside that folder or elsewhere); nothing was written")])
    with contextlib.ExitStack() as stack:
        temporaries: dict[Path, Temporary] = {}
        for target, data in outputs.items():
            with _reported(target):
                temporary = stack.enter_context(temporary_beside(target))
                temporaries[target] = temporary
                _write_all(temporary.fd, data)
        with _held_signals():
            replace_all(temporaries)


def write_atomic(target: Path, data: bytes) -> None:
    write_outputs({target: data})


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """A locked temporary path beside ``target``; renamed onto it only if the block succeeds."""
    with _reported(target), temporary_beside(target) as temporary:
        yield temporary.path
        with _held_signals():
            replace_all({target: temporary})


def sweep_temporaries(folder: Path) -> list[Path]:
    """Remove the temporaries in ``folder`` that no running process holds (left by a build that was
    killed); returns what was removed. Anything it cannot lock or remove it leaves."""
    removed: list[Path] = []
    try:
        folder_fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return removed
    try:
        fcntl.flock(folder_fd, fcntl.LOCK_EX)
        for entry in os.scandir(folder):
            if not _TEMPORARY.match(entry.name) or not entry.is_file(follow_symlinks=False):
                continue
            try:
                fd = os.open(entry.path, os.O_RDONLY | os.O_NOFOLLOW)
            except OSError:
                continue
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                os.unlink(entry.path)
                removed.append(Path(entry.path))
            except OSError:
                pass  # held by a build still running, or not ours to remove
            finally:
                os.close(fd)
    except OSError:
        pass  # a file system without locks: leave everything
    finally:
        os.close(folder_fd)
    return removed


@contextlib.contextmanager
def temporary_beside(target: Path) -> Iterator[Temporary]:
    """A new temporary beside ``target``, locked from the moment it exists; removed on leaving
    unless it was renamed onto the target."""
    folder = target.parent
    folder.mkdir(parents=True, exist_ok=True)
    sweep_temporaries(folder)
    folder_fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        with contextlib.suppress(OSError):
            fcntl.flock(folder_fd, fcntl.LOCK_SH)
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=folder)
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_EX)
    finally:
        os.close(folder_fd)
    temporary = Temporary(Path(name), fd)
    try:
        yield temporary
    finally:
        with contextlib.suppress(OSError):
            os.unlink(temporary.path)
        os.close(fd)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]
    os.fchmod(fd, 0o644)


def replace_all(temporaries: dict[Path, Temporary]) -> None:
    """Rename each temporary onto its target; if one fails, put back the targets already replaced."""
    backups: dict[Path, Path | None] = {}
    try:
        for target, temporary in temporaries.items():
            backups[target] = _keep_previous(target)
            try:
                os.replace(temporary.path, target)
            except OSError as failure:
                raise PublishError([_write_error(target, failure)]) from failure
    except BaseException:
        for target, backup in backups.items():
            if target in temporaries and not temporaries[target].path.exists():
                with contextlib.suppress(OSError):
                    if backup is not None:
                        os.replace(backup, target)
                    else:
                        os.unlink(target)
        raise
    finally:
        for backup in backups.values():
            if backup is not None:
                with contextlib.suppress(OSError):
                    os.unlink(backup)


def _keep_previous(target: Path) -> Path | None:
    """A hard link to the file ``target`` holds now, under a temporary name; None if there is none
    (or the file system cannot link)."""
    backup = target.parent / f".{target.name}.{os.urandom(6).hex()[:8]}.part"
    try:
        os.link(target, backup, follow_symlinks=False)
    except OSError:
        return None
    return backup


@contextlib.contextmanager
def _held_signals() -> Iterator[None]:
    """Ctrl-C, termination and hang-up wait until the block is done (then they act at once)."""
    try:
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD)
    except (OSError, ValueError, AttributeError):  # not the main thread's to hold, or no such call
        yield
        return
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


@contextlib.contextmanager
def _reported(target: Path) -> Iterator[None]:
    """An ``OSError`` while writing ``target`` becomes a diagnostic naming it and its folder."""
    try:
        yield
    except OSError as failure:
        raise PublishError([_write_error(target, failure)]) from failure


def _write_error(target: Path, failure: OSError) -> Diagnostic:
    folder = display_path(target.parent) if str(target.parent) not in ("", ".") else "the working folder"
    reason = {
        errno.ENOSPC: f"the disk holding {folder} is full",
        errno.EDQUOT: f"the disk quota for {folder} is used up",
        errno.EFBIG: f"the file is larger than this system lets a process write into {folder}",
        errno.EROFS: f"{folder} is on a read-only file system",
        errno.EACCES: f"{folder} is not writable",
        errno.EPERM: f"{folder} is not writable",
        errno.EISDIR: f"{display_path(target)} is a folder",
        errno.ENOTDIR: f"a part of {folder} is a file, not a folder",
    }.get(failure.errno or 0, f"{failure.strerror or failure}")
    return error(display_path(target), 0, 0, "output-write",
                 f"cannot write {display_path(target)}: {reason}; the previous file, if any, is unchanged")
