"""top_items: the product's library, the one the pipeline's DAGs call.

One package per stage: ``ingest`` loads the landed files, ``quality`` gates each layer, ``transform`` builds the
SQL models, ``activation`` pushes each consumer's export, ``preview`` shows what a change would do. DAG files only
wire these together. The simulated world around it is the ``sandbox`` package, which nothing here imports.
"""
