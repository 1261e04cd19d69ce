"""What a change does to one consumer's records: added, changed (and which fields), removed. Pure (no I/O).

Records are the destination's records (an export row mapped through consumers.yml), keyed as the sync engine
keys them. Values are compared in a canonical JSON form, so a list, a date or a number compares by content.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

ADDED, CHANGED, REMOVED = "added", "changed", "removed"


def canonical(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def frame(records: Mapping[str, Mapping]) -> pd.DataFrame:
    """One row per key, one column per field, every value canonical (a field a record lacks is NA)."""
    table = pd.DataFrame.from_dict({key: {f: canonical(v) for f, v in record.items()}
                                    for key, record in records.items()}, orient="index", dtype=object)
    return table.sort_index()


@dataclass(frozen=True)
class RecordDiff:
    before: Mapping[str, Mapping]  # key -> record, as published
    after: Mapping[str, Mapping]  # key -> record, as the change would publish it
    added: tuple[str, ...]
    removed: tuple[str, ...]
    changed: Mapping[str, tuple[str, ...]]  # key -> the fields whose value differs

    def counts(self) -> dict[str, int]:
        return {ADDED: len(self.added), CHANGED: len(self.changed), REMOVED: len(self.removed),
                "unchanged": len(self.before) - len(self.removed) - len(self.changed)}

    def field_counts(self) -> dict[str, int]:
        """How many changed records each field changed in, most first."""
        counted = pd.Series([f for fields in self.changed.values() for f in fields], dtype=object).value_counts()
        return {str(name): int(n) for name, n in counted.items()}

    def sample(self, per_kind: int = 3) -> list[tuple[str, str]]:
        """A few keys of each kind, (kind, key), in key order: changes first, then additions and removals."""
        return ([(CHANGED, key) for key in list(self.changed)[:per_kind]]
                + [(ADDED, key) for key in self.added[:per_kind]]
                + [(REMOVED, key) for key in self.removed[:per_kind]])


def diff_records(before: Mapping[str, Mapping], after: Mapping[str, Mapping]) -> RecordDiff:
    old, new = frame(before), frame(after)
    common = new.index.intersection(old.index)
    fields = list(dict.fromkeys([*new.columns, *old.columns]))  # the new order first; a dropped field stays
    absent = "\0absent"  # a field one side lacks differs from any value, null included
    old_values = old.reindex(index=common, columns=fields).fillna(absent)
    new_values = new.reindex(index=common, columns=fields).fillna(absent)
    differs = old_values.ne(new_values)
    changed_rows = differs[differs.any(axis=1)]
    changed = {str(key): tuple(str(f) for f in row.index[row.to_numpy(dtype=bool)])
               for key, row in changed_rows.iterrows()}
    return RecordDiff(before=before, after=after,
                      added=tuple(map(str, new.index.difference(old.index))),
                      removed=tuple(map(str, old.index.difference(new.index))), changed=changed)
