-- Followers of our accounts as pulled: one row per (account, follower) per pull, with the
-- follower's public profile as seen at observed_at.
with source as (
    select * from {{ source('x', 'followers') }}
)

select
    cast(platform as varchar) as platform,
    cast(account_id as varchar) as account_id,
    cast(follower_id as varchar) as follower_id,
    cast(observed_at as timestamptz) as observed_at,
    cast(username as varchar) as username,
    cast(name as varchar) as display_name,
    cast(description as varchar) as bio,
    cast(profile_image_url as varchar) as profile_image_url,
    cast(protected as boolean) as is_protected,
    cast(verified as boolean) as is_verified,
    cast(created_at as timestamptz) as account_created_at,
    cast(followers_count as bigint) as followers_count,
    cast(following_count as bigint) as following_count,
    cast(tweet_count as bigint) as tweet_count,
    cast(source_file as varchar) as source_file,
    cast(ingested_at as timestamptz) as ingested_at
from source
