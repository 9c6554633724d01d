-- Per account and UTC day: posts published, and interactions / impressions RECEIVED that day.
-- Platforms report cumulative counts per post, so what a day received is the increase of each
-- post's count since its previous end-of-day observation. The count at a post's first
-- observation is credited to its publication day (we cannot know when it accrued); decreases
-- (unlikes, removed spam) are not negative activity and count as 0.
-- Where an account has no post data, account-level daily metrics stand in
-- (int_account_activity_daily_unioned); precedence per column is in the YAML.
-- Incremental: only the account-days int_interaction_days_invalidated names are recomputed,
-- from the posts observed since (each read whole: the lag reaches its previous observation).
-- depends_on: {{ ref('int_interaction_days_invalidated') }}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    pre_hook="{{ delete_invalidated_days(ref('int_interaction_days_invalidated')) }}",
) }}
{%- set invalidated = ref('int_interaction_days_invalidated') %}
with latest_posts as (
    select
        platform,
        account_id,
        post_id,
        post_type,
        posted_at,
        {{ utc_date('posted_at') }} as posted_date,
        {{ utc_date('metrics_observed_at') }} as last_date
    from {{ ref('int_post_metrics_latest') }} as latest
    {%- if is_incremental() %}
        -- the recomputed accounts first: the UTC date of every post is not free
        where {{ in_ranges(invalidated, 'latest') }}
    {%- endif %}
),

-- the posts that can count on a recomputed day: observed on or after it (a post's increments
-- fall on its observation days, the first one on its posting day if earlier). Read whole: a
-- day's increment needs the post's previous observation, however far back.
recent_posts as (
    select
        platform,
        post_id
    from latest_posts
    {%- if is_incremental() %}
        where {{ in_ranges(invalidated, 'latest_posts', 'last_date', 'write_from') }}
    {%- endif %}
),

post_days as (
    select
        *,
        row_number() over by_day = 1 as is_first_observation
    from {{ ref('int_post_metrics_daily_filled') }} as filled
    {%- if is_incremental() %}
        -- (recent_posts are the recomputed accounts' only)
        where exists (
            select 1
            from recent_posts
            where recent_posts.platform = filled.platform and recent_posts.post_id = filled.post_id
        )
    {%- endif %}
    window by_day as (partition by platform, post_id order by date)
),

increments as (
    select
        post_days.platform,
        post_days.account_id,
        post_days.post_id,
        case
            when post_days.is_first_observation
                then least(
                    coalesce({{ utc_date('posts.posted_at') }}, post_days.date), post_days.date
                )
            else post_days.date
        end as date,
        -- greatest() skips nulls: a metric never reported must stay null, not become 0
        greatest(
            post_days.interactions
            - coalesce(lag(post_days.interactions) over earlier_days, 0),
            0
        ) as interactions_received,
        -- the numerator of engagement_rate_impressions (METRICS.md): interactions on the
        -- account's own posts whose impressions are reported; a share's interactions belong to
        -- the post it shares, and a post without impressions has no denominator
        post_days.impressions is not null and coalesce(posts.post_type, '') != 'share'
            as has_impressions,
        case
            when post_days.comments is not null
                then greatest(
                    post_days.comments - coalesce(lag(post_days.comments) over earlier_days, 0),
                    0
                )
        end as comments_received,
        case
            when post_days.impressions is not null
                then greatest(
                    post_days.impressions
                    - coalesce(lag(post_days.impressions) over earlier_days, 0),
                    0
                )
        end as impressions_received
    from post_days
    -- the recomputed accounts' posts: every post of post_days
    left join latest_posts as posts
        on post_days.platform = posts.platform and post_days.post_id = posts.post_id
    window earlier_days as (
        partition by post_days.platform, post_days.post_id order by post_days.date
    )
),

received as (
    select
        platform,
        account_id,
        date,
        cast(sum(interactions_received) as bigint) as interactions,
        cast(sum(comments_received) as bigint) as comments,
        cast(sum(impressions_received) as bigint) as impressions,
        -- each post-day counts at most its impressions: an interaction needs an impression,
        -- so more in a day means the platform's impression count lags its interactions
        cast(
            sum(least(interactions_received, impressions_received))
            filter (where has_impressions) as bigint
        ) as interactions_with_impressions
    from increments
    {%- if is_incremental() %}
        where {{ in_ranges(invalidated, 'increments', 'date', 'write_from') }}
    {%- endif %}
    group by platform, account_id, date
),

published as (
    select
        platform,
        account_id,
        posted_date as date,
        count(*) as posts,
        count(*) filter (where post_type = 'reply') as replies,
        count(*) filter (where post_type = 'share') as shares_posted
    from latest_posts
    where
        posted_at is not null
        {%- if is_incremental() %}
            and {{ in_ranges(invalidated, 'latest_posts', 'posted_date', 'write_from') }}
        {%- endif %}
    group by platform, account_id, posted_date
),

accounts_with_posts as (
    select distinct
        platform,
        account_id
    from latest_posts
),

account_level as (
    select * from {{ ref('int_account_activity_daily_unioned') }} as account_level
    {%- if is_incremental() %}
        where {{ in_ranges(invalidated, 'account_level', 'date', 'write_from') }}
    {%- endif %}
),

days as (
    select
        platform,
        account_id,
        date
    from received
    union
    select
        platform,
        account_id,
        date
    from published
    union
    select
        platform,
        account_id,
        date
    from account_level
)

select
    days.platform,
    days.account_id,
    days.date,
    -- posts are known only where the account's posts were pulled (LinkedIn: never)
    case when accounts_with_posts.account_id is not null then coalesce(published.posts, 0) end
        as posts,
    case when accounts_with_posts.account_id is not null then coalesce(published.replies, 0) end
        as replies,
    case
        when accounts_with_posts.account_id is not null
            then coalesce(published.shares_posted, 0)
    end as shares_posted,
    -- per-post increments win: they are exact per post; account totals stand in without posts
    case
        when accounts_with_posts.account_id is not null
            then coalesce(received.interactions, 0)
        else account_level.interactions
    end as interactions,
    case
        when accounts_with_posts.account_id is not null
            then coalesce(received.comments, 0)
        else account_level.comments
    end as comments,
    coalesce(received.impressions, account_level.impressions) as impressions,
    -- interactions measured against those impressions: the same posts, or the same report
    case
        when received.impressions is not null then received.interactions_with_impressions
        when account_level.impressions is not null
            then least(account_level.interactions, account_level.impressions)
    end as interactions_with_impressions,
    -- distinct people: only account-level reach is additive per day, post reaches are not
    account_level.reach,
    account_level.profile_views,
    case
        when accounts_with_posts.account_id is not null then 'posts'
        else account_level.account_activity_source
    end as interactions_source,
    case
        when received.impressions is not null then 'posts'
        when account_level.impressions is not null then account_level.account_activity_source
    end as impressions_source
from days
left join received
    on
        days.platform = received.platform
        and days.account_id = received.account_id
        and days.date = received.date
left join published
    on
        days.platform = published.platform
        and days.account_id = published.account_id
        and days.date = published.date
left join account_level
    on
        days.platform = account_level.platform
        and days.account_id = account_level.account_id
        and days.date = account_level.date
left join accounts_with_posts
    on
        days.platform = accounts_with_posts.platform
        and days.account_id = accounts_with_posts.account_id
{%- if is_incremental() %}
    where {{ in_ranges(invalidated, 'days', 'date', 'write_from') }}
{%- endif %}
