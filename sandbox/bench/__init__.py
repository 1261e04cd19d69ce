"""make bench: speed and memory of the ingest fast path, a whole day, and Airflow's fixed costs."""
