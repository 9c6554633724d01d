-- LinkedIn follower statistics: one row per element (a day's gains, or lifetime breakdowns).
with source as (
    select * from {{ lake_rows('linkedin', 'follower_statistics') }} as lake
    where {{ not_retracted('lake') }}
)

select
    {{ stg_lake_columns() }}
    cast(range_start as timestamptz) as range_start,
    cast(range_end as timestamptz) as range_end,
    cast(organic_follower_gain as bigint) as organic_follower_gain,
    cast(paid_follower_gain as bigint) as paid_follower_gain,
    cast(breakdowns as varchar) as breakdowns
from source
