-- Instagram "Download your information" followers: one row per follower per export.
with source as (
    select * from {{ lake_rows('instagram', 'dyi_followers') }} as lake
    where {{ not_retracted('lake') }}
)

select
    {{ stg_lake_columns() }}
    cast(follower_username as varchar) as follower_username,
    cast(href as varchar) as href,
    cast(followed_at as timestamptz) as followed_at
from source
