"""Reading source files the way Python does and writing them back atomically, refusing to overwrite edits.

Reading keeps what is needed to write the file back exactly as it came: the encoding (PEP 263 coding line
or a UTF-8 byte order mark, like the interpreter) and a :class:`Snapshot` of the bytes that were read.

Writing (:func:`write_atomic`) never leaves a file that is neither the original nor the complete result:
the new bytes go to a temporary file in the same folder, are flushed and fsynced, get the original's mode
(and owner, where allowed), and then replace the original with one ``os.replace``. Just before replacing,
the file is read again: when its bytes are no longer those that were read (an editor or Jupyter saved it
meanwhile, or it was removed), nothing is written and :class:`WriteConflictError` says so, unless forced. On any
error the temporary file is removed and the original is untouched.
"""

from __future__ import annotations

import codecs
import contextlib
import hashlib
import io
import os
import secrets
import stat
import tokenize
from dataclasses import dataclass
from pathlib import Path

from docgen_magic.core.errors import FileError, WriteConflictError

__all__ = ["FileError", "Snapshot", "SourceFile", "WriteConflictError", "decode_source", "encode_source",
           "read_bytes", "read_source_file", "write_atomic"]


@dataclass(frozen=True)
class Snapshot:
    """What a file held when it was read, to tell later whether someone else changed it.

    Attributes:
        size: Size in bytes.
        mtime_ns: Modification time in nanoseconds.
        digest: SHA-256 of the bytes.
    """

    size: int
    mtime_ns: int
    digest: str

    @classmethod
    def of(cls, data: bytes, mtime_ns: int) -> Snapshot:
        """Return the snapshot of bytes read from a file.

        Args:
            data: The bytes.
            mtime_ns: The file's modification time when they were read.

        Returns:
            The snapshot.
        """
        return cls(len(data), mtime_ns, hashlib.sha256(data).hexdigest())


@dataclass(frozen=True)
class SourceFile:
    """A text file as read: its text, how to encode it back, and the snapshot of its bytes.

    Attributes:
        path: The file.
        text: The decoded text, without a byte order mark.
        encoding: The codec to write it back with (``utf-8``, ``latin-1``, ...).
        bom: The file starts with a UTF-8 byte order mark (kept when it is written back).
        snapshot: Size, time and hash of the bytes read.
    """

    path: Path
    text: str
    encoding: str
    bom: bool
    snapshot: Snapshot

    def encode(self, text: str) -> bytes:
        """Return new text in this file's encoding (and byte order mark).

        Args:
            text: The text to write.

        Returns:
            The bytes.

        Raises:
            FileError: A character has no representation in the file's encoding.
        """
        return encode_source(text, self.encoding, self.bom, label=str(self.path))


