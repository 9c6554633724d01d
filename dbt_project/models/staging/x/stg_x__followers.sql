-- Followers of our accounts as pulled: one row per (account, follower) per pull, with the
-- follower's public profile as seen at observed_at, and where it stood in that pull's list
-- (list_page, then list_position inside the page file; X lists followers newest first).
with source as (
    select * from {{ lake_rows('x', 'followers') }} as lake
    where {{ not_retracted('lake') }}
)

select
    cast(platform as varchar) as platform,
    cast(account_id as varchar) as account_id,
    cast(follower_id as varchar) as follower_id,
    cast(observed_at as timestamptz) as observed_at,
    {{ stg_x_profile_columns() }}
    cast(listed_count as bigint) as listed_count,
    cast(list_page as bigint) as list_page,
    cast(list_position as bigint) as list_position,
    cast(source_file as varchar) as source_file,
    cast(source_sha256 as varchar) as source_sha256,
    cast(ingested_at as timestamptz) as ingested_at
from source
