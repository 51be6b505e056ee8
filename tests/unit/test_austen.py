"""The pure-Python reader of R's serialization format (``scripts/lmprep``), the
Austen corpus, and the bundled ``austen`` model.

The R streams are built here by a tiny XDR encoder for the subset the reader
supports, written from R's serialize.c (flags = type | object << 8 |
attributes << 9 | tag << 10 | levels << 12).
"""

import bz2
import gzip
import lzma
import math
import random
import re
import struct
import zlib

import pytest
from lmprep import austen_corpus
from lmprep.austen_corpus import extract_novels
from lmprep.austen_corpus import to_paragraphs
from lmprep.rds import RFormatError
from lmprep.rds import RPairlist
from lmprep.rds import RSymbol
from lmprep.rds import RVector
from lmprep.rds import decompress_record
from lmprep.rds import read_lazyload_db
from lmprep.rds import unserialize

# ---------------------------------------------------------------------- a tiny encoder

NIL = struct.pack(">i", 254)
ASCII, UTF8, LATIN1, BYTES = 64, 8, 4, 2


def i32(*values):
    return struct.pack(f">{len(values)}i", *values)


def flags(kind, *, attr=False, tag=False, levels=0):
    return i32(kind | attr << 9 | tag << 10 | levels << 12)


def header(version=3):
    head = b"X\n" + i32(version, 0x040201, 0x030500)
    return head + (i32(5) + b"UTF-8" if version == 3 else b"")


def charsxp(value, levels=ASCII):
    if value is None:
        return flags(9) + i32(-1)
    raw = (
        value
        if isinstance(value, bytes)
        else value.encode("latin-1" if levels == LATIN1 else "utf-8")
    )
    return flags(9, levels=levels) + i32(len(raw)) + raw


class Encoder:
    """Writes symbols once, then as references (as R does)."""

    def __init__(self):
        self.symbols = []

    def symbol(self, name):
        if name in self.symbols:
            return i32((self.symbols.index(name) + 1) << 8 | 255)
        self.symbols.append(name)
        return flags(1) + charsxp(name)

    def attributes(self, attrs):
        out = b""
        for tag, value in attrs.items():
            out += flags(2, tag=True) + self.symbol(tag) + value
        return out + NIL

    def strsxp(self, values, attrs=None, levels=None):
        body = b"".join(
            charsxp(v, (levels or {}).get(i, ASCII)) for i, v in enumerate(values)
        )
        return (
            flags(16, attr=bool(attrs))
            + i32(len(values))
            + body
            + (self.attributes(attrs) if attrs else b"")
        )

    def intsxp(self, values, kind=13):
        return flags(kind) + i32(len(values), *values)

    def vecsxp(self, items, names=None):
        attrs = {"names": self.strsxp(names)} if names is not None else None
        return (
            flags(19, attr=bool(attrs))
            + i32(len(items))
            + b"".join(items)
            + (self.attributes(attrs) if attrs else b"")
        )


def stream(body, version=3):
    return header(version) + body


# --------------------------------------------------------------------------- the reader


@pytest.mark.parametrize("version", [2, 3])
def test_character_vector_with_na_and_encodings(version):
    enc = Encoder()
    body = enc.strsxp(
        ["Emma", None, "café", "naïve", b"\xff\x00", ""],
        levels={2: UTF8, 3: LATIN1, 4: BYTES},
    )
    value = unserialize(stream(body, version))
    assert isinstance(value, RVector) and value.rtype == "character"
    assert list(value) == ["Emma", None, "café", "naïve", b"\xff\x00", ""]
    assert value.attributes == {}


def test_gzipped_stream_and_scalars():
    enc = Encoder()
    body = enc.vecsxp(
        [
            enc.intsxp([1, -(2**31), 7]),  # NA_integer_
            enc.intsxp([1, 0, -(2**31)], kind=10),  # TRUE, FALSE, NA
            flags(14) + i32(2) + struct.pack(">2d", 0.5, -math.inf),
            NIL,
            flags(1) + charsxp("sym"),
        ]
    )
    value = unserialize(gzip.compress(stream(body)))
    assert list(value[0]) == [1, None, 7] and value[0].rtype == "integer"
    assert list(value[1]) == [True, False, None] and value[1].rtype == "logical"
    assert list(value[2]) == [0.5, -math.inf]
    assert value[3] is None
    assert isinstance(value[4], RSymbol) and value[4] == "sym"


def test_nested_lists_with_names_and_symbol_references():
    enc = Encoder()
    inner = enc.vecsxp(
        [enc.strsxp(["y"]), enc.intsxp([1], kind=10)], names=["x", "flag"]
    )
    body = enc.vecsxp([enc.intsxp([1, 2, 3]), inner, NIL], names=["a", "b", "c"])
    assert body.count(b"names") == 1  # the second "names" is a REFSXP
    value = unserialize(stream(body))
    assert value.rtype == "list" and list(value.names) == ["a", "b", "c"]
    as_dict = value.to_dict()
    assert list(as_dict["a"]) == [1, 2, 3] and as_dict["c"] is None
    assert as_dict["b"].to_dict()["x"] == ["y"] and as_dict["b"].to_dict()["flag"] == [
        True
    ]


