"""tempered: the companion package of the Temperature course.

What more than one notebook needs lives here; each notebook still derives and
shows the code a learner must see. Modules:

- ``tempered.softmax``  stable tempered softmax, log-softmax, log-sum-exp, entropy
- ``tempered.sampling`` inverse-CDF and Gumbel-max sampling at temperature T
- ``tempered.energy``   Boltzmann distributions and their thermodynamics (Z, F, <E>, H,
  C)
- ``tempered.mcmc``     Metropolis sampling and parallel tempering, vectorised over
  chains
- ``tempered.annealing`` cooling schedules, simulated annealing of a tour, the exact
  optimum
- ``tempered.ais``      annealed importance sampling of log Z
- ``tempered.truncation`` top-k, top-p, min-p and typical filtering, in either order
  with T
- ``tempered.lm``       the course's language models (offline) and generation helpers
- ``tempered.flows``    a small 2-D normalising flow and sampling at a latent
  temperature
- ``tempered.calibration`` temperature scaling, NLL and expected calibration error
- ``tempered.classifiers`` the digits classifier of chapter 11 and the distillation loss
- ``tempered.relaxed``  Gumbel-softmax and straight-through gradient estimators
- ``tempered.determinism`` pin thread counts and seeds so a rerun repeats itself
- ``tempered.bandits``  Boltzmann exploration on a multi-armed bandit
- ``tempered.style``    the course's figure style (colour-blind-safe palette)
- ``tempered.widgets``  interactive figures for live notebooks
- ``tempered.checks``   friendly checks for exercises
"""

from .sampling import as_generator
from .sampling import gumbel_max_sample
from .sampling import sample
from .softmax import entropy
from .softmax import log_softmax
from .softmax import logsumexp
from .softmax import tempered_softmax

__all__ = [
    "tempered_softmax",
    "log_softmax",
    "logsumexp",
    "entropy",
    "sample",
    "gumbel_max_sample",
    "as_generator",
]
# The course's version, kept here only (pyproject.toml and the book read it).
__version__ = "0.1.0"
