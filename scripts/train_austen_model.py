"""Train the "real English" model, ``load_model("austen")``, on Jane Austen's novels.

    # fetch, train, save: ~12 min on 2 idle cores
    .venv/bin/python scripts/train_austen_model.py
    # or from a .deb downloaded by hand
    .venv/bin/python scripts/train_austen_model.py --deb r-cran-janeaustenr_1.0.0-1.deb

Data: Debian's ``r-cran-janeaustenr`` (janeaustenr by Julia Silge, MIT licence;
the novels are in the public domain), fetched with ``apt-get download`` and
read without R by ``lmprep.austen_corpus`` (next to this script). This script
is the only step that touches the network; the course itself only reads the
saved model.

Steps: paragraphs of each novel (headings dropped, punctuation kept) -> the
last 2 % of each novel's paragraphs held out for validation -> byte-level BPE
tokenizer trained on the rest -> tiny GPT-2 -> seeded training -> validation
loss and sample generations -> fp16 safetensors + tokenizer in
``src/tempered/lm/models/austen/`` with ``training.json`` (provenance and figures).
"""

from __future__ import annotations

import argparse
import json
import math
import tempfile
import time
from pathlib import Path

import numpy as np
from lmprep.austen_corpus import DEBIAN_PACKAGE
from lmprep.austen_corpus import LICENSE
from lmprep.austen_corpus import deb_version
from lmprep.austen_corpus import extract_novels
from lmprep.austen_corpus import fetch_janeaustenr
from lmprep.austen_corpus import to_paragraphs
from lmprep.train import make_tiny_gpt2
from lmprep.train import save_model
from lmprep.train import train_byte_bpe_tokenizer
from lmprep.train import train_causal_lm

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "tempered" / "lm" / "models" / "austen"
PROMPT = "It is a truth universally acknowledged that"


def encode(tokenizer, texts):
    """Token ids of the texts, each followed by the end-of-text token."""
    ids = []
    for text in texts:
        ids.extend(tokenizer(text)["input_ids"])
        ids.append(tokenizer.eos_token_id)
    return np.asarray(ids, dtype=np.int64)


def validation_loss(model, ids, block_size):
    """Mean cross-entropy (nats per token) over consecutive non-overlapping blocks."""
    import torch

    total, count = 0.0, 0
    with torch.no_grad():
        for start in range(0, len(ids) - 1, block_size):
            block = torch.as_tensor(ids[start : start + block_size + 1])[None]
            if block.shape[1] < 2:
                break
            logits = model(input_ids=block[:, :-1]).logits
            loss = torch.nn.functional.cross_entropy(
                logits[0], block[0, 1:], reduction="sum"
            )
            total, count = total + loss.item(), count + block.shape[1] - 1
    return total / count


def load_novels(deb: str | None):
    """The novels (title -> text) and the janeaustenr package's version, from a
    .deb or extracted folder given by hand, or else fetched with apt-get."""
    with tempfile.TemporaryDirectory() as tmp:
        if deb:
            source = Path(deb)
            debs = [source] if source.is_file() else []
        else:
            source = fetch_janeaustenr(tmp)
            debs = sorted(Path(tmp).glob(f"{DEBIAN_PACKAGE}_*.deb"))
        version = deb_version(debs[0]) if debs else "unknown (extracted folder)"
        return extract_novels(source), version


