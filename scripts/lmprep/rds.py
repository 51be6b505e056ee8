"""A pure-Python reader of R's serialization format and lazy-load databases.

Written to read the Jane Austen novels of Debian's ``r-cran-janeaustenr``
without R (see :mod:`lmprep.austen_corpus`), the training text of the
``austen`` model.

An R package stores its data as a *lazy-load database*
(``data/Rdata.rdx`` + ``data/Rdata.rdb``):

- ``Rdata.rdx`` is an ordinary gzip-compressed RDS stream (``"X\\n"`` + XDR
  serialization, version 3) holding a named list ``variables`` (for each
  object, an integer vector ``c(offset, length)`` into the ``.rdb`` file),
  ``references`` (an empty named list here) and ``compressed`` (``TRUE``).
- Each ``.rdb`` record is a 4-byte big-endian uncompressed length followed by a
  zlib stream (``compressed = TRUE``); with ``compressed = 2`` it is bzip2, and
  with ``3`` a type byte (``Z`` zlib, ``2`` bzip2, ``X`` xz, ``0`` stored)
  sits between the length and the data. The decompressed record is a complete
  serialization stream with its own ``"X\\n"`` header.

Only the subset of R's serialization format that such data needs is read:
NULL, symbols, pairlists and language objects, attributes, character vectors
(with ``NA`` and the UTF-8 / Latin-1 / bytes encodings), logical, integer,
double, complex and raw vectors, lists, expression vectors, S4 objects,
references (REFSXP) and the compact ALTREP sequences. Anything else (closures,
environments, byte code, ...) raises :class:`RFormatError`.
"""

from __future__ import annotations

import bz2
import gzip
import lzma
import struct
import zlib
from pathlib import Path


class RFormatError(ValueError):
    """The bytes are not (a supported part of) R's serialization format."""


# ------------------------------------------------------------------ R values in Python


class RVector(list):
    """An R vector as a Python list, with its R type and attributes.

    ``NA`` is ``None`` in character, integer and logical vectors (R's ``NA_real_``
    stays a float NaN). ``attributes`` is a dict (tag -> value).
    """

    def __init__(self, items=(), rtype="list", attributes=None):
        super().__init__(items)
        self.rtype = rtype
        self.attributes = dict(attributes or {})

    @property
    def names(self):
        return self.attributes.get("names")

    def to_dict(self) -> dict:
        """A named vector as ``{name: element}``."""
        if self.names is None or len(self.names) != len(self):
            raise RFormatError(
                f"to_dict: this {self.rtype} vector has no names for each element"
            )
        return dict(zip(self.names, self))

    def __repr__(self):
        items = list.__repr__(self)
        return f"RVector({self.rtype}, {items}, attributes={self.attributes!r})"


class RSymbol(str):
    """An R symbol (a name)."""

    def __repr__(self):
        return f"RSymbol({str.__repr__(self)})"


class RPairlist(list):
    """An R pairlist (or call, for ``rtype="language"``): a list of
    ``(tag or None, value)``."""

    def __init__(self, items=(), rtype="pairlist", attributes=None):
        super().__init__(items)
        self.rtype = rtype
        self.attributes = dict(attributes or {})

    def to_dict(self) -> dict:
        return {tag: value for tag, value in self}


class RSpecial:
    """A placeholder for R's singletons (global environment, missing argument, ...)."""

    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f"<R {self.name}>"

    def __eq__(self, other):
        return isinstance(other, RSpecial) and other.name == self.name

    def __hash__(self):
        return hash(("RSpecial", self.name))


