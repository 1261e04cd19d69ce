"""Change preview ("bend the curve left"): build the model files on disk into a shadow workspace, run the gates
there, and show per consumer what publishing them for day D would add, change and remove, and whether the volume
guard would let the push through, before anything reaches production.

``run.preview(conn, feed_date) -> Preview``; ``report.format_report(preview)``. This module only names what the
command line needs before anything heavy is imported.
"""

# What a preview may be compared with. Only what is published for D: what the destinations hold is the ledger,
# which the push plan and the volume guard already weigh the change against (docs/preview-and-lineage.md,
# "Change preview").
BASELINES = ("published",)

PASSES, STOPPED, CANNOT_PREVIEW = 0, 1, 2  # the exit codes of `python -m top_items preview`