def split_novels(novels):
    """Per novel, in title order: (title, paragraphs, training text, validation
    text), the last 2 % of its paragraphs held out for validation."""
    rows = []
    for title, text in sorted(novels.items()):
        paragraphs = to_paragraphs(text)
        cut = len(paragraphs) - max(1, round(0.02 * len(paragraphs)))
        train, val = "\n".join(paragraphs[:cut]), "\n".join(paragraphs[cut:])
        rows.append((title, len(paragraphs), train, val))
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--deb",
        help="an r-cran-janeaustenr .deb or extracted folder (default: apt-get it)",
    )
    parser.add_argument("--steps", type=int, default=900)
    parser.add_argument("--vocab", type=int, default=4096)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()

    import torch

    torch.set_num_threads(2)
    torch.manual_seed(args.seed)

    novels, version = load_novels(args.deb)
    print(
        f"{DEBIAN_PACKAGE} {version}: {len(novels)} novels, "
        f"{sum(map(len, novels.values())):,} characters"
    )

    split = split_novels(novels)
    train_texts = [train for _, _, train, _ in split]
    val_texts = [val for _, _, _, val in split]
    for title, n_paragraphs, train, val in split:
        print(
            f"  {title:22s} {n_paragraphs:5d} paragraphs, "
            f"{len(train):8,d} train + {len(val):6,d} validation characters"
        )

    start = time.perf_counter()
    tokenizer = train_byte_bpe_tokenizer(train_texts, vocab_size=args.vocab)
    train_ids, val_ids = encode(tokenizer, train_texts), encode(tokenizer, val_texts)
    n_chars = sum(map(len, train_texts))
    print(
        f"tokenizer: {len(tokenizer)} tokens; {len(train_ids):,} training tokens "
        f"({n_chars / len(train_ids):.2f} characters per token), {len(val_ids):,} "
        f"validation tokens [{time.perf_counter() - start:.1f} s]"
    )

    block_size = 256
    model = make_tiny_gpt2(
        len(tokenizer),
        n_positions=block_size,
        n_embd=144,
        n_layer=4,
        n_head=4,
        eos_token_id=tokenizer.eos_token_id,
        seed=args.seed,
    )
    n_params = sum(p.numel() for p in model.parameters())
    print(
        f"model: GPT-2, {n_params:,} parameters; uniform loss log(V) = "
        f"{math.log(len(tokenizer)):.3f} nats/token"
    )
    print(
        "validation loss before training: "
        f"{validation_loss(model, val_ids, block_size):.3f} nats/token"
    )

    start = time.perf_counter()
    losses = train_causal_lm(
        model,
        train_ids,
        steps=args.steps,
        block_size=block_size,
        batch_size=16,
        lr=3e-3,
        warmup=50,
        seed=args.seed,
        description="austen",
    )
    train_seconds = time.perf_counter() - start
    val_loss = validation_loss(model, val_ids, block_size)
    print(
        f"trained {args.steps} steps in {train_seconds / 60:.1f} min; final training "
        f"loss {np.mean(losses[-50:]):.3f}; validation loss {val_loss:.3f} nats/token "
        f"(perplexity {math.exp(val_loss):.1f})"
    )

    samples = {}
    inputs = tokenizer(PROMPT, return_tensors="pt")
    for temperature in (0.7, 1.0, 1.5):
        torch.manual_seed(args.seed)
        out = model.generate(
            **inputs,
            do_sample=True,
            temperature=temperature,
            top_k=0,
            top_p=1.0,
            max_new_tokens=50,
            pad_token_id=tokenizer.eos_token_id,
        )
        samples[str(temperature)] = tokenizer.decode(out[0], skip_special_tokens=True)
        print(f"\nT = {temperature}: {samples[str(temperature)]}")

    save_model(model, tokenizer, args.out)
    info = {
        "source": f"Debian package {DEBIAN_PACKAGE} {version} (https://packages.debian.org/{DEBIAN_PACKAGE})",
        "license": LICENSE,
        "training_characters": n_chars,
        "training_tokens": int(len(train_ids)),
        "validation_tokens": int(len(val_ids)),
        "vocab_size": len(tokenizer),
        "parameters": n_params,
        "n_positions": block_size,
        "steps": args.steps,
        "batch_size": 16,
        "seed": args.seed,
        "training_minutes": round(train_seconds / 60, 1),
        "validation_loss_nats_per_token": round(val_loss, 4),
        "samples": {
            "prompt": PROMPT,
            "seed": args.seed,
            "max_new_tokens": 50,
            "by_temperature": samples,
        },
        "script": "scripts/train_austen_model.py",
    }
    (args.out / "training.json").write_text(
        json.dumps(info, indent=2, ensure_ascii=False) + "\n"
    )
    size = sum(f.stat().st_size for f in args.out.iterdir())
    print(f"\nsaved to {args.out} ({size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