# SEXP type codes (R's Rinternals.h and serialize.c)
NILSXP, SYMSXP, LISTSXP, CLOSXP, ENVSXP, PROMSXP, LANGSXP = 0, 1, 2, 3, 4, 5, 6
CHARSXP, LGLSXP, INTSXP, REALSXP, CPLXSXP, STRSXP, DOTSXP = 9, 10, 13, 14, 15, 16, 17
VECSXP, EXPRSXP, RAWSXP, S4SXP = 19, 20, 24, 25
REFSXP, NILVALUE_SXP, ALTREP_SXP, ATTRLISTSXP, ATTRLANGSXP = 255, 254, 238, 239, 240
SPECIALS = {
    253: "GlobalEnv",
    252: "UnboundValue",
    251: "MissingArg",
    250: "BaseNamespace",
    242: "EmptyEnv",
    241: "BaseEnv",
}
NA_INTEGER = -(2**31)
UTF8_MASK, LATIN1_MASK, BYTES_MASK, ASCII_MASK = 8, 4, 2, 64
VECTOR_TYPES = {
    LGLSXP: "logical",
    INTSXP: "integer",
    REALSXP: "double",
    CPLXSXP: "complex",
    STRSXP: "character",
    VECSXP: "list",
    EXPRSXP: "expression",
    RAWSXP: "raw",
}


