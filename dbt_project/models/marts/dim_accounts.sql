-- Every account we have data for or that accounts.csv lists, with its latest handle, name,
-- follower count, and its owner and role from the latest registry.
with profiles as (
    select
        platform,
        account_id,
        observed_at,
        ingested_at,
        username,
        display_name
    from {{ ref('stg_x__users') }}
    union all
    select
        platform,
        account_id,
        observed_at,
        ingested_at,
        username,
        display_name
    from {{ ref('stg_x__archive_account') }}
    union all
    select
        platform,
        account_id,
        observed_at,
        ingested_at,
        username,
        display_name
    from {{ ref('stg_instagram__users') }}
),

profiles_latest as (
    select
        platform,
        account_id,
        arg_max(username, observed_at) filter (where username is not null) as username,
        arg_max(display_name, observed_at) filter (where display_name is not null)
            as display_name
    from profiles
    group by platform, account_id
),

followers_latest as (
    select
        platform,
        account_id,
        followers
    from {{ ref('int_followers_observed') }}
    qualify row_number() over (
        partition by platform, account_id
        order by observed_at desc, ingested_at desc, followers_source desc
    ) = 1
),

-- every kind an account shows up in, for first / last seen
observations as (
    select
        platform,
        account_id,
        observed_at
    from profiles
    union all
    select
        platform,
        account_id,
        observed_at
    from {{ ref('int_followers_observed') }}
    union all
    select
        platform,
        account_id,
        observed_at
    from {{ ref('int_post_observations_unioned') }}
    union all
    select
        platform,
        account_id,
        observed_at
    from {{ ref('stg_x__followers') }}
    union all
    select
        platform,
        account_id,
        observed_at
    from {{ ref('stg_instagram__insights') }}
    union all
    select
        platform,
        account_id,
        observed_at
    from {{ ref('stg_facebook__insights') }}
    union all
    select
        platform,
        account_id,
        observed_at
    from {{ ref('stg_linkedin__follower_statistics') }}
    union all
    select
        platform,
        account_id,
        observed_at
    from {{ ref('stg_linkedin__share_statistics') }}
),

seen as (
    select
        platform,
        account_id,
        min(observed_at) as first_seen_at,
        max(observed_at) as last_seen_at
    from observations
    group by platform, account_id
),

owners as (
    select * from {{ ref('int_account_owners_latest') }}
),

-- the audience audit's latest week (fct_audience_quality)
audience_latest as (
    select *
    from {{ ref('fct_audience_quality') }}
    qualify row_number() over (
        partition by platform, account_id order by week_start desc
    ) = 1
),

accounts as (
    select
        platform,
        account_id
    from seen
    union
    select
        platform,
        account_id
    from owners
)

select
    accounts.platform,
    accounts.account_id,
    coalesce(profiles_latest.username, owners.handle) as handle,
    profiles_latest.display_name as name,
    owners.owner,
    owners.role,
    -- the latest count; named apart from the facts' daily `followers`, so a join of this table
    -- with fct_engagement_daily or fct_followers_daily leaves `followers` unambiguous
    followers_latest.followers as followers_latest,
    account_names.profile_url,
    seen.first_seen_at,
    seen.last_seen_at,
    owners.account_id is not null as is_registered,
    audience_latest.week_start as audience_week_start,
    audience_latest.bought_followers_est,
    audience_latest.fake_share_est,
    audience_latest.fake_share_low,
    audience_latest.fake_share_high,
    audience_latest.real_followers_est,
    audience_latest.sample_coverage,
    audience_latest.interactions_per_1k_real
from accounts
left join profiles_latest
    on
        accounts.platform = profiles_latest.platform
        and accounts.account_id = profiles_latest.account_id
left join followers_latest
    on
        accounts.platform = followers_latest.platform
        and accounts.account_id = followers_latest.account_id
left join owners
    on accounts.platform = owners.platform and accounts.account_id = owners.account_id
left join seen
    on accounts.platform = seen.platform and accounts.account_id = seen.account_id
left join {{ ref('int_account_names_latest') }} as account_names
    on accounts.platform = account_names.platform and accounts.account_id = account_names.account_id
left join audience_latest
    on
        accounts.platform = audience_latest.platform
        and accounts.account_id = audience_latest.account_id
