-- The data-quality layer (plugins/top_items/quality): every check of every gate run, and the history that
-- "vs the previous good day" checks compare with. Idempotent: run with the other ops DDL before any gate.
create schema if not exists ops;

-- One row per check per gate run. outcome: pass | warn | fail | not_evaluated | error | no_history
-- (no_history: a comparison with the previous good day on a day that has none; it passes, and says so).
create table if not exists ops.dq_results (
    dq_result_id   bigserial primary key,
    run_id         text not null,
    gate           text not null,
    dataset        text not null,
    check_name     text not null,
    check_path     text,
    level          text not null check (level in ('fail', 'warn')),
    outcome        text not null check (outcome in ('pass', 'warn', 'fail', 'not_evaluated', 'error', 'no_history')),
    measured_value numeric,
    threshold      text,
    detail         text,
    feed_date      date not null,
    recorded_at    timestamptz not null default now()
);
create index if not exists dq_results_feed_date on ops.dq_results (feed_date, gate);
create index if not exists dq_results_run on ops.dq_results (run_id);

-- The day's metrics per dataset, written only when that day's gate passed: a bad day never becomes the baseline.
create table if not exists ops.dq_metrics (
    dataset     text not null,
    metric      text not null,
    feed_date   date not null,
    value       numeric not null,
    run_id      text,
    recorded_at timestamptz not null default now(),
    primary key (dataset, metric, feed_date)
);

-- Today's measures (ops.dq_measure), taken once per gate run before its checks (plugins/top_items/quality/gate.py):
-- the run's checks read them here and a good day's history is copied from them, so no check measures the day again.
-- A run's rows are deleted when it ends, and its id is its own, so no other run reads them. A killed run's rows go a
-- day later, with the next run's.
create table if not exists ops.dq_gate_measures (
    gate_run    text not null,
    dataset     text not null,
    metric      text not null,
    value       numeric not null,
    measured_at timestamptz not null default now(),
    primary key (gate_run, dataset, metric)
);

-- The gate run's measures gained a parameter: the signatures before it go, so no call is ambiguous.
drop function if exists ops.dq_change_pct(text, text, date, text);
drop function if exists ops.dq_change_points(text, text, date, text);
drop function if exists ops.dq_today(text, text, date, text);
drop function if exists ops.dq_drifted(text, text, date, numeric, integer, numeric);

-- The one definition of each aggregate metric: totals and shares of the dataset alone, what the contracts'
-- "vs normal" comparisons measure today. p_schema names where the dataset's table is for this run: raw for the raw
-- layer, the run's workspace for marts and exports (write-audit-publish audits the build before it is published).
-- Reference tables are measured in the snapshot in force on the feed date. plpgsql, so the tables need not exist
-- when this file runs.
create or replace function ops.dq_aggregates(p_dataset text, p_feed_date date, p_schema text default null)
returns table (metric text, value numeric)
language plpgsql stable as $$
declare
    relation text := format('%I.%I', coalesce(p_schema, split_part(p_dataset, '.', 1)), split_part(p_dataset, '.', 2));
    snapshot date := raw.snapshot_in_force(split_part(p_dataset, '.', 2), p_feed_date);
