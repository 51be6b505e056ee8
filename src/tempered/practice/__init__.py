"""Temperature in practice (chapter 9): what real decoders do around the softmax.

- :mod:`~tempered.practice.speculative`: speculative sampling, its acceptance
  rate ``sum_i min(p_i, q_i) = 1 - TV(p, q)`` and its exactness, and a
  speculative decoding loop for two causal language models;
- :mod:`~tempered.practice.passk`: the unbiased pass@k estimator and exact
  pass@k of per-token tempering on the grammar;
- :mod:`~tempered.practice.offpolicy`: the policy gradient of a softmax policy
  sampled at another temperature, its bias and the importance-weight fix;
- :mod:`~tempered.practice.batching`: greedy continuations of prompts alone,
  in a batch and left-padded, and where they part (extra ``lm``).
"""

from .offpolicy import importance_weighted_gradient
from .offpolicy import naive_gradient
from .offpolicy import policy_gradient
from .passk import grammar_success_probability
from .passk import pass_at_k
from .passk import pass_at_k_from_probability
from .speculative import acceptance_rate
from .speculative import speculative_output_distribution
from .speculative import speculative_step
from .speculative import total_variation

__all__ = [
    "acceptance_rate",
    "total_variation",
    "speculative_step",
    "speculative_output_distribution",
    "pass_at_k",
    "pass_at_k_from_probability",
    "grammar_success_probability",
    "policy_gradient",
    "naive_gradient",
    "importance_weighted_gradient",
]
