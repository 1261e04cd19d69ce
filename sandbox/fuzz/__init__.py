"""The corruption fuzzer: fault operators applied to a day's inputs, each mutant run through the whole pipeline
and judged against the same day run clean (``make fuzz``, ``python -m sandbox.fuzz``)."""
