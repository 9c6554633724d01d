-- Instagram accounts as pulled (Graph API user fields): one row per account per pull.
with source as (
    select * from {{ lake_rows('instagram', 'users') }} as lake
    where {{ not_retracted('lake') }}
)

select
    {{ stg_lake_columns() }}
    cast(username as varchar) as username,
    cast(name as varchar) as display_name,
    cast(biography as varchar) as bio,
    cast(profile_picture_url as varchar) as profile_picture_url,
    cast(followers_count as bigint) as followers_count,
    cast(follows_count as bigint) as following_count,
    cast(media_count as bigint) as media_count
from source