begin
    if p_dataset = 'raw.inventory_feed' then
        return query execute format($q$
            select m.metric, m.value from (
                select count(*)::numeric as row_count,
                       -- stores that sent a usable file, stale or not (staleness has a bound of its own)
                       (count(distinct store_id) + (select count(*) from raw.feed_fingerprints
                                                    where feed_date = $1 and stale))::numeric as stores_reporting,
                       -- the same, as a share of the store master in force: a store that opens and reports
                       -- moves the count, not the share
                       round(100.0 * (count(distinct store_id) + (select count(*) from raw.feed_fingerprints
                                                                  where feed_date = $1 and stale))
                             / nullif((select count(*) from raw.stores where snapshot_date
                                       = raw.snapshot_in_force('stores', $1)), 0), 2) as stores_reporting_pct,
                       count(distinct sku_id)::numeric as skus_reporting,
                       coalesce(sum(remaining_qty), 0)::numeric as quantity_sum,
                       coalesce(round(100.0 * count(*) filter (where remaining_qty = 0) / nullif(count(*), 0), 2), 0)
                           as zero_quantity_pct
                from %s where feed_date = $1) as t,
            lateral (values ('row_count', t.row_count), ('stores_reporting', t.stores_reporting),
                            ('stores_reporting_pct', coalesce(t.stores_reporting_pct, 0)),
                            ('skus_reporting', t.skus_reporting), ('quantity_sum', t.quantity_sum),
                            ('zero_quantity_pct', t.zero_quantity_pct)) as m (metric, value)$q$, relation)
            using p_feed_date;
    elsif p_dataset = 'raw.stores' then
        return query execute format($q$
            select m.metric, m.value from (
                select count(*)::numeric as row_count, count(distinct market_id)::numeric as markets,
                       coalesce(round(100.0 * count(*) filter (where license_type = 'beer_wine')
                                      / nullif(count(*), 0), 2), 0) as beer_wine_pct
                from %s where snapshot_date = $1) as t,
            lateral (values ('row_count', t.row_count), ('markets', t.markets), ('beer_wine_pct', t.beer_wine_pct))
                as m (metric, value)$q$, relation) using snapshot;
    elsif p_dataset = 'raw.skus' then
        return query execute format($q$
            select m.metric, m.value from (
                select count(*)::numeric as row_count, count(distinct category)::numeric as categories,
                       coalesce(round(100.0 * count(*) filter (where is_liquor) / nullif(count(*), 0), 2), 0)
                           as liquor_pct,
                       coalesce(round(100.0 * count(*) filter (where season_start_month is not null)
                                      / nullif(count(*), 0), 2), 0) as seasonal_pct
                from %s where snapshot_date = $1) as t,
            lateral (values ('row_count', t.row_count), ('categories', t.categories), ('liquor_pct', t.liquor_pct),
                            ('seasonal_pct', t.seasonal_pct)) as m (metric, value)$q$,
            relation) using snapshot;
    elsif p_dataset = 'raw.order_lines' then
        return query execute format($q$
            select m.metric, m.value from (
                select count(*)::numeric as row_count, count(distinct order_id)::numeric as orders,
                       count(distinct store_id)::numeric as stores_ordering,
                       coalesce(sum(units), 0)::numeric as units_sum, coalesce(sum(revenue), 0)::numeric as revenue_sum
                from %s where snapshot_date = $1) as t,
            lateral (values ('row_count', t.row_count), ('orders', t.orders), ('stores_ordering', t.stores_ordering),
                            ('units_sum', t.units_sum), ('revenue_sum', t.revenue_sum)) as m (metric, value)$q$,
            relation) using snapshot;
    elsif p_dataset = 'raw.overrides' then
        return query
            select 'in_force'::text, count(*)::numeric from raw.overrides
            where created <= p_feed_date and p_feed_date < expires;
    elsif p_dataset = 'marts.store_missing_top_items' then
        return query execute format($q$
            select m.metric, m.value from (
                select count(*)::numeric as row_count, count(distinct store_id)::numeric as stores_recommended
                from %s where feed_date = $1) as t,
            lateral (values ('row_count', t.row_count), ('stores_recommended', t.stores_recommended))
                as m (metric, value)$q$, relation) using p_feed_date;
    end if;
end
$$;

-- Every history metric: what the gate records on a good day. The aggregates, and the keyed drift since the last
-- good state (ops/drift.sql), whose normal is learned from the good days like any metric's.
create or replace function ops.dq_measure(p_dataset text, p_feed_date date, p_schema text default null)
returns table (metric text, value numeric)
language plpgsql stable as $$
begin
    return query select a.metric, a.value from ops.dq_aggregates(p_dataset, p_feed_date, p_schema) as a;
    return query select d.metric, d.value from ops.dq_drift(p_dataset, p_feed_date) as d where d.value is not null;
    if p_dataset = 'raw.inventory_feed' then
        return query select 'identical_pct:' || s.store_id, s.identical_pct
                     from ops.dq_store_identical(p_feed_date) as s;
    end if;
