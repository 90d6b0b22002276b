"""The intake folder: which files to take, when they are ready, where they go afterwards.

`INTAKE/<county>/...` holds what clerks drop. Taken files move to `INTAKE/.done/<county>/...`
and refused ones to `INTAKE/.rejected/...` with `NAME.reason.txt` beside them. Paths are
`str` with the file system's surrogate escapes, so names that are not valid UTF-8 work;
`display()` gives the text that goes into events and logs.
"""
from __future__ import annotations

import os
import stat
import time
from dataclasses import dataclass

from domain.counties import county_from_folder

SUPPORTED = frozenset({".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp", ".xlsx", ".csv"})
ROSTERS = frozenset({".xlsx", ".csv"})
DONE, REJECTED = ".done", ".rejected"
# Names that copy tools and office programs use while a file is still being written.
TEMPORARY_SUFFIXES = (".part", ".partial", ".crdownload", ".download", ".filepart", ".tmp", ".swp")
NAME_MAX = 255


def display(name: str) -> str:
    """Printable text for a name that may carry undecodable bytes."""
    return os.fsencode(name).decode("utf-8", "replace")


@dataclass(frozen=True)
class Drop:
    """One file as found: where it is, and what its place in the intake says about it."""

    path: str  # absolute
    root: str | None  # the intake folder it was found under (None: a file named directly)
    relative: str  # path below root, "/"-separated, surrogate-escaped
    county: str | None  # the first folder level (or --county)

    @property
    def name(self) -> str:
        return os.path.basename(self.path)

    @property
    def suffix(self) -> str:
        return os.path.splitext(self.name)[1].lower()


def ignored(name: str) -> bool:
    return name.startswith((".", "~$")) or name.lower().endswith(TEMPORARY_SUFFIXES)


def plain_folder_name(name: str) -> bool:
    """A name that stays one folder below the intake: no separators, no `.`/`..`, no NUL,
    not hidden, not too long. `--county` must be one, since taken files move under it."""
    return (bool(name) and name.strip() == name and name not in (".", "..") and not name.startswith(".")
            and not any(c in name for c in "/\\\0") and len(os.fsencode(name)) <= NAME_MAX
            and all(c.isprintable() for c in name))


def county_of(relative: str, root: str | None, override: str | None) -> str | None:
    if override:
        return override
    parts = relative.split("/")
    if len(parts) >= 2:
        return parts[0]
    return None


def scan(root: str, county: str | None = None) -> list[Drop]:
    """Every candidate file under `root`, hidden ones and .done/.rejected excluded, sorted.

    Symbolic links are listed, never followed: `check_link` decides about them.
    """
    root = os.path.abspath(root)
    found: list[Drop] = []
    for folder, dirs, files in os.walk(root, followlinks=False):
        # A link to a folder is listed like a file so that it gets refused, not followed.
        linked = [d for d in dirs if os.path.islink(os.path.join(folder, d))]
        dirs[:] = sorted(d for d in dirs if not ignored(d) and d not in linked)
        for name in sorted(n for n in files + linked if not ignored(n)):
            path = os.path.join(folder, name)
            relative = os.path.relpath(path, root).replace(os.sep, "/")
            found.append(Drop(path, root, relative, county_of(relative, root, county)))
    return found


def drop_for_file(path: str, county: str | None) -> Drop:
    """A file named on the command line: its parent folder names the county if it is one."""
    path = os.path.abspath(path)
    parent = os.path.basename(os.path.dirname(path))
    if not county and parent and county_from_folder(parent)[1]:
        county = parent
    return Drop(path, None, os.path.basename(path), county or None)


def link_escapes(drop: Drop) -> bool:
    """A symbolic link whose target lies outside the intake folder (or dangles)."""
    if not os.path.islink(drop.path):
        return False
    if drop.root is None:
        return True
    target = os.path.realpath(drop.path)
    root = os.path.realpath(drop.root)
    return not (target.startswith(root + os.sep) and os.path.exists(target))


@dataclass(frozen=True)
class Snapshot:
    size: int
    mtime_ns: int
    inode: int

    @property
    def key(self) -> str:
        return f"{self.size}:{self.mtime_ns}:{self.inode}"


def snapshot(path: str) -> Snapshot | None:
    try:
        st = os.stat(path, follow_symlinks=False)
    except OSError:
        return None
    return Snapshot(st.st_size, st.st_mtime_ns, st.st_ino)


def is_regular(path: str) -> bool:
    try:
        return stat.S_ISREG(os.stat(path, follow_symlinks=False).st_mode)
    except OSError:
        return False