class _Reader:
    """Reads one XDR serialization stream (after the ``"X\\n"`` header)."""

    def __init__(self, data: bytes):
        self.data = memoryview(data)
        self.pos = 0
        self.refs = []
        self.encoding = "utf-8"

    def take(self, n: int) -> memoryview:
        if n < 0 or self.pos + n > len(self.data):
            raise RFormatError(
                f"R stream truncated: needed {n} bytes at offset {self.pos}, "
                f"only {len(self.data) - self.pos} left"
            )
        chunk = self.data[self.pos : self.pos + n]
        self.pos += n
        return chunk

    def int(self) -> int:
        return struct.unpack(">i", self.take(4))[0]

    def length(self) -> int:
        n = self.int()
        if n == -1:  # long vector: two more ints
            upper, lower = struct.unpack(">II", self.take(8))
            n = (upper << 32) + lower
        elif n < -1:
            raise RFormatError(
                f"R stream corrupt: negative length {n} at offset {self.pos - 4}"
            )
        if n > len(self.data) - self.pos:  # every element takes at least one byte
            raise RFormatError(
                f"R stream truncated or corrupt: length {n} at offset {self.pos - 4} "
                f"exceeds the {len(self.data) - self.pos} bytes left"
            )
        return n

    def header(self):
        version = self.int()
        if version not in (2, 3):
            raise RFormatError(
                f"unsupported R serialization version {version} (expected 2 or 3)"
            )
        self.int()  # R version that wrote it
        self.int()  # oldest R version that can read it
        if version == 3:
            self.encoding = (
                bytes(self.take(self.int())).decode("ascii", "replace") or "utf-8"
            )
        return version

    # ---- items
    def item(self):
        flags = self.int()
        kind, levels = flags & 0xFF, flags >> 12
        has_attr = bool(flags & (1 << 9))

        if kind == NILVALUE_SXP:
            return None
        if kind in SPECIALS:
            return RSpecial(SPECIALS[kind])
        if kind == REFSXP:
            index = flags >> 8 or self.int()
            if not 1 <= index <= len(self.refs):
                raise RFormatError(
                    f"R stream corrupt: reference {index} but only {len(self.refs)} "
                    "referenceable objects so far"
                )
            return self.refs[index - 1]
        if kind == SYMSXP:
            name = self.item()
            if not isinstance(name, str):
                raise RFormatError(
                    f"R stream corrupt: symbol name is {name!r}, not a string"
                )
            symbol = RSymbol(name)
            self.refs.append(symbol)
            return symbol
        if kind in (LISTSXP, LANGSXP, DOTSXP, ATTRLISTSXP, ATTRLANGSXP):
            return self.pairlist(flags)
        if kind == CHARSXP:
            return self.charsxp(levels)
        if kind in VECTOR_TYPES:
            value = RVector(self.vector(kind), VECTOR_TYPES[kind])
            if has_attr:
                value.attributes = self.attributes()
            return value
        if kind == S4SXP:
            return RVector([], "S4", self.attributes() if has_attr else {})
        if kind == ALTREP_SXP:
            return self.altrep()
        raise RFormatError(
            f"unsupported R object type {kind} (flags {flags:#x}) at offset "
            f"{self.pos - 4}"
        )

    def attributes(self) -> dict:
        attrs = self.item()
        if not isinstance(attrs, RPairlist):
            raise RFormatError(
                f"R stream corrupt: attributes are {type(attrs).__name__}, not a "
                "pairlist"
            )
        return {str(tag): value for tag, value in attrs}

    def pairlist(self, flags):
        kind = flags & 0xFF
        rtype = "language" if kind in (LANGSXP, ATTRLANGSXP) else "pairlist"
        result = RPairlist(rtype=rtype)
        while True:  # iterate down the CDRs (long pairlists would overflow the stack)
            has_attr = bool(flags & (1 << 9)) or kind in (ATTRLISTSXP, ATTRLANGSXP)
            if has_attr:
                attributes = self.attributes()
                if not result:
                    result.attributes = attributes
            tag = self.item() if flags & (1 << 10) else None
            result.append((None if tag is None else str(tag), self.item()))
            flags = self.int()
            kind = flags & 0xFF
            if kind not in (LISTSXP, LANGSXP, DOTSXP, ATTRLISTSXP, ATTRLANGSXP):
                self.pos -= 4
                tail = self.item()
                if tail is not None:
                    raise RFormatError(
                        f"R stream: pairlist ends in {type(tail).__name__}, not NULL"
                    )
                return result

    def charsxp(self, levels):
        n = self.int()
        if n == -1:
            return None  # NA_character_
        if n < -1:
            raise RFormatError(
                f"R stream corrupt: string length {n} at offset {self.pos - 4}"
            )
        raw = bytes(self.take(n))
        if levels & BYTES_MASK:
            return raw
        if levels & LATIN1_MASK:
            return raw.decode("latin-1")
        try:
            return raw.decode(
                "utf-8" if levels & (UTF8_MASK | ASCII_MASK) else self.encoding
            )
        except (UnicodeDecodeError, LookupError):
            return raw.decode("latin-1")

    def vector(self, kind):
        n = self.length()
        if kind == STRSXP:
            out = []
            for _ in range(n):
                flags = self.int()
                if flags & 0xFF != CHARSXP:
                    raise RFormatError(
                        f"R stream corrupt: element of a character vector has type "
                        f"{flags & 0xFF}, not CHARSXP, at offset {self.pos - 4}"
                    )
                out.append(self.charsxp(flags >> 12))
            return out
        if kind in (VECSXP, EXPRSXP):
            return [self.item() for _ in range(n)]
        if kind == RAWSXP:
            return list(bytes(self.take(n)))
        if kind in (INTSXP, LGLSXP):
            values = struct.unpack(f">{n}i", self.take(4 * n))
            if kind == LGLSXP:
                return [None if v == NA_INTEGER else bool(v) for v in values]
            return [None if v == NA_INTEGER else v for v in values]
        if kind == REALSXP:
            return list(struct.unpack(f">{n}d", self.take(8 * n)))
        values = struct.unpack(f">{2 * n}d", self.take(16 * n))
        return [complex(values[i], values[i + 1]) for i in range(0, 2 * n, 2)]

    def altrep(self):
        info, state, attributes = self.item(), self.item(), self.item()
        name = str(info[0][1]) if isinstance(info, RPairlist) and info else "?"
        try:
            if name in ("compact_intseq", "compact_realseq"):
                n, start, step = state[:3]
                if name == "compact_intseq":
                    n, start, step = int(n), int(start), int(step)
                if not 0 <= n <= 10**7:
                    raise RFormatError(
                        f"ALTREP '{name}' of length {n}: only lengths up to 10**7 are "
                        "expanded"
                    )
                value = RVector(
                    [start + i * step for i in range(int(n))],
                    "integer" if name == "compact_intseq" else "double",
                )
            elif name.startswith("wrap_"):
                value = RVector(state[0], state[0].rtype, state[0].attributes)
            else:
                raise RFormatError(f"unsupported ALTREP class '{name}'")
        except (TypeError, ValueError, IndexError, AttributeError) as err:
            raise RFormatError(
                f"R stream corrupt: bad state for ALTREP class '{name}' ({err})"
            ) from err
        if isinstance(attributes, RPairlist):
            value.attributes.update({str(tag): v for tag, v in attributes})
        return value


