-- grain: one row per feed date and store: did its feed arrive, and how much of it was usable
-- materialized: incremental
with stores as (
    select store_id, market_id from marts.dim_stores where feed_date = %(feed_date)s::date
),

loaded as (
    select store_id, count(*) as rows_loaded, count(*) filter (where remaining_qty > 0) as skus_in_stock
    from staging.stg_inventory_feed
    where feed_date = %(feed_date)s::date
    group by store_id
),

-- A feed that loaded but repeats stock sent before, nudged, or another store's of the day is not valid either: the
-- store gets no list, like a stale one (include/sql/ops/drift.sql, ops.dq_feed_suspects; the contract names them)
suspect as (
    select distinct store_id from ops.dq_feed_suspects(%(feed_date)s::date)
)

select
    %(feed_date)s::date as feed_date,
    stores.store_id,
    stores.market_id,
    coalesce(loaded.rows_loaded, 0) > 0 and suspect.store_id is null as has_valid_feed,
    coalesce(loaded.rows_loaded, 0) as rows_loaded,
    coalesce(loaded.skus_in_stock, 0) as skus_in_stock
from stores
left join loaded on loaded.store_id = stores.store_id
left join suspect on suspect.store_id = stores.store_id
