-- Only when the day's key could not be built: the first occurrence of a (store, SKU) wins and every later one goes
-- to quarantine as duplicate_key, never silently merged. The common day has no duplicate and never runs this.
with repeated as (
    select
        ctid as row_address,
        row_number() over (partition by store_id, sku_id order by source_file, source_line) as occurrence
    from raw.inventory_feed_incoming
    where (store_id, sku_id) in (
        select store_id, sku_id from raw.inventory_feed_incoming group by store_id, sku_id having count(*) > 1
    )
),

moved as (
    delete from raw.inventory_feed_incoming as incoming
    using repeated
    where incoming.ctid = repeated.row_address and repeated.occurrence > 1
    returning incoming.*
)

insert into feed_rejected (source_file, source_line, store_id, sku_id, qty, ts, reason)
select source_file, source_line, store_id, sku_id, remaining_qty, reported_at, 'duplicate_key'
from moved
