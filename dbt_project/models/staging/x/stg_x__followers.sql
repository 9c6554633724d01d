-- Followers of our accounts as pulled: one row per (account, follower) per pull, with the
-- follower's public profile as seen at observed_at.
with source as (
    select * from {{ source('x', 'followers') }} as lake
    where {{ not_retracted('lake') }}
)

select
    cast(platform as varchar) as platform,
    cast(account_id as varchar) as account_id,
    cast(follower_id as varchar) as follower_id,
    cast(observed_at as timestamptz) as observed_at,
    {{ stg_x_profile_columns() }}
    cast(source_file as varchar) as source_file,
    cast(ingested_at as timestamptz) as ingested_at
from source
