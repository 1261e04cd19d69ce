"""top_items: the library the DAGs call.

One package, one module per job: ``simulate`` writes the outside world's files, ``ingest`` loads them,
``transform`` builds the SQL models, ``activation`` pushes exports to consumers, ``world`` starts the
simulated services. DAG files only wire these together.
"""
