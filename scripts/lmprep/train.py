"""Train the course's tiny GPT-2 models: tokenizer, model, loop, saving.

Shared by ``scripts/train_grammar_model.py`` and ``scripts/train_austen_model.py``;
the course itself only loads the saved models (``tempered.lm.load_model``).
Everything is seeded, so a script reproduces its model (up to the float
non-determinism of multithreaded CPU kernels).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np


def train_byte_bpe_tokenizer(texts, vocab_size: int, eos_token: str = "<|endoftext|>"):
    """A byte-level BPE tokenizer trained on ``texts``, wrapped for transformers."""
    from tokenizers import ByteLevelBPETokenizer
    from transformers import PreTrainedTokenizerFast

    bpe = ByteLevelBPETokenizer(add_prefix_space=True)
    bpe.train_from_iterator(
        texts,
        vocab_size=vocab_size,
        min_frequency=2,
        special_tokens=[eos_token],
        show_progress=False,
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=bpe,
        eos_token=eos_token,
        bos_token=eos_token,
        unk_token=eos_token,
        pad_token=eos_token,
    )


def make_tiny_gpt2(
    vocab_size: int,
    *,
    n_positions=128,
    n_embd=128,
    n_layer=4,
    n_head=4,
    eos_token_id=0,
    seed=0,
):
    """A small GPT-2 (about 1M parameters by default), initialised with ``seed``."""
    import torch
    from transformers import GPT2Config
    from transformers import GPT2LMHeadModel

    torch.manual_seed(seed)
    config = GPT2Config(
        vocab_size=vocab_size,
        n_positions=n_positions,
        n_embd=n_embd,
        n_layer=n_layer,
        n_head=n_head,
        bos_token_id=eos_token_id,
        eos_token_id=eos_token_id,
        pad_token_id=eos_token_id,
        resid_pdrop=0.0,
        embd_pdrop=0.0,
        attn_pdrop=0.0,
    )
    return GPT2LMHeadModel(config)


def train_causal_lm(
    model,
    token_ids: np.ndarray,
    *,
    steps: int,
    block_size: int = 128,
    batch_size: int = 32,
    lr: float = 3e-3,
    warmup: int = 100,
    seed: int = 0,
    progress: bool = True,
    description: str = "training",
) -> list[float]:
    """Train on random contiguous blocks of ``token_ids``; return the loss of every
    step.

    AdamW with linear warm-up and cosine decay, gradient clipping at 1.
    """
    import torch
    from tqdm.auto import tqdm

    data = torch.as_tensor(np.asarray(token_ids, dtype=np.int64))
    if data.numel() <= block_size + 1:
        raise ValueError(
            f"train_causal_lm: need more than {block_size + 1} tokens, got "
            f"{data.numel()}"
        )
    generator = torch.Generator().manual_seed(seed)
    optimiser = torch.optim.AdamW(
        model.parameters(), lr=lr, weight_decay=0.01, betas=(0.9, 0.95)
    )

    def rate(step):
        if step < warmup:
            return (step + 1) / warmup
        return 0.5 * (1 + math.cos(math.pi * (step - warmup) / max(1, steps - warmup)))

    schedule = torch.optim.lr_scheduler.LambdaLR(optimiser, rate)
    model.train()
    losses = []
    bar = tqdm(range(steps), desc=description, disable=not progress)
    for step in bar:
        starts = torch.randint(
            0, data.numel() - block_size - 1, (batch_size,), generator=generator
        )
        batch = torch.stack([data[s : s + block_size + 1] for s in starts.tolist()])
        inputs = batch[:, :-1]
        logits = model(input_ids=inputs, attention_mask=torch.ones_like(inputs)).logits
        loss = torch.nn.functional.cross_entropy(
            logits.flatten(0, 1), batch[:, 1:].flatten()
        )
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimiser.step()
        schedule.step()
        losses.append(loss.item())
        if step % 50 == 0:
            bar.set_postfix(loss=f"{np.mean(losses[-50:]):.3f}")
    model.eval()
    return losses


def save_model(model, tokenizer, path, dtype="float16") -> Path:
    """Save weights as safetensors (in ``dtype``) with the tokenizer, ready for
    ``from_pretrained``."""
    import torch

    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    model.to(getattr(torch, dtype)).save_pretrained(path, safe_serialization=True)
    tokenizer.save_pretrained(path)
    model.to(torch.float32)
    return path