end
$$;

-- The latest good day before p_feed_date for a dataset (null: none yet): the day a comparison is made with.
create or replace function ops.dq_previous_good_day(p_dataset text, p_feed_date date)
returns date
language sql stable as $$
    select max(feed_date) from ops.dq_metrics where dataset = p_dataset and feed_date < p_feed_date
$$;

-- The metric on the latest good day before p_feed_date (null: no history yet).
create or replace function ops.dq_previous_good(p_dataset text, p_metric text, p_feed_date date)
returns numeric
language sql stable as $$
    select value from ops.dq_metrics
    where dataset = p_dataset and metric = p_metric and feed_date = ops.dq_previous_good_day(p_dataset, p_feed_date)
$$;

-- How a metric's normal is learned, set here once: from the last this many good days, as their median, and for the
-- drift measures (ops/drift.sql) a band of the median plus this many robust standard deviations. 14 days see two of
-- every weekday; 3 deviations rarely flag a normal day. A weekly pattern is looked for over five weeks.
create or replace function ops.dq_window() returns integer language sql immutable as 'select 14';
create or replace function ops.dq_sensitivity() returns numeric language sql immutable as 'select 3';
create or replace function ops.dq_weekly_days() returns integer language sql immutable as 'select 35';

-- What today's metric is compared with: its normal. Until a full window of good days has been seen, the previous
-- good day's value (null: none yet). Then the median of the window, so one odd day moves nothing; or, where the
-- metric has a weekly rhythm, the median of the same weekday's good days of the last five weeks (at least three).
-- A rhythm is there when the values sit, on average, at half the distance or less from their weekday's median than
-- from the overall one.
create or replace function ops.dq_normal(p_dataset text, p_metric text, p_feed_date date)
returns numeric
language plpgsql stable as $$
declare
    window_days integer := ops.dq_window();
    seen        integer;
    overall     numeric;
    weekday     numeric;
    same_days   integer;
    spread      numeric;
    by_weekday  numeric;
begin
    select count(*), percentile_cont(0.5) within group (order by value)
    into seen, overall
    from (select value from ops.dq_metrics where dataset = p_dataset and metric = p_metric and feed_date < p_feed_date
          order by feed_date desc limit window_days) as recent;
    if seen < window_days then
        return ops.dq_previous_good(p_dataset, p_metric, p_feed_date);
    end if;
    with weeks as (
        select value, extract(isodow from feed_date) as dow from ops.dq_metrics
        where dataset = p_dataset and metric = p_metric
          and feed_date between p_feed_date - ops.dq_weekly_days() and p_feed_date - 1),
    medians as (select dow, percentile_cont(0.5) within group (order by value) as median, count(*) as n
                from weeks group by dow),
    overall_median as (select percentile_cont(0.5) within group (order by value) as median from weeks)
    select (select median from medians where dow = extract(isodow from p_feed_date)),
           (select n from medians where dow = extract(isodow from p_feed_date)),
           (select avg(abs(w.value - o.median)) from weeks as w, overall_median as o),
           (select avg(abs(w.value - m.median)) from weeks as w join medians as m using (dow))
    into weekday, same_days, spread, by_weekday;
    if same_days >= 3 and spread > 0 and by_weekday < spread / 2 then
        return weekday;
    end if;
    return overall;
end
$$;

-- Today's metric: as the gate run p_gate_run measured it, or measured now (the aggregates alone where they hold it:
-- the keyed drift costs a comparison with the last good day).
create or replace function ops.dq_today(p_dataset text, p_metric text, p_feed_date date, p_schema text default null,
                                        p_gate_run text default null)
returns numeric
language plpgsql stable as $$
declare
    today numeric;
