"""The product's own pages in Airflow's UI: stores, today, consumers, last mile, lineage (docs/pages.md)."""
