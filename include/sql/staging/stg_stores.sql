-- grain: one row per store in the stores snapshot in force on the run's feed date
-- materialized: view
select
    store_id,
    store_name,
    market_id,
    license_type,
    lower(email) as email,
    salesforce_account_id
from raw.stores
where snapshot_date = raw.snapshot_in_force('stores', %(feed_date)s::date)
