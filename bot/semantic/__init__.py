"""Meaning: the sentence-embedding model (all-MiniLM-L6-v2) and what reads it.

- model_files: finds the installed model package and checks its files' hashes;
- encoder: the model's forward pass in NumPy, one sentence vector per text;
- similarity: nearest texts by meaning (the answer router, the clinic's notes
  and the clinic page's themes all use it).
"""
