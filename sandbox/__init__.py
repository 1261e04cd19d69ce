"""The simulated world around the product: the world launcher, the simulator, the mocks and the bench.

The product (``top_items`` and the pipeline's DAGs) never imports this package; it only stands in for the outside
world: the source systems, the destinations' APIs, the people around the data. ``python -m sandbox`` is its CLI.
"""
