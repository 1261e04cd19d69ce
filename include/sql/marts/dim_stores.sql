-- grain: one row per feed date and store (the store master as it stood that day)
-- materialized: incremental
with stores as (
    select * from staging.stg_stores
)

select
    %(feed_date)s::date as feed_date,
    store_id,
    store_name,
    market_id,
    license_type,
    license_type = 'full_liquor' as sells_liquor,  -- a beer-and-wine licence never gets liquor
    email,
    salesforce_account_id
from stores