def test_reference_with_unpacked_index_and_pairlist():
    enc = Encoder()
    # a pairlist: (a = sym, b = <ref to sym>), the second as REFSXP with index 0 and the
    # index in the next int
    body = (
        flags(2, tag=True)
        + enc.symbol("a")
        + enc.symbol("sym")
        + flags(2, tag=True)
        + enc.symbol("b")
        + i32(255, 2)
        + NIL
    )
    value = unserialize(stream(body))
    assert isinstance(value, RPairlist) and value.to_dict() == {"a": "sym", "b": "sym"}
    assert isinstance(value.to_dict()["b"], RSymbol)


def test_bad_reference_is_an_error():
    with pytest.raises(RFormatError, match="reference 3"):
        unserialize(stream(i32(3 << 8 | 255)))


def test_truncated_streams_raise_a_clear_error():
    enc = Encoder()
    full = stream(
        enc.vecsxp(
            [enc.strsxp(["Emma", None]), enc.intsxp([4, 5])], names=["text", "n"]
        )
    )
    assert unserialize(full).to_dict()["n"] == [4, 5]
    for cut in range(len(full)):
        with pytest.raises(RFormatError):
            unserialize(full[:cut])
    with pytest.raises(RFormatError, match="unread bytes"):
        unserialize(full + b"\x00")


def test_garbage_raises_a_clear_error():
    with pytest.raises(RFormatError, match="not an R serialization stream"):
        unserialize(b"PK\x03\x04 definitely not R")
    with pytest.raises(RFormatError, match="only the XDR format"):
        unserialize(b"A\n3\n")
    with pytest.raises(RFormatError, match="version 7"):
        unserialize(b"X\n" + i32(7, 0, 0))
    with pytest.raises(RFormatError, match="gzip"):
        unserialize(b"\x1f\x8b\x08\x00garbage")
    with pytest.raises(RFormatError, match="unsupported R object type 3"):  # a closure
        unserialize(stream(i32(3)))
    rng = random.Random(0)
    for _ in range(200):
        with pytest.raises(RFormatError):
            unserialize(header() + rng.randbytes(rng.randrange(0, 64)))


def record(payload, compressed=True, kind=None):
    """A lazy-load record as R writes it: 4-byte length, [type byte], compressed."""
    packed = {"Z": zlib.compress, "2": bz2.compress, "X": lzma.compress, "0": bytes}
    if compressed == 3:
        return struct.pack(">I", len(payload)) + kind.encode() + packed[kind](payload)
    return struct.pack(">I", len(payload)) + packed["2" if compressed == 2 else "Z"](
        payload
    )


@pytest.mark.parametrize(
    "compressed,kind", [(True, None), (2, None), (3, "Z"), (3, "X"), (3, "2"), (3, "0")]
)
def test_lazy_load_database(tmp_path, compressed, kind):
    enc = Encoder()
    objects = {
        "emma": stream(
            enc.strsxp(["EMMA", "", "Emma Woodhouse, handsome, clever, and rich"])
        ),
        "n": stream(Encoder().intsxp([42])),
    }
    rdb, variables = b"", []
    for payload in objects.values():
        rec = record(payload, compressed, kind)
        variables.append(Encoder().intsxp([len(rdb), len(rec)]))
        rdb += rec
    index_enc = Encoder()
    compressed_flag = (
        index_enc.intsxp([1], kind=10)
        if compressed is True
        else index_enc.intsxp([compressed])
    )
    index = index_enc.vecsxp(
        [
            index_enc.vecsxp(variables, names=list(objects)),
            index_enc.vecsxp([], names=[]),
            compressed_flag,
        ],
        names=["variables", "references", "compressed"],
    )
    (tmp_path / "Rdata.rdx").write_bytes(gzip.compress(stream(index)))
    (tmp_path / "Rdata.rdb").write_bytes(rdb)
    data = read_lazyload_db(tmp_path / "Rdata.rdx")
    assert list(data["emma"]) == [
        "EMMA",
        "",
        "Emma Woodhouse, handsome, clever, and rich",
    ]
    assert list(data["n"]) == [42]
    assert list(read_lazyload_db(tmp_path / "Rdata.rdx", names=["n"])) == ["n"]
    with pytest.raises(KeyError, match="no object 'persuasion'"):
        read_lazyload_db(tmp_path / "Rdata.rdx", names=["persuasion"])


def test_bad_lazy_load_records():
    good = record(b"X\n" + b"\x00" * 20)
    assert decompress_record(good) == b"X\n" + b"\x00" * 20
    with pytest.raises(RFormatError, match="length prefix"):
        decompress_record(struct.pack(">I", 99) + good[4:])
    with pytest.raises(RFormatError, match="corrupt compressed data"):
        decompress_record(good[:12])
    with pytest.raises(RFormatError, match="no length prefix"):
        decompress_record(b"\x00\x01")
    with pytest.raises(RFormatError, match="unknown compression"):
        decompress_record(struct.pack(">I", 3) + b"Qabc", compressed=3)


