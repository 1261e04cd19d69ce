-- grain: one row per store in the latest stores snapshot
-- materialized: view
select
    store_id,
    store_name,
    market_id,
    license_type,
    lower(email) as email,
    salesforce_account_id
from raw.stores
