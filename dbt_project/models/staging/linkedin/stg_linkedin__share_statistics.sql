-- LinkedIn share statistics: one row per element (a day's totals, or lifetime when range is null).
with source as (
    select * from {{ lake_rows('linkedin', 'share_statistics') }} as lake
    where {{ not_retracted('lake') }}
)

select
    {{ stg_lake_columns() }}
    cast(range_start as timestamptz) as range_start,
    cast(range_end as timestamptz) as range_end,
    cast(click_count as bigint) as click_count,
    cast(comment_count as bigint) as comment_count,
    cast(like_count as bigint) as like_count,
    cast(share_count as bigint) as share_count,
    cast(share_mention_count as bigint) as share_mention_count,
    cast(impression_count as bigint) as impression_count,
    cast(unique_impressions_count as bigint) as unique_impressions_count,
    cast(engagement as double) as engagement
from source