def _reason(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


def read_bytes(path: Path) -> tuple[bytes, Snapshot]:
    """Read a whole file and take its snapshot.

    Args:
        path: The file.

    Returns:
        The bytes and their snapshot.

    Raises:
        FileError: The file cannot be read (missing, a folder, no permission...).
    """
    try:
        with open(path, "rb") as handle:
            data = handle.read()
            mtime = os.fstat(handle.fileno()).st_mtime_ns
    except OSError as exc:
        raise FileError(f"{path}: cannot read: {_reason(exc)}") from None
    return data, Snapshot.of(data, mtime)


def decode_source(data: bytes, *, label: str = "<source>", python: bool = True) -> tuple[str, str, bool]:
    """Decode source bytes the way the interpreter does.

    Args:
        data: The bytes.
        label: The file's name for messages.
        python: Honour a PEP 263 coding line (Python source); otherwise only UTF-8 with an optional BOM
            (JSON, notebooks).

    Returns:
        The text (no BOM), the encoding to write it back with, and whether a UTF-8 BOM was there.

    Raises:
        FileError: The coding line names an unknown codec, or the bytes are not valid in the encoding.
    """
    bom = data.startswith(codecs.BOM_UTF8)
    encoding = "utf-8"
    if python:
        try:
            encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        except SyntaxError as exc:  # unknown codec, a coding line contradicting the BOM, or not UTF-8 at all
            message = str(exc.msg if hasattr(exc, "msg") else exc)
            if "invalid or missing encoding declaration" not in message:
                raise FileError(f"{label}: cannot decode: {message}") from None
            encoding = "utf-8"  # the decoding below names the line and the byte
        encoding = "utf-8" if encoding == "utf-8-sig" else encoding
    body = data[len(codecs.BOM_UTF8):] if bom else data
    try:
        text = body.decode(encoding)
    except UnicodeDecodeError as exc:
        line = body[: exc.start].count(b"\n") + 1
        if encoding == "utf-8":
            hint = "another encoding needs a PEP 263 coding line, e.g. # -*- coding: latin-1 -*-"
        else:
            hint = "the coding line names the wrong encoding"
        raise FileError(f"{label}:{line}: not {'UTF-8' if encoding == 'utf-8' else encoding} text "
                        f"(byte 0x{body[exc.start]:02x}); {hint}") from None
    return text, encoding, bom


def encode_source(text: str, encoding: str, bom: bool, *, label: str = "<source>") -> bytes:
    """Encode text back into a file's encoding.

    Args:
        text: The decoded source to write.
        encoding: The codec from :func:`decode_source`.
        bom: Prefix a UTF-8 byte order mark.
        label: The file's name for messages.

    Returns:
        The bytes.

    Raises:
        FileError: A character cannot be written in that encoding.
    """
    try:
        data = text.encode(encoding)
    except UnicodeEncodeError as exc:
        line = text[: exc.start].count("\n") + 1
        raise FileError(f"{label}:{line}: the result has {text[exc.start]!r}, which {encoding} cannot hold; "
                        "nothing written") from None
    return (codecs.BOM_UTF8 if bom else b"") + data


def read_source_file(path: Path, *, python: bool = True) -> SourceFile:
    """Read and decode a source file (PEP 263 coding line and BOM honoured for Python).

    Args:
        path: The file.
        python: True for Python source; False for UTF-8 formats such as notebooks.

    Returns:
        The file's text, encoding and snapshot.

    Raises:
        FileError: The file cannot be read or decoded.
    """
    data, snapshot = read_bytes(path)
    text, encoding, bom = decode_source(data, label=str(path), python=python)
    return SourceFile(path, text, encoding, bom, snapshot)


def _changed(target: Path, expected: Snapshot) -> str | None:
    """Why the file is no longer what was read, or None when its bytes are the same."""
    try:
        with open(target, "rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            if size != expected.size:
                return f"its size went from {expected.size} to {size} bytes"
            data = handle.read()
    except FileNotFoundError:
        return "it was removed"
    except OSError as exc:
        return f"it cannot be read again: {_reason(exc)}"
    # Bytes decide: a save that changed them is a conflict; a touch that kept them loses nothing.
    if hashlib.sha256(data).hexdigest() != expected.digest:
        return "its content changed"
    return None


def write_atomic(path: Path, data: bytes, *, expected: Snapshot | None = None, force: bool = False) -> None:
    """Replace a file's content atomically, refusing when it changed since it was read.

    Args:
        path: The file (a symbolic link is followed: the file it points to is replaced).
        data: The complete new content.
        expected: The snapshot taken when the file was read; None to skip the conflict check.
        force: Write even when the file changed since it was read.

    Raises:
        WriteConflictError: The file changed since it was read (nothing written).
        FileError: The file cannot be written (read-only file or folder, full disk, ...); the original is
            untouched.
        BaseException: An interruption (``KeyboardInterrupt``, ``SystemExit``) is re-raised once the
            temporary file is removed; the original is untouched.
    """
    target = Path(os.path.realpath(path))
    try:
        info = os.stat(target)
    except OSError as exc:
        if expected is not None and isinstance(exc, FileNotFoundError) and not force:
            raise WriteConflictError(f"{path}: not written: it was removed after it was read "
                                "(--force writes anyway)") from None
        info = None
    # No write bit at all counts as read-only even for root, who may write anyway: the owner said no.
    if info is not None and (not os.access(target, os.W_OK) or not info.st_mode & 0o222):
        raise FileError(f"{path}: not written: the file is read-only")
    _check_unchanged(path, target, expected, force)
    # The name is chosen before the file exists, so that an interrupt at any moment (Ctrl-C right after the
    # file is created, before its descriptor is even returned) still finds and removes it.
    temporary = target.parent / f".{target.name}.{secrets.token_hex(8)}.docgen-tmp"
    try:
        handle = _create(path, temporary)
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
            if info is not None:
                _copy_ownership(stream.fileno(), info)
        _check_unchanged(path, target, expected, force)  # the window left is the replace itself
        os.replace(temporary, target)
    except BaseException as exc:  # KeyboardInterrupt included: the original stays, the temporary goes
        if not isinstance(exc, _NameTaken):  # that file is someone else's
            with contextlib.suppress(OSError):
                os.unlink(temporary)
        if isinstance(exc, OSError):
            raise FileError(f"{path}: not written ({_reason(exc)}); the file is unchanged") from None
        raise
    _sync_folder(target.parent)


def _check_unchanged(path: Path, target: Path, expected: Snapshot | None, force: bool) -> None:
    if expected is None or force:
        return
    why = _changed(target, expected)
    if why is not None:
        raise WriteConflictError(f"{path}: not written: the file changed since it was read ({why}); "
                            "run again, or use --force to overwrite")


class _NameTaken(FileError):
    """The temporary file's name exists already (not ours: it must not be removed)."""


def _create(path: Path, temporary: Path) -> int:
    """Create the temporary file (never an existing one: a name taken is an error, not a file to reuse)."""
    try:
        return os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o600)
    except FileExistsError:  # 64 random bits collided: nothing of ours to remove, nothing written
        raise _NameTaken(f"{path}: not written: {temporary.name} exists; the file is unchanged") from None
    except OSError as exc:
        raise FileError(f"{path}: not written: cannot create a temporary file in {temporary.parent} "
                        f"({_reason(exc)}); the file is unchanged") from None


def _copy_ownership(handle: int, info: os.stat_result) -> None:
    os.fchmod(handle, stat.S_IMODE(info.st_mode))
    if hasattr(os, "fchown") and (info.st_uid, info.st_gid) != (os.getuid(), os.getgid()):
        with contextlib.suppress(OSError):  # only root (or the owner, for the group) may; keep the mode anyway
            os.fchown(handle, info.st_uid, info.st_gid)


def _sync_folder(folder: Path) -> None:
    """Make the rename durable (best effort: some file systems cannot open a folder)."""
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)