def read_regular(path: str) -> bytes:
    """The bytes of a regular file, opened without following links and without blocking.

    O_NOFOLLOW refuses a link swapped in after the scan; O_NONBLOCK keeps a FIFO from
    hanging the watcher; the fstat check refuses anything that is not a regular file.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise IsADirectoryError(f"not a regular file: {display(path)}")
        with os.fdopen(fd, "rb", closefd=False) as f:
            return f.read()
    finally:
        os.close(fd)


class Settler:
    """Decides when a file has stopped changing: same size and mtime for `settle` seconds."""

    def __init__(self, settle: float, clock=time.monotonic):
        self.settle = settle
        self.clock = clock
        self.seen: dict[str, tuple[Snapshot, float]] = {}

    def steady(self, path: str) -> Snapshot | None:
        """The file's snapshot if it has been unchanged long enough, else None."""
        now = self.clock()
        snap = snapshot(path)
        if snap is None:
            self.seen.pop(path, None)
            return None
        previous = self.seen.get(path)
        if previous is None or previous[0] != snap:
            self.seen[path] = (snap, now)
            return snap if self.settle <= 0 else None
        return snap if now - previous[1] >= self.settle else None

    def unchanged_for(self, path: str) -> float:
        previous = self.seen.get(path)
        return self.clock() - previous[1] if previous else 0.0

    def forget(self, path: str) -> None:
        self.seen.pop(path, None)

    def prune(self, present: set[str]) -> None:
        for path in list(self.seen):
            if path not in present:
                del self.seen[path]


def destination(drop: Drop, outcome_folder: str, county: str | None) -> str | None:
    """Where a taken file goes: `<root>/.done/<county>/<path below the county folder>`."""
    if drop.root is None:
        return None
    if county is not None and not plain_folder_name(county):
        county = None  # never a path: `--county` is checked, this is the last line of defence
    parts = drop.relative.split("/")
    if county and parts[0] == county and len(parts) > 1:
        parts = parts[1:]
    return os.path.join(drop.root, outcome_folder, county or "_", *parts)


def fit_name(name: str, suffix: str = "") -> str:
    """`name` + `suffix`, the stem shortened if the bytes would exceed the file-name limit."""
    stem, ext = os.path.splitext(name)
    while len(os.fsencode(stem + suffix + ext)) > NAME_MAX and stem:
        stem = stem[:-1]
    return stem + suffix + ext


def move(source: str, target: str, expected: Snapshot | None) -> str | None:
    """Move `source` to `target` (a free name found by adding " (1)", " (2)"...).

    Returns the final path, or None when the source is gone (another watcher moved it) or
    was changed since it was read (it will be taken again as new bytes). A hard link then an
    unlink never overwrites anything; where links are impossible, rename after a check.
    """
    if expected is not None and snapshot(source) != expected:
        return None
    os.makedirs(os.path.dirname(target), exist_ok=True)
    folder, name = os.path.split(target)
    for n in range(1000):
        candidate = os.path.join(folder, fit_name(name, f" ({n})" if n else ""))
        try:
            os.link(source, candidate, follow_symlinks=False)
        except FileExistsError:
            if _same_file(source, candidate):  # a move cut short by a crash: finish it
                os.unlink(source)
                return candidate
            continue
        except FileNotFoundError:
            return None
        except OSError:  # no hard links here (some network shares): rename without clobbering
            if os.path.lexists(candidate):
                continue
            try:
                os.rename(source, candidate)
            except FileNotFoundError:
                return None
            return candidate
        try:
            os.unlink(source)
        except FileNotFoundError:
            # Another watcher took the source away at the same moment. Had it placed the
            # file under a name of its own, ours would be a spare; but it may have found
            # our link and finished our move, and then ours is the file's last name.
            try:
                if os.stat(candidate, follow_symlinks=False).st_nlink > 1:
                    os.unlink(candidate)
                    return None
            except FileNotFoundError:
                return None
        return candidate
    raise OSError(f"no free name for {display(target)}")


def _same_file(a: str, b: str) -> bool:
    try:
        sa, sb = os.stat(a, follow_symlinks=False), os.stat(b, follow_symlinks=False)
    except OSError:
        return False
    return (sa.st_dev, sa.st_ino) == (sb.st_dev, sb.st_ino)


def write_reason(moved_to: str, text: str) -> str:
    """`NAME.reason.txt` beside the refused file, written atomically."""
    folder, stem = os.path.split(moved_to)
    while len(os.fsencode(stem + ".reason.txt")) > NAME_MAX:
        stem = stem[:-1]
    path = os.path.join(folder, stem + ".reason.txt")
    temp = os.path.join(folder, f".reason-{os.getpid()}-{time.monotonic_ns()}.tmp")
    with open(temp, "w", encoding="utf-8") as out:
        out.write(text)
        out.flush()
        os.fsync(out.fileno())
    os.replace(temp, path)
    return path
