-- grain: one row per feed date, store and recommended SKU: the top-selling items in the store's market
--        that it does not carry and may sell (the core model every export reshapes)
-- materialized: incremental
with eligible_missing as (
    select * from marts.fct_store_top_item_candidates
    where feed_date = %(feed_date)s::date and excluded_because is null
),

-- A pinned SKU takes one of the store's places ahead of the others; the places are then ranked by market rank.
chosen as (
    select
        *,
        row_number() over (partition by store_id order by pinned_by is null, market_rank) as pick
    from eligible_missing
),

ranked as (
    select
        *,
        row_number() over (partition by store_id order by market_rank) as store_rank
    from chosen
    where pick <= %(store_top_n)s
)

select
    feed_date,
    store_id,
    sku_id,
    market_rank,
    store_rank::integer as store_rank
from ranked
