-- X archives carry the complete follower list but no follow dates: diffing each archive with
-- the account's previous one gives who came (ids new in it) and who went (ids gone from it)
-- somewhere in the span between the two archives.
with followers as (
    select distinct
        platform,
        account_id,
        observed_at,
        other_id
    from {{ ref('stg_x__archive_relations') }}
    where relation = 'follower'
),

archives as (
    select distinct
        platform,
        account_id,
        observed_at
    from followers
),

pairs as (
    select
        platform,
        account_id,
        observed_at,
        lag(observed_at) over (
            partition by platform, account_id order by observed_at
        ) as previous_observed_at
    from archives
),

-- each follower id of a pair of successive archives, and which of the two lists it is in
membership as (
    select
        pairs.platform,
        pairs.account_id,
        pairs.observed_at,
        pairs.previous_observed_at,
        followers.other_id,
        bool_or(followers.observed_at = pairs.observed_at) as in_current,
        bool_or(followers.observed_at = pairs.previous_observed_at) as in_previous
    from pairs
    inner join followers
        on
            pairs.platform = followers.platform
            and pairs.account_id = followers.account_id
            and followers.observed_at in (pairs.observed_at, pairs.previous_observed_at)
    where pairs.previous_observed_at is not null
    group by
        pairs.platform,
        pairs.account_id,
        pairs.observed_at,
        pairs.previous_observed_at,
        followers.other_id
),

counted as (
    select
        platform,
        account_id,
        observed_at,
        previous_observed_at,
        count(*) filter (where in_current) as followers,
        count(*) filter (where in_current and not in_previous) as followers_gained,
        count(*) filter (where in_previous and not in_current) as followers_lost
    from membership
    group by platform, account_id, observed_at, previous_observed_at
)

select
    platform,
    account_id,
    observed_at as archive_observed_at,
    previous_observed_at as previous_archive_observed_at,
    -- the span the changes happened in: the day after the previous archive up to this one's
    {{ utc_date('previous_observed_at') }} + 1 as span_start,
    {{ utc_date('observed_at') }} as span_end,
    followers,
    followers_gained,
    followers_lost
from counted