def unserialize(data: bytes):
    """Read one R serialization stream (RDS, XDR format); gzip is undone first."""
    data = bytes(data)
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as err:
            raise RFormatError(f"unserialize: corrupt gzip data ({err})") from err
    if data[:2] != b"X\n":
        if data[:2] in (b"A\n", b"B\n"):
            raise RFormatError(
                "unserialize: only the XDR format ('X\\n') is supported, "
                f"not {data[:1].decode()!r}"
            )
        raise RFormatError(
            f"unserialize: not an R serialization stream (starts with {data[:8]!r}, "
            "expected b'X\\n')"
        )
    reader = _Reader(data[2:])
    reader.header()
    value = reader.item()
    if reader.pos != len(reader.data):
        raise RFormatError(
            f"unserialize: {len(reader.data) - reader.pos} unread bytes after the "
            "object"
        )
    return value


def decompress_record(record: bytes, compressed=True) -> bytes:
    """Undo the compression of one lazy-load record (R's ``lazyLoadDBfetch``)."""
    record = bytes(record)
    if len(record) < 4:
        raise RFormatError(
            f"lazy-load record truncated: {len(record)} bytes, no length prefix"
        )
    expected = struct.unpack(">I", record[:4])[0]
    method = {True: "Z", 2: "2"}.get(compressed)  # True == 1: one key for both
    body = record[4:]
    if compressed == 3:
        if not body:
            raise RFormatError("lazy-load record truncated: no compression type byte")
        method, body = chr(body[0]), body[1:]
    try:
        if method == "Z":
            out = zlib.decompress(body)
        elif method == "2":
            out = bz2.decompress(body)
        elif method == "X":
            out = lzma.decompress(body)
        elif method == "0":
            out = body
        else:
            raise RFormatError(
                f"lazy-load record: unknown compression {compressed!r}/{method!r}"
            )
    except (zlib.error, OSError, EOFError, lzma.LZMAError, ValueError) as err:
        if isinstance(err, RFormatError):
            raise
        raise RFormatError(
            f"lazy-load record: corrupt compressed data ({err})"
        ) from err
    if len(out) != expected:
        raise RFormatError(
            f"lazy-load record: length prefix says {expected} bytes, got {len(out)}"
        )
    return out


def read_lazyload_db(rdx_path, names=None) -> dict:
    """Read objects of an R lazy-load database (``X.rdx`` + ``X.rdb``) as
    ``{name: value}``.

    ``names`` restricts the objects read (default: every object in the index).
    """
    rdx_path = Path(rdx_path)
    rdb_path = rdx_path.with_suffix(".rdb")
    for path in (rdx_path, rdb_path):
        if not path.is_file():
            raise FileNotFoundError(f"read_lazyload_db: {path} not found")
    index = unserialize(rdx_path.read_bytes())
    try:
        index = index.to_dict()
        variables = index["variables"].to_dict()
        compressed = index.get("compressed", RVector([True]))[0]
    except (AttributeError, KeyError, TypeError, IndexError) as err:
        raise RFormatError(
            f"read_lazyload_db: {rdx_path} is not a lazy-load index ({err})"
        ) from err
    wanted = list(variables) if names is None else list(names)
    out = {}
    with open(rdb_path, "rb") as rdb:
        for name in wanted:
            if name not in variables:
                raise KeyError(
                    f"read_lazyload_db: no object '{name}' in {rdx_path}; "
                    f"it has {sorted(variables)}"
                )
            offset, length = variables[name]
            rdb.seek(offset)
            record = rdb.read(length)
            if len(record) != length:
                raise RFormatError(
                    f"read_lazyload_db: {rdb_path} truncated at object '{name}'"
                )
            out[name] = unserialize(decompress_record(record, compressed))
    return out
