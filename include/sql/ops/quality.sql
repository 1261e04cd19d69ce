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

-- The one definition of each history metric: what the gate records on a good day and what the contracts'
-- comparison checks measure today. plpgsql, so the marts need not exist when this file runs.
create or replace function ops.dq_measure(p_dataset text, p_feed_date date)
returns table (metric text, value numeric)
language plpgsql stable as $$
begin
    if p_dataset = 'raw.inventory_feed' then
        return query
            select 'row_count'::text, count(*)::numeric from raw.inventory_feed where feed_date = p_feed_date
            union all
            select 'stores_reporting', count(distinct store_id)::numeric
            from raw.inventory_feed where feed_date = p_feed_date;
    elsif p_dataset = 'marts.store_missing_top_items' then
        return query
            select 'row_count'::text, count(*)::numeric
            from marts.store_missing_top_items where feed_date = p_feed_date
            union all
            select 'stores_recommended', count(distinct store_id)::numeric
            from marts.store_missing_top_items where feed_date = p_feed_date;
    end if;
end
$$;

-- The metric on the latest good day before p_feed_date (null: no history yet).
create or replace function ops.dq_previous_good(p_dataset text, p_metric text, p_feed_date date)
returns numeric
language sql stable as $$
    select value from ops.dq_metrics
    where dataset = p_dataset and metric = p_metric and feed_date < p_feed_date
    order by feed_date desc
    limit 1
$$;

-- Today's metric vs the previous good day, in percent (-30 = 30% fewer). Null when there is no previous good day
-- (the gate reports that as no_history); a zero baseline counts as 0% when today is zero too, else +100%.
create or replace function ops.dq_change_pct(p_dataset text, p_metric text, p_feed_date date)
returns numeric
language plpgsql stable as $$
declare
    today    numeric;
    baseline numeric := ops.dq_previous_good(p_dataset, p_metric, p_feed_date);
begin
    if baseline is null then
        return null;
    end if;
    select m.value into today from ops.dq_measure(p_dataset, p_feed_date) as m where m.metric = p_metric;
    if today is null then
        raise exception 'ops.dq_measure has no metric % for %', p_metric, p_dataset;
    end if;
    if baseline = 0 then
        return case when today = 0 then 0 else 100 end;
    end if;
    return round(100 * (today / baseline - 1), 2);
end
$$;
