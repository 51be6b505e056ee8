"""Data preparation and training for the course's bundled language models.

Used by ``scripts/train_grammar_model.py`` and ``scripts/train_austen_model.py``
(which find it because Python puts the script's folder, ``scripts/``, on
``sys.path``); not part of the installed ``tempered`` package, which only reads
the saved models. Needs the full ``requirements.txt`` (torch, transformers,
tokenizers, tqdm).

- ``lmprep.rds``: a pure-Python reader of R's serialization format and
  lazy-load databases
- ``lmprep.austen_corpus``: Jane Austen's novels from Debian's
  ``r-cran-janeaustenr``, split into paragraphs
- ``lmprep.train``: byte-level BPE tokenizer, tiny GPT-2, training loop, saving
"""
