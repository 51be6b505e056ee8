"""Train the ground-truth model, ``load_model("grammar")``, on the grammar's sentences.

    .venv/bin/python scripts/train_grammar_model.py              # train and save
    .venv/bin/python scripts/train_grammar_model.py --threads 1  # for a busy machine

The sentences come from ``tempered.lm.grammar``.

The bundled model was made with the defaults and ``--threads 1``: 2000 steps took
34 min on a 2-core machine shared with other jobs (load about 9); on free cores
it is several times faster. Its held-out cross-entropy is 2.7573 nats/token
against the exact entropy rate 2.7542 (see ``training.json``).

Provenance: everything is made here from the probabilistic grammar in
``src/tempered/lm/grammar/`` (original, written for this course); no data or
weights are downloaded. With the default seed the script reproduces the bundled
model up to the float non-determinism of multithreaded CPU kernels.

Steps:

1. Sample a training corpus and a held-out set of sentences from the grammar
   (seeded, disjoint random streams). 200,000 training sentences (1.9M tokens):
   sampling is free, and with 2000 steps of 4096 tokens the model sees each
   sentence about 4 times, so it learns the grammar rather than the corpus.
2. Train a byte-level BPE tokenizer on the corpus (plus the vocabulary list
   itself twice, so every word is frequent enough to be merged) with a vocab
   size large enough that every word, "." included, becomes ONE token; this is
   asserted (``word_token_ids`` raises otherwise).
3. Build the token stream ``EOS s1 EOS s2 EOS ...`` (a sentence is always
   predicted after an ``EOS``) and train a tiny GPT-2 (about 1M parameters)
   on random 128-token blocks with ``lmprep.train.train_causal_lm``.
4. Measure the held-out cross-entropy per token (each sentence after ``EOS``,
   the tokens "." and ``EOS`` included) and compare it with the grammar's exact
   entropy rate and with the true model's cross-entropy on the same sentences
   (their difference estimates the per-token KL from the truth to the model);
   the mean exact KL(p || q) over sampled prefixes; the share of grammatical
   sentences among generations at T = 1.
5. Save fp16 safetensors + tokenizer files with ``save_model`` into
   ``src/tempered/lm/models/grammar/``, with ``training.json`` (settings and figures).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
from lmprep.train import make_tiny_gpt2
from lmprep.train import save_model
from lmprep.train import train_byte_bpe_tokenizer
from lmprep.train import train_causal_lm

from tempered.lm import grammar

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "tempered" / "lm" / "models" / "grammar"


def sample_corpus(n, rng, description):
    """``n`` sentences in chunks, with a progress bar."""
    from tqdm.auto import tqdm

    out = []
    with tqdm(total=n, desc=description, unit="sentence") as bar:
        while len(out) < n:
            out += grammar.sample_sentences(min(5000, n - len(out)), rng)
            bar.update(len(out) - bar.n)
    return out


def token_stream(sentences, tokenizer):
    """``EOS s1 EOS s2 EOS ...`` as token ids."""
    ids = [tokenizer.eos_token_id]
    for s in sentences:
        ids += grammar.words_to_token_ids(s, tokenizer, start=False)
        ids.append(tokenizer.eos_token_id)
    return np.asarray(ids, dtype=np.int64)


def heldout_cross_entropy(model, tokenizer, sentences, batch_size=256):
    """Model cross-entropy in nats per token, each sentence predicted after EOS ("." and
    EOS count)."""
    import torch

    total, count = 0.0, 0
    with torch.no_grad():
        for start in range(0, len(sentences), batch_size):
            seqs = [
                grammar.words_to_token_ids(s + [grammar.EOS], tokenizer)
                for s in sentences[start : start + batch_size]
            ]
            width = max(map(len, seqs)) - 1
            inputs = torch.full((len(seqs), width), tokenizer.eos_token_id)
            targets = torch.full((len(seqs), width), -100)
            mask = torch.zeros((len(seqs), width), dtype=torch.long)
            for r, seq in enumerate(seqs):
                inputs[r, : len(seq) - 1] = torch.as_tensor(seq[:-1])
                targets[r, : len(seq) - 1] = torch.as_tensor(seq[1:])
                mask[r, : len(seq) - 1] = 1
            logits = model(input_ids=inputs, attention_mask=mask).logits
            loss = torch.nn.functional.cross_entropy(
                logits.flatten(0, 1),
                targets.flatten(),
                ignore_index=-100,
                reduction="sum",
            )
            total, count = total + loss.item(), count + int(mask.sum())
    return total / count


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sentences", type=int, default=200_000, help="training sentences"
    )
    parser.add_argument("--heldout", type=int, default=4_000, help="held-out sentences")
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument(
        "--vocab",
        type=int,
        default=4096,
        help="BPE vocab size limit (merges stop earlier)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--threads",
        type=int,
        default=2,
        help="torch CPU threads (1 is faster on a busy machine)",
    )
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    G = grammar.GRAMMAR
    rate = G.entropy_rate()
    print(
        f"grammar: {len(G.vocabulary())} words ('.' and EOS included), {G.n_states} "
        f"automaton states; {G.expected_tokens():.3f} tokens per sentence on average; "
        f"exact entropy rate {rate:.4f} nats/token"
    )

    train_rng, heldout_rng = (
        np.random.default_rng(s) for s in np.random.SeedSequence(args.seed).spawn(2)
    )
    train = sample_corpus(args.sentences, train_rng, "training corpus")
    heldout = sample_corpus(args.heldout, heldout_rng, "held-out set")

    start = time.perf_counter()
    texts = [" ".join(s) for s in train]
    tokenizer = train_byte_bpe_tokenizer(
        texts + [w for w in G.vocabulary() if w != grammar.EOS] * 2,
        vocab_size=args.vocab,
    )
    word_ids = grammar.word_token_ids(
        tokenizer
    )  # raises unless every word is exactly one token
    assert len(set(word_ids.tolist())) == len(G.vocabulary())
    for s in train[:200]:  # the tokenizer splits real sentences word by word too
        assert tokenizer(" ".join(s))["input_ids"] == grammar.words_to_token_ids(
            s, tokenizer, start=False
        )
    train_ids = token_stream(train, tokenizer)
    print(
        f"tokenizer: {len(tokenizer)} tokens, every word one token; {len(train_ids):,} "
        f"training tokens [{time.perf_counter() - start:.1f} s]"
    )

    block_size = 128
    model = make_tiny_gpt2(
        len(tokenizer),
        n_positions=block_size,
        eos_token_id=tokenizer.eos_token_id,
        seed=args.seed,
    )
    n_params = sum(p.numel() for p in model.parameters())
    true_ce = -sum(G.sentence_logprob(s) for s in heldout) / sum(
        len(s) + 1 for s in heldout
    )
    print(
        f"model: GPT-2, {n_params:,} parameters; held-out loss before training "
        f"{heldout_cross_entropy(model, tokenizer, heldout[:500]):.3f} nats/token"
    )

    start = time.perf_counter()
    losses = train_causal_lm(
        model,
        train_ids,
        steps=args.steps,
        block_size=block_size,
        batch_size=args.batch_size,
        lr=args.lr,
        warmup=100,
        seed=args.seed,
        description="grammar",
    )
    train_seconds = time.perf_counter() - start
    model.eval()
    ce = heldout_cross_entropy(model, tokenizer, heldout)
    prefixes = G.sample_prefixes(500, np.random.default_rng(args.seed + 1))
    logits = grammar.model_next_word_logits(model, tokenizer, prefixes)
    kl = grammar.kl_and_impossible_mass(prefixes, logits, 1.0)
    full = grammar.model_next_token_logits(model, tokenizer, prefixes)
    nonword = (
        grammar.kl_and_impossible_mass(
            prefixes, full, 1.0, token_ids=word_ids
        ).impossible_mass.mean()
        - kl.impossible_mass.mean()
    )

    torch.manual_seed(args.seed)
    start_ids = torch.full((200, 1), tokenizer.eos_token_id)
    out = model.generate(
        start_ids,
        attention_mask=torch.ones_like(start_ids),
        do_sample=True,
        temperature=1.0,
        top_k=0,
        top_p=1.0,
        max_new_tokens=block_size - 1,
        pad_token_id=tokenizer.eos_token_id,
    )
    generations = [
        grammar.token_ids_to_words(row[1:], tokenizer, strict=False)
        for row in out.tolist()
    ]
    generations = [
        g[: g.index(grammar.EOS) + 1] if grammar.EOS in g else g for g in generations
    ]
    grammatical = np.mean([G.is_grammatical(g) for g in generations])

    print(
        f"\ntrained {args.steps} steps in {train_seconds / 60:.1f} min; training loss "
        f"(last 50 steps, random blocks) {np.mean(losses[-50:]):.4f}"
    )
    print(f"held-out cross-entropy  {ce:.4f} nats/token ({len(heldout):,} sentences)")
    print(
        f"exact entropy rate      {rate:.4f} nats/token  -> model is {ce - rate:+.4f} "
        "above it"
    )
    print(
        f"true model on held-out  {true_ce:.4f} nats/token  -> per-token KL estimate "
        f"{ce - true_ce:.4f}"
    )
    print(
        f"mean exact KL(p || q_1) over 500 sampled prefixes {kl.kl.mean():.4f} nats; "
        f"impossible words get {kl.impossible_mass.mean():.2e} of the mass, non-word "
        f"tokens {nonword:.2e}"
    )
    print(f"generations at T = 1: {grammatical:.1%} grammatical (200 samples)")
    for g in generations[:5]:
        print("   ", " ".join(w for w in g if w != grammar.EOS))

    save_model(model, tokenizer, args.out)
    info = {
        "source": "sentences sampled from tempered.lm.grammar (an original "
        "probabilistic grammar); nothing downloaded",
        "grammar": {
            "words": len(G.vocabulary()),
            "states": G.n_states,
            "tokens_per_sentence": G.expected_tokens(),
            "entropy_rate_nats_per_token": rate,
        },
        "training_sentences": args.sentences,
        "training_tokens": int(len(train_ids)),
        "heldout_sentences": args.heldout,
        "vocab_size": len(tokenizer),
        "parameters": n_params,
        "n_positions": block_size,
        "steps": args.steps,
        "batch_size": args.batch_size,
        "lr": args.lr,
        "seed": args.seed,
        "threads": args.threads,
        "training_minutes": round(train_seconds / 60, 1),
        "heldout_cross_entropy_nats_per_token": round(ce, 4),
        "heldout_true_cross_entropy_nats_per_token": round(true_ce, 4),
        "mean_kl_T1_500_prefixes": round(float(kl.kl.mean()), 4),
        "grammatical_share_T1_200_samples": round(float(grammatical), 3),
        "script": "scripts/train_grammar_model.py",
    }
    (args.out / "training.json").write_text(json.dumps(info, indent=2) + "\n")
    size = sum(f.stat().st_size for f in args.out.iterdir())
    print(f"\nsaved to {args.out} ({size / 1e6:.1f} MB)")


if __name__ == "__main__":
    main()
