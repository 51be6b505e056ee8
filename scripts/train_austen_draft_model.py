"""Train the draft model of chapter 9, ``load_model("austen-draft")``.

    # fetch, train, save: about 10 minutes on 2 busy cores
    .venv/bin/python scripts/train_austen_draft_model.py
    # or from a .deb downloaded by hand
    .venv/bin/python scripts/train_austen_draft_model.py \
        --deb r-cran-janeaustenr_1.0.0-1.deb

A much smaller GPT-2 than ``austen`` (one layer, 64 dimensions), trained on the
same paragraphs of the same novels with the **same tokenizer** (read from
``src/tempered/lm/models/austen/``), so that it can propose tokens that the
Austen model checks: speculative decoding needs a draft and a target that share
their vocabulary. Data, split and training loop are those of
``scripts/train_austen_model.py``; this script is the only step that touches
the network (``apt-get download``). It writes fp16 safetensors, the tokenizer
and ``training.json`` to ``src/tempered/lm/models/austen-draft/``.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

from lmprep.austen_corpus import DEBIAN_PACKAGE
from lmprep.austen_corpus import LICENSE
from lmprep.train import make_tiny_gpt2
from lmprep.train import save_model
from lmprep.train import train_causal_lm
from train_austen_model import encode
from train_austen_model import load_novels
from train_austen_model import split_novels
from train_austen_model import validation_loss

ROOT = Path(__file__).resolve().parents[1]
MODELS = ROOT / "src" / "tempered" / "lm" / "models"
TARGET = MODELS / "austen"
OUT = MODELS / "austen-draft"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--deb",
        help="an r-cran-janeaustenr .deb or extracted folder (default: apt-get it)",
    )
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--block-size", type=int, default=128)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()

    import torch
    from transformers import AutoTokenizer

    torch.set_num_threads(2)
    torch.manual_seed(args.seed)

    novels, version = load_novels(args.deb)

    # The split of train_austen_model.py: the last 2 % of each novel held out.
    split = split_novels(novels)
    train_texts = [train for _, _, train, _ in split]
    val_texts = [val for _, _, _, val in split]

    tokenizer = AutoTokenizer.from_pretrained(TARGET)  # shared with the target
    train_ids, val_ids = encode(tokenizer, train_texts), encode(tokenizer, val_texts)
    print(f"{len(train_ids):,} training tokens, {len(val_ids):,} validation tokens")

    n_positions = 256  # the Austen model's context, so that both read any prompt
    model = make_tiny_gpt2(
        len(tokenizer),
        n_positions=n_positions,
        n_embd=64,
        n_layer=1,
        n_head=2,
        eos_token_id=tokenizer.eos_token_id,
        seed=args.seed,
    )
    n_params = sum(p.numel() for p in model.parameters())
    print(f"draft: GPT-2, {n_params:,} parameters")

    start = time.perf_counter()
    train_causal_lm(
        model,
        train_ids,
        steps=args.steps,
        block_size=args.block_size,
        batch_size=args.batch_size,
        lr=5e-3,
        warmup=30,
        seed=args.seed,
        description="austen-draft",
    )
    train_seconds = time.perf_counter() - start
    val_loss = validation_loss(model, val_ids, n_positions)
    print(
        f"trained {args.steps} steps in {train_seconds / 60:.1f} min; validation "
        f"loss {val_loss:.3f} nats/token (perplexity {math.exp(val_loss):.1f})"
    )

    save_model(model, tokenizer, args.out)
    info = {
        "source": f"Debian package {DEBIAN_PACKAGE} {version} "
        f"(https://packages.debian.org/{DEBIAN_PACKAGE})",
        "license": LICENSE,
        "tokenizer": "the austen model's (src/tempered/lm/models/austen)",
        "training_tokens": int(len(train_ids)),
        "validation_tokens": int(len(val_ids)),
        "vocab_size": len(tokenizer),
        "parameters": n_params,
        "n_positions": n_positions,
        "steps": args.steps,
        "batch_size": args.batch_size,
        "block_size": args.block_size,
        "seed": args.seed,
        "training_minutes": round(train_seconds / 60, 1),
        "validation_loss_nats_per_token": round(val_loss, 4),
        "script": "scripts/train_austen_draft_model.py",
    }
    (args.out / "training.json").write_text(
        json.dumps(info, indent=2, ensure_ascii=False) + "\n"
    )
    size = sum(f.stat().st_size for f in args.out.iterdir())
    print(f"saved to {args.out} ({size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