def test_extract_novels_from_a_package_folder(tmp_path):
    data = tmp_path / "usr/lib/R/site-library/janeaustenr/data"
    data.mkdir(parents=True)
    rdb, variables = b"", []
    for name in austen_corpus.TITLES:
        rec = record(
            stream(
                Encoder().strsxp(
                    [
                        name.upper(),
                        "",
                        "CHAPTER 1",
                        "",
                        "First line",
                        "second line.",
                        "",
                        "Next paragraph.",
                    ]
                )
            )
        )
        variables.append(Encoder().intsxp([len(rdb), len(rec)]))
        rdb += rec
    enc = Encoder()
    index = enc.vecsxp(
        [
            enc.vecsxp(variables, names=list(austen_corpus.TITLES)),
            enc.intsxp([1], kind=10),
        ],
        names=["variables", "compressed"],
    )
    (data / "Rdata.rdx").write_bytes(gzip.compress(stream(index)))
    (data / "Rdata.rdb").write_bytes(rdb)
    novels = extract_novels(tmp_path)
    assert sorted(novels) == [
        "Emma",
        "Mansfield Park",
        "Northanger Abbey",
        "Persuasion",
        "Pride and Prejudice",
        "Sense and Sensibility",
    ]
    assert novels["Emma"].startswith("EMMA\n\nCHAPTER 1\n\nFirst line\nsecond line.")
    assert to_paragraphs(novels["Emma"]) == [
        "First line second line.",
        "Next paragraph.",
    ]


def test_clear_errors_for_missing_files_and_tools(tmp_path, monkeypatch):
    with pytest.raises(FileNotFoundError, match="Rdata.rdx"):
        extract_novels(tmp_path)
    with pytest.raises(FileNotFoundError, match="not found"):
        extract_novels(tmp_path / "nothing.deb")
    monkeypatch.setattr(austen_corpus.shutil, "which", lambda name: None)
    with pytest.raises(RuntimeError, match="apt-get not found"):
        austen_corpus.fetch_janeaustenr(tmp_path)
    (tmp_path / "fake.deb").write_bytes(b"!<arch>\n")
    with pytest.raises(RuntimeError, match="dpkg-deb not found"):
        extract_novels(tmp_path / "fake.deb")


def test_to_paragraphs_drops_headings_and_italics():
    text = (
        "PERSUASION\n\nby\n\nJane Austen\n\nChapter 1\n\n\nSir Walter Elliot, of "
        "Kellynch Hall,\nin "
        'Somersetshire, was a _man_ who--\n\nCHAPTER II.\n\n"Yes."\n\nFinis\n'
    )
    assert to_paragraphs(text) == [
        "Sir Walter Elliot, of Kellynch Hall, in Somersetshire, was a man who--",
        '"Yes."',
    ]


# ------------------------------------------------------------------- the bundled model

SENTENCE = (
    "It is a truth universally acknowledged, that a single man in possession of a good "
    "fortune, must be in want of a wife."
)


@pytest.fixture(scope="module")
def model_and_tokenizer():
    from tempered.lm import load_model

    return load_model("austen")


def test_model_writes_english_looking_text(model_and_tokenizer):
    import torch

    model, tokenizer = model_and_tokenizer
    inputs = tokenizer("She was", return_tensors="pt")
    torch.manual_seed(0)
    out = model.generate(
        **inputs,
        do_sample=True,
        temperature=1.0,
        top_k=0,
        top_p=1.0,
        max_new_tokens=40,
        pad_token_id=tokenizer.eos_token_id,
    )
    assert out.shape[1] > inputs["input_ids"].shape[1]
    text = tokenizer.decode(
        out[0, inputs["input_ids"].shape[1] :], skip_special_tokens=True
    )
    words = re.findall(r"[A-Za-z]+", text)
    assert len(text) > 60 and text.count(" ") >= 8 and len(words) >= 8
    letters = sum(c.isalpha() for c in text)
    assert letters > 0.6 * len(text.replace(" ", ""))


def sentence_loss(model, tokenizer, text):
    """Mean cross-entropy (nats per token) of ``text`` under the model."""
    import torch

    ids = tokenizer(text, return_tensors="pt")["input_ids"]
    with torch.no_grad():
        logits = model(input_ids=ids).logits
    return torch.nn.functional.cross_entropy(logits[0, :-1], ids[0, 1:]).item()


def test_model_knows_austen_much_better_than_uniform(model_and_tokenizer):
    model, tokenizer = model_and_tokenizer
    uniform = math.log(len(tokenizer))  # 8.32 nats for the 4096-token vocabulary
    assert len(tokenizer) >= 1000
    loss = sentence_loss(model, tokenizer, SENTENCE)
    # measured 3.70 nats/token (validation loss of the whole held-out slice: 4.51)
    assert loss < 5.0 < uniform - 3, (loss, uniform)
    # and English that Austen never wrote is much less likely (measured 7.14)
    nonsense = sentence_loss(
        model,
        tokenizer,
        "Colorless green ideas sleep furiously on the quantum blockchain server.",
    )
    assert nonsense > loss + 1.5, (nonsense, loss)
