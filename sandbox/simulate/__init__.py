"""The source systems: stores' daily inventory feeds and the reference snapshots a sync tool would leave."""
