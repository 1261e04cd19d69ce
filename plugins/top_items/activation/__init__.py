"""Reverse ETL: push each consumer's export to its destination (engine -> ledger -> destinations/)."""