begin
    if p_gate_run is not null then
        select m.value into today from ops.dq_gate_measures as m
        where m.gate_run = p_gate_run and m.dataset = p_dataset and m.metric = p_metric;
    else
        select m.value into today from ops.dq_aggregates(p_dataset, p_feed_date, p_schema) as m
        where m.metric = p_metric;
    end if;
    if today is null and p_gate_run is null then
        select m.value into today from ops.dq_measure(p_dataset, p_feed_date, p_schema) as m
        where m.metric = p_metric;
    end if;
    if today is null and p_gate_run is not null then
        raise exception 'gate run % holds no metric % for %: its measure of the day failed (the task log says why)',
            p_gate_run, p_metric, p_dataset;
    elsif today is null then
        raise exception 'ops.dq_measure has no metric % for %', p_metric, p_dataset;
    end if;
    return today;
end
$$;

-- Today's metric vs its normal (ops.dq_normal), in percent (-30 = 30% fewer). Null when there is no previous good day
-- (the gate reports that as no_history); a zero baseline counts as 0% when today is zero too, else +100%.
create or replace function ops.dq_change_pct(p_dataset text, p_metric text, p_feed_date date,
                                             p_schema text default null, p_gate_run text default null)
returns numeric
language plpgsql stable as $$
declare
    baseline numeric := ops.dq_normal(p_dataset, p_metric, p_feed_date);
    today    numeric;
begin
    if baseline is null then
        return null;
    end if;
    today := ops.dq_today(p_dataset, p_metric, p_feed_date, p_schema, p_gate_run);
    if baseline = 0 then
        return case when today = 0 then 0 else 100 end;
    end if;
    return round(100 * (today / baseline - 1), 2);
end
$$;

-- Today's metric minus its normal, for metrics that are already shares (percentage points).
create or replace function ops.dq_change_points(p_dataset text, p_metric text, p_feed_date date,
                                                p_schema text default null, p_gate_run text default null)
returns numeric
language sql stable as $$
    select ops.dq_today(p_dataset, p_metric, p_feed_date, p_schema, p_gate_run) - baseline
    from (select ops.dq_normal(p_dataset, p_metric, p_feed_date) as baseline) as b
    where baseline is not null
$$;

-- In-stock SKUs per store on one day of the feed (the distribution a wipe shows in).
create or replace function ops.dq_store_in_stock(p_feed_date date)
returns table (store_id text, in_stock bigint)
language sql stable as $$
    select store_id, count(*) filter (where remaining_qty > 0)
    from raw.inventory_feed where feed_date = p_feed_date group by store_id
$$;

-- Churn of the recommendations: (store, SKU) pairs added plus removed, in percent of what the previous published
-- day held. p_schema is where today's build is; null when nothing was published before p_feed_date.
create or replace function ops.dq_recommendation_churn_pct(p_feed_date date, p_schema text)
returns numeric
language plpgsql stable as $$
declare
    previous date;
    held     numeric;
    churned  numeric;
begin
    if to_regclass('marts.store_missing_top_items') is null then
        return null;
    end if;
    select max(feed_date) into previous from marts.store_missing_top_items where feed_date < p_feed_date;
    if previous is null then
        return null;
    end if;
    select count(*) into held from marts.store_missing_top_items where feed_date = previous;
    execute format($q$
        select count(*) from (
            select store_id, sku_id from %I.store_missing_top_items where feed_date = $1
            except select store_id, sku_id from marts.store_missing_top_items where feed_date = $2) as added
        $q$, p_schema) using p_feed_date, previous into churned;
    execute format($q$
        select $3 + count(*) from (
            select store_id, sku_id from marts.store_missing_top_items where feed_date = $2
            except select store_id, sku_id from %I.store_missing_top_items where feed_date = $1) as removed
        $q$, p_schema) using p_feed_date, previous, churned into churned;
    return round(100 * churned / nullif(held, 0), 2);
end
$$;
