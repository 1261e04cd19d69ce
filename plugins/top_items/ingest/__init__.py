"""Load the landing bucket into the raw layer: streamed with COPY, split set-based in SQL, audited per file."""
