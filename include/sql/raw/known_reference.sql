-- The stores and SKUs a line of day D may name, for the feed's split and the feedback's. Stable, not strict, one
-- SELECT: the planner inlines them into the split's join, as if the query were written there.
create or replace function raw.known_stores(p_feed_date date) returns table (store_id text)
language sql stable parallel safe as $$
    select stores.store_id from raw.stores as stores
    where stores.snapshot_date = raw.snapshot_in_force('stores', p_feed_date)
$$;

create or replace function raw.known_skus(p_feed_date date) returns table (sku_id text)
language sql stable parallel safe as $$
    select skus.sku_id from raw.skus as skus where skus.snapshot_date = raw.snapshot_in_force('skus', p_feed_date)
$$;
