-- Keyed drift: each input compared key by key with its last good state, the one in force on the dataset's previous
-- good day (ops.dq_previous_good_day), so a bad day never becomes what a later day is compared with. Totals hold when
-- a fifth of the stores move market, every SKU id is renumbered or yesterday's stock comes back nudged; keys do not.
-- Shares are in percent. The contracts judge them (include/contracts/raw/*.yml), ops.dq_measure records them on a
-- good day, so each measure's normal is learned from the good days before (ops.dq_band). plpgsql, so the tables need
-- not exist when this file runs.

-- A drift measure's normal is learned like every metric's: ops.dq_window and ops.dq_sensitivity
-- (ops/quality.sql).

-- Every key that drifted since the last good state, by metric: the rows a failing drift check lists.
create or replace function ops.dq_drift_keys(p_dataset text, p_feed_date date)
returns table (metric text, key text, detail text)
language plpgsql stable as $$
#variable_conflict use_column
declare
    previous date := ops.dq_previous_good_day(p_dataset, p_feed_date);
begin
    -- With no previous good day nothing has drifted, but the queries still run: a missing table errs, never passes.
    if p_dataset in ('raw.stores', 'raw.skus') then
        return query execute format($q$
            with before as (select %2$I as k from raw.%1$I where snapshot_date = raw.snapshot_in_force(%1$L, $1)),
                 today as (select %2$I as k from raw.%1$I
                           where snapshot_date = raw.snapshot_in_force(%1$L, $2) and $1 is not null)
            select 'keys_added_pct', k, null::text from (select k from today except select k from before) as added
            union all
            select 'keys_removed_pct', k, null from (select k from before except select k from today) as removed
            $q$, split_part(p_dataset, '.', 2), case p_dataset when 'raw.stores' then 'store_id' else 'sku_id' end)
            using previous, p_feed_date;
    end if;
    if p_dataset = 'raw.stores' then
        return query
            with before as (select * from raw.stores where snapshot_date = raw.snapshot_in_force('stores', previous)),
                 today as (select * from raw.stores where snapshot_date = raw.snapshot_in_force('stores', p_feed_date))
            select 'market_changed_pct', t.store_id, b.market_id || ' -> ' || t.market_id
            from today as t join before as b using (store_id) where t.market_id <> b.market_id
            union all
            select 'license_changed_pct', t.store_id, b.license_type || ' -> ' || t.license_type
            from today as t join before as b using (store_id) where t.license_type <> b.license_type;
    elsif p_dataset = 'raw.skus' then
        return query
            with before as (select * from raw.skus where snapshot_date = raw.snapshot_in_force('skus', previous)),
                 today as (select * from raw.skus where snapshot_date = raw.snapshot_in_force('skus', p_feed_date))
            -- price is left out: it moves for good reasons; these decide what is recommended to whom
            select 'attributes_changed_pct', t.sku_id, concat_ws(', ',
                       case when t.name <> b.name then 'name' end,
                       case when t.category is distinct from b.category then 'category' end,
                       case when t.volume_ml <> b.volume_ml then 'volume' end,
                       case when (t.season_start_month, t.season_end_month)
                                 is distinct from (b.season_start_month, b.season_end_month) then 'season' end,
                       case when t.is_liquor <> b.is_liquor then 'liquor flag' end)
            from today as t join before as b using (sku_id)
            where (t.name, t.category, t.volume_ml, t.season_start_month, t.season_end_month, t.is_liquor)
                  is distinct from (b.name, b.category, b.volume_ml, b.season_start_month, b.season_end_month,
                                    b.is_liquor);
    elsif p_dataset = 'raw.overrides' then
        -- The overrides in force on each day: rows are never edited, so what drifts is which ones apply.
        return query
            with before as (select o.override_id as k from raw.overrides as o
                            where o.created <= previous and previous < o.expires),
                 today as (select o.override_id as k, o.rule || ' ' || o.sku_id as what from raw.overrides as o
                           where o.created <= p_feed_date and p_feed_date < o.expires and previous is not null)
            select 'keys_added_pct', t.k, t.what from today as t where t.k not in (select k from before)
            union all
            select 'keys_removed_pct', b.k, null from before as b where b.k not in (select k from today);
    elsif p_dataset = 'raw.inventory_feed' then
        return query
            select case when p.qty_before is null then 'keys_added_pct' else 'keys_removed_pct' end,
                   p.store_id || ':' || p.sku_id, null::text
            from ops.dq_feed_pairs(p_feed_date) as p where p.qty_before is null or p.qty_today is null;
    end if;
end
$$;

-- The feed of the day beside its previous good feed, SKU by SKU, over the stores that reported on both days (a
-- missing feed has a check of its own). A quantity is null where its day did not list the SKU. Every drift measure of
-- the feed is read from this one comparison.
create or replace function ops.dq_feed_pairs(p_feed_date date)
returns table (store_id text, sku_id text, qty_today integer, qty_before integer)
language sql stable as $$
    with previous as (select ops.dq_previous_good_day('raw.inventory_feed', p_feed_date) as day),
         compared as (select distinct f.store_id from raw.inventory_feed as f where f.feed_date = p_feed_date
                      intersect
                      select distinct f.store_id from raw.inventory_feed as f
                      where f.feed_date = (select day from previous))
    select coalesce(t.store_id, b.store_id), coalesce(t.sku_id, b.sku_id), t.remaining_qty, b.remaining_qty
    from (select f.store_id, f.sku_id, f.remaining_qty from raw.inventory_feed as f
          where f.feed_date = p_feed_date and (select day from previous) is not null) as t
    full join (select f.store_id, f.sku_id, f.remaining_qty from raw.inventory_feed as f
               where f.feed_date = (select day from previous)) as b
        on b.store_id = t.store_id and b.sku_id = t.sku_id
    where coalesce(t.store_id, b.store_id) in (select c.store_id from compared as c)
$$;

-- Per store compared: its listings today and on its previous good day, the ones added and removed, and the share of
-- today's (SKU, quantity) pairs identical to its previous good feed. A replay with a quantity or two nudged keeps
-- nearly all of them, where independent days of stock keep few.
create or replace function ops.dq_feed_compared(p_feed_date date)
returns table (store_id text, listed bigint, listed_before bigint, added bigint, removed bigint,
               identical_pct numeric)
language sql stable as $$
    select p.store_id, count(p.qty_today), count(p.qty_before),
           count(*) filter (where p.qty_before is null), count(*) filter (where p.qty_today is null),
           round(100.0 * count(*) filter (where p.qty_today = p.qty_before) / count(p.qty_today), 2)
    from ops.dq_feed_pairs(p_feed_date) as p
    group by p.store_id
$$;

-- Each compared store's identical share: as the gate run p_gate_run measured it (ops.dq_measure records them), or
-- compared now where it holds none (none to compare, or its measure failed, so a missing table errs here too).
drop function if exists ops.dq_store_identical(date);
create or replace function ops.dq_store_identical(p_feed_date date, p_gate_run text default null)
returns table (store_id text, identical_pct numeric)
language plpgsql stable as $$
#variable_conflict use_column
begin
    return query
        select substr(m.metric, length('identical_pct:') + 1), m.value from ops.dq_gate_measures as m
        where m.gate_run = p_gate_run and m.dataset = 'raw.inventory_feed' and m.metric like 'identical\_pct:%';
    if not found then
        return query select c.store_id, c.identical_pct from ops.dq_feed_compared(p_feed_date) as c;
    end if;
end
$$;

-- What each drift share of a reference dataset today is a share of, and the words an alert counts in: the stores,
-- SKUs or overrides the comparison covers (the feed's are counted in ops.dq_feed_compared).
create or replace function ops.dq_drift_bases(p_dataset text, p_feed_date date)
returns table (metric text, base bigint, unit text)
language plpgsql stable as $$
declare
    previous date := ops.dq_previous_good_day(p_dataset, p_feed_date);
    before   bigint;
    today    bigint;
    kept     bigint;
begin
    if p_dataset = 'raw.overrides' then
        select count(*) filter (where o.created <= p_feed_date and p_feed_date < o.expires),
               count(*) filter (where o.created <= previous and previous < o.expires)
        into today, before from raw.overrides as o;
        return query values ('keys_added_pct', today, 'overrides'), ('keys_removed_pct', before, 'overrides');
    elsif p_dataset in ('raw.stores', 'raw.skus') then
        execute format($q$
            with before as (select %2$I as k from raw.%1$I
                            where snapshot_date = (select raw.snapshot_in_force(%1$L, $1))),
                 today as (select %2$I as k from raw.%1$I
                           where snapshot_date = (select raw.snapshot_in_force(%1$L, $2)))
            select (select count(*) from before), (select count(*) from today),
                   (select count(*) from (select k from before intersect select k from today) as both_days)
            $q$, split_part(p_dataset, '.', 2), case p_dataset when 'raw.stores' then 'store_id' else 'sku_id' end)
            using previous, p_feed_date into before, today, kept;
        return query
            select m.metric, m.base, case when p_dataset = 'raw.stores' then 'stores' else 'SKUs' end
            from (values ('keys_added_pct', today), ('keys_removed_pct', before),
                         ('market_changed_pct', kept), ('license_changed_pct', kept),
                         ('attributes_changed_pct', kept)) as m (metric, base)
            where (p_dataset = 'raw.stores') = (m.metric in ('market_changed_pct', 'license_changed_pct'))
               or m.metric in ('keys_added_pct', 'keys_removed_pct');
    end if;
end
$$;

-- A drift share in percent: the keys that drifted of the base they are a share of. Null when there is no previous
-- good day, as nothing was compared.
create or replace function ops.dq_drift_share(p_keys bigint, p_base bigint, p_previous date)
returns numeric language sql immutable as $$
    select case when p_previous is not null then round(100.0 * coalesce(p_keys, 0) / nullif(p_base, 0), 2) end
$$;

-- Each drift share of a dataset today (null: nothing to compare), with what it is a share of: the metrics
-- ops.dq_measure records and the words an alert counts in. The feed's are counted in one comparison
-- (ops.dq_feed_compared), with its stores' mean identical share; the reference tables' keys are few.
create or replace function ops.dq_drift(p_dataset text, p_feed_date date)
returns table (metric text, value numeric, base bigint, unit text)
language plpgsql stable as $$
declare
    previous date := ops.dq_previous_good_day(p_dataset, p_feed_date);
begin
    if p_dataset = 'raw.inventory_feed' then
        return query
            with c as (select * from ops.dq_feed_compared(p_feed_date)),
                 totals as (select coalesce(sum(c.listed), 0)::bigint as listed,
                                   coalesce(sum(c.listed_before), 0)::bigint as listed_before,
                                   sum(c.added)::bigint as added, sum(c.removed)::bigint as removed,
                                   round(avg(c.identical_pct), 2) as identical_pct, count(*) as stores from c)
            select m.metric, m.value, m.base, m.unit from totals as t,
                lateral (values ('keys_added_pct', ops.dq_drift_share(t.added, t.listed, previous), t.listed,
                                 'store-SKU listings'),
                                ('keys_removed_pct', ops.dq_drift_share(t.removed, t.listed_before, previous),
                                 t.listed_before, 'store-SKU listings'),
                                ('identical_pct', t.identical_pct, t.stores, 'stores'))
                    as m (metric, value, base, unit);
        return;
    end if;
    return query
        with keys as (select k.metric, count(*) as n from ops.dq_drift_keys(p_dataset, p_feed_date) as k
                      group by k.metric)
        select b.metric, ops.dq_drift_share(k.n, b.base, previous), b.base, b.unit
        from ops.dq_drift_bases(p_dataset, p_feed_date) as b
        left join keys as k on k.metric = b.metric;
end
$$;

-- A metric's normal over the last p_window good days before p_feed_date: the median, and the median plus
-- p_sensitivity robust standard deviations (1.4826 x the median absolute deviation), which one odd day cannot move.
create or replace function ops.dq_band(p_dataset text, p_metric text, p_feed_date date, p_window integer,
                                       p_sensitivity numeric)
returns table (normal numeric, upper numeric, days integer)
language sql stable as $$
    with recent as (select value from ops.dq_metrics
                    where dataset = p_dataset and metric = p_metric and feed_date < p_feed_date
                    order by feed_date desc limit p_window),
         centre as (select percentile_cont(0.5) within group (order by value)::numeric as median, count(*) as days
                    from recent)
    select centre.median,
           centre.median + p_sensitivity * 1.4826
               * (select percentile_cont(0.5) within group (order by abs(value - centre.median)) from recent)::numeric,
           centre.days::integer
    from centre
$$;

-- The keys behind a drift share above its limit, none while it is within: a failed_rows check's rows. The limit is
-- the hard bound p_hard until a full window of good days has been seen, then the learned band if that is wider: a
-- dataset that normally drifts more is not paged for its normal, and a quiet one is still held to the hard bound.
create or replace function ops.dq_drifted(p_dataset text, p_metric text, p_feed_date date, p_hard numeric,
                                          p_window integer default ops.dq_window(),
                                          p_sensitivity numeric default ops.dq_sensitivity(),
                                          p_gate_run text default null)
returns table (key text, detail text)
language plpgsql stable as $$
declare
    share   numeric;
    bound   numeric;
begin
    -- The share first, and the keys only when it is over its bound: listing them costs the comparison again. The
    -- share is the gate run's measure; where it holds none (nothing to compare, or the measure failed), measured
    -- now, so a missing table errs here too.
    select m.value into share from ops.dq_gate_measures as m
    where m.gate_run = p_gate_run and m.dataset = p_dataset and m.metric = p_metric;
    if share is null then
        select d.value into share from ops.dq_drift(p_dataset, p_feed_date) as d where d.metric = p_metric;
    end if;
    select case when b.days >= p_window then greatest(p_hard, b.upper) else p_hard end into bound
    from ops.dq_band(p_dataset, p_metric, p_feed_date, p_window, p_sensitivity) as b;
    if share > bound then
        return query select k.key, k.detail from ops.dq_drift_keys(p_dataset, p_feed_date) as k
                     where k.metric = p_metric;
    end if;
end
$$;

-- Stores whose stock is at least p_hard percent identical to their previous good feed while their own normal (learned
-- from their good days, at least one) lies below p_hard: a near-replay. A store with no normal yet is not judged: a
-- store whose stock barely moves is not a replay, and an exact repeat is caught on any day by raw.feed_fingerprints.
drop function if exists ops.dq_near_replays(date, numeric, integer, numeric);
create or replace function ops.dq_near_replays(p_feed_date date, p_hard numeric,
                                               p_window integer default ops.dq_window(),
                                               p_sensitivity numeric default ops.dq_sensitivity(),
                                               p_gate_run text default null)
returns table (store_id text, identical_pct numeric)
language sql stable as $$
    select s.store_id, s.identical_pct from ops.dq_store_identical(p_feed_date, p_gate_run) as s,
        lateral ops.dq_band('raw.inventory_feed', 'identical_pct:' || s.store_id, p_feed_date, p_window,
                            p_sensitivity) as b
    where s.identical_pct >= p_hard and b.days > 0 and b.upper < p_hard
$$;

-- The share of (SKU, quantity) pairs at or above which two feeds are one stock sent twice, set here once: a store's
-- feed and its previous good one (a near-replay), or two stores' feeds of the same day (a mix-up).
create or replace function ops.dq_identical_bound() returns numeric language sql immutable as 'select 95';

-- Pairs of stores whose feeds of the same day hold the same stock (an export job that wrote one store's rows under
-- another's id). Both directions are listed: neither can be told for the real one. Only stores listing at least
-- p_min_listings SKUs are compared, as a handful of listings can coincide by chance. A copy that was also edited
-- escapes this check; its rows are still judged by every other.
create or replace function ops.dq_store_twins(p_feed_date date, p_min_listings integer default 20)
returns table (store_id text, other_store_id text, identical_pct numeric)
language sql stable as $$
    -- An order-free fingerprint of each store's (SKU, quantity) pairs: equal fingerprints are the same stock, found
    -- by one hash join, where comparing every pair of stores line by line grows with their square.
    with prints as (
        select store_id, count(*) as listings, sum(hashtextextended(sku_id || '=' || remaining_qty, 0)) as print
        from raw.inventory_feed where feed_date = p_feed_date
        group by store_id having count(*) >= p_min_listings)
    select a.store_id, b.store_id, 100.0
    from prints as a
    inner join prints as b on b.listings = a.listings and b.print = a.print and b.store_id <> a.store_id
$$;

-- Per store, the SKUs whose quantity fell overnight from a stocked shelf (at least 6) to under a quarter of it, against
-- its previous good feed, and their share of its SKUs. Sales, even a promotion's, empty a shelf from its last few
-- units; a feed whose quantities were zeroed, clipped or cut keeps its listings and its totals within bounds, and shows
-- here.
create or replace function ops.dq_store_collapsed_skus(p_feed_date date)
returns table (store_id text, collapsed bigint, collapsed_pct numeric)
language sql stable as $$
    select t.store_id, count(*) filter (where b.remaining_qty >= 6 and t.remaining_qty * 4 < b.remaining_qty),
           round(100.0 * count(*) filter (where b.remaining_qty >= 6 and t.remaining_qty * 4 < b.remaining_qty)
                 / count(*), 2)
    from raw.inventory_feed as t
    inner join raw.inventory_feed as b
        on b.store_id = t.store_id and b.sku_id = t.sku_id
       and b.feed_date = ops.dq_previous_good_day('raw.inventory_feed', p_feed_date)
    where t.feed_date = p_feed_date
    group by t.store_id
$$;

-- The stores whose stock collapsed: at least 2 SKUs and more than 4% of them, set here once. On the realistic
-- world's normal days (12 to 40 stores of 19 to 93 SKUs, with promotions) no store comes near; a tenth of a store's
-- quantities zeroed is caught four times in five.
create or replace function ops.dq_collapsed_stores(p_feed_date date)
returns table (store_id text, collapsed_pct numeric)
language sql stable as $$
    select store_id, collapsed_pct from ops.dq_store_collapsed_skus(p_feed_date) where collapsed >= 2 and collapsed_pct > 4
$$;

-- Per store, the share of its file's lines quarantined (a replayed file aside, which has a check of its own): what
-- loaded of a file that lost a tenth of its quantities would make a list from the rest, as if those SKUs were not
-- carried. A file is its store's by the rows of it that loaded.
create or replace function ops.dq_store_quarantined(p_feed_date date)
returns table (store_id text, quarantined_pct numeric)
language sql stable as $$
    with loaded as (select source_file, min(store_id) as store_id, count(*) as n from raw.inventory_feed
                    where feed_date = p_feed_date group by source_file),
         quarantined as (select source_file, count(*) as n from raw.feed_quarantine
                         where feed_date = p_feed_date and reason <> 'stale_file' group by source_file)
    select l.store_id, round(100.0 * q.n / (q.n + l.n), 2)
    from loaded as l inner join quarantined as q using (source_file)
$$;

-- The stores whose file lost more than 5% of its lines to quarantine, set here once: the simulator's noisiest test
-- days break 1% of the lines at random, which leaves a store of 70 SKUs above 5% about once in 150 days.
create or replace function ops.dq_quarantined_stores(p_feed_date date)
returns table (store_id text, quarantined_pct numeric)
language sql stable as $$
    select store_id, quarantined_pct from ops.dq_store_quarantined(p_feed_date) where quarantined_pct > 5
$$;

-- The stores whose feed of the day loaded but says nothing sure about today's stock, and why: near-replays of their
-- own previous good feed, and stores holding another store's stock. Like a stale store, they get no list that day
-- (marts.fct_store_feed_coverage), and the inventory_feed contract names them.
create or replace function ops.dq_feed_suspects(p_feed_date date)
returns table (store_id text, because text)
language sql stable as $$
    select r.store_id, 'stock ' || r.identical_pct || '% identical to its previous good feed (a near-replay)'
    from ops.dq_near_replays(p_feed_date, ops.dq_identical_bound()) as r
    union all
    select t.store_id, 'stock ' || t.identical_pct || '% identical to the feed of other store ' || t.other_store_id
    from ops.dq_store_twins(p_feed_date) as t
    union all
    select c.store_id, 'stock collapsed overnight for ' || c.collapsed_pct || '% of its SKUs (quantities zeroed or cut)'
    from ops.dq_collapsed_stores(p_feed_date) as c
    union all
    select q.store_id, q.quarantined_pct || '% of its file''s lines quarantined (missing or invalid quantities)'
    from ops.dq_quarantined_stores(p_feed_date) as q
$$;

-- The inputs' drift measures of the day that stand out from their normal while still within their bounds, the
-- most out of line first: what a downstream check that fails (the recommendations' churn, an export's volume guard)
-- most likely fails because of. A measure stands out when it is at least 1%, above its learned band and at least
-- twice its normal, once at least one good day has measured it.
create or replace function ops.dq_upstream_drift(p_feed_date date)
returns table (dataset text, metric text, value numeric, base bigint, unit text, normal numeric)
language sql stable as $$
    select d.dataset, m.metric, m.value, m.base, m.unit, b.normal
    from (values ('raw.stores'), ('raw.skus'), ('raw.overrides'), ('raw.inventory_feed')) as d (dataset),
         lateral ops.dq_drift(d.dataset, p_feed_date) as m,
         lateral ops.dq_band(d.dataset, m.metric, p_feed_date, ops.dq_window(), ops.dq_sensitivity()) as b
    where b.days > 0 and m.value >= 1 and m.value > greatest(b.upper, 2 * b.normal)
    order by m.value - b.normal desc, d.dataset
$$;

-- What an alert says around a failing drift check's keys: what the share is of, and its median over the window
-- (null: no good day measured it yet).
create or replace function ops.dq_drift_context(p_dataset text, p_metric text, p_feed_date date,
                                                p_window integer default ops.dq_window())
returns table (base bigint, unit text, normal numeric)
language sql stable as $$
    select d.base, d.unit, (select b.normal from ops.dq_band(p_dataset, p_metric, p_feed_date, p_window, 0) as b)
    from ops.dq_drift(p_dataset, p_feed_date) as d where d.metric = p_metric
$$;
