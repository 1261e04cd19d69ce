-- grain: one row per store
-- materialized: table
with stores as (
    select * from staging.stg_stores
)

select
    store_id,
    store_name,
    market_id,
    license_type,
    license_type = 'full_liquor' as sells_liquor,  -- a beer-and-wine licence never gets liquor
    email,
    salesforce_account_id
from stores
