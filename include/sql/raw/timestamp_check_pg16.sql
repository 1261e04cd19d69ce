-- Postgres 16 and newer: is the text a timestamp with an explicit UTC offset, in ISO 8601's shape?
-- pg_input_is_valid parses it exactly as the cast will, without raising, at a tenth of a regex's cost; the
-- character checks add what the cast does not insist on: date-time order, the T (or space), and an offset.
create or replace function raw.is_iso8601_with_offset(value text) returns boolean
language sql stable parallel safe as $$
    select coalesce(
        length(value) between 16 and 35
        and substr(value, 5, 1) = '-' and substr(value, 8, 1) = '-' and substr(value, 11, 1) in ('T', ' ')
        and substr(value, 14, 1) = ':'
        and (right(value, 1) = 'Z'
            or substr(value, length(value) - 5, 1) in ('+', '-')
            or substr(value, length(value) - 4, 1) in ('+', '-')
            or substr(value, length(value) - 2, 1) in ('+', '-'))
        and pg_input_is_valid(value, 'timestamptz'),
    false)
$$;
