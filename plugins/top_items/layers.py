"""The warehouse's layers, one schema each: the loaders write the source layer, the models build the others."""

SOURCE_LAYER = "raw"
LAYERS = ("staging", "marts", "exports")  # in build order: a model reads its own layer or an earlier one
PUBLISHED_LAYERS = ("marts", "exports")  # what readers see: a run's build of these is audited, then published
