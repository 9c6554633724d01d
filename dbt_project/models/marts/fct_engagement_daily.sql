-- Per account-day over the account's follower range: what it published, what it received,
-- and engagement rates, daily and over rolling 7 / 28 days.
-- Incremental: the account-days whose follower count or interactions changed are recomputed,
-- read 27 days earlier for the 28-day sums (a followers series has a row for every day
-- between its first and last count, so rows are days).
-- depends_on: {{ ref('int_follower_days_invalidated') }}
-- depends_on: {{ ref('int_interaction_days_invalidated') }}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    pre_hook="{{ delete_invalidated_days(engagement_days_invalidated()) }}",
    post_hook="{{ refresh_account_names() }}",
) }}
{%- set invalidated = engagement_days_invalidated() %}
with days as (
    select * from {{ ref('int_followers_filled') }} as filled
    {%- if is_incremental() %}
        where {{ in_ranges(invalidated, 'filled', 'date', 'write_from', 27) }}
    {%- endif %}
),

activity as (
    select * from {{ ref('int_interactions_daily_aggregated') }} as aggregated
    {%- if is_incremental() %}
        where {{ in_ranges(invalidated, 'aggregated', 'date', 'write_from', 27) }}
    {%- endif %}
),

accounts_with_posts as (
    select distinct
        platform,
        account_id
    from {{ ref('int_post_metrics_latest') }}
),

joined as (
    select
        days.platform,
        days.account_id,
        days.date,
        -- posts are unknown, not zero, for an account whose posts were never pulled
        case
            when accounts_with_posts.account_id is not null then coalesce(activity.posts, 0)
        end as posts,
        case
            when accounts_with_posts.account_id is not null then coalesce(activity.replies, 0)
        end as replies,
        -- an account with neither post data nor account-level activity has unknown
        -- interactions; with account-level data only, a day it did not report is unknown too
        case
            when accounts_with_posts.account_id is not null
                then coalesce(activity.interactions, 0)
            else activity.interactions
        end as interactions,
        case
            when accounts_with_posts.account_id is not null
                then coalesce(activity.comments, 0)
            else activity.comments
        end as comments_received,
        activity.impressions,
        activity.interactions_with_impressions,
        activity.reach,
        activity.profile_views,
        activity.interactions_source,
        days.followers
    from days
    left join activity
        on
            days.platform = activity.platform
            and days.account_id = activity.account_id
            and days.date = activity.date
    left join accounts_with_posts
        on
            days.platform = accounts_with_posts.platform
            and days.account_id = accounts_with_posts.account_id
),

rolled as (
    select
        *,
        sum(interactions) over last_7_days as interactions_7d,
        sum(followers) over last_7_days as follower_days_7d,
        sum(impressions) over last_7_days as impressions_7d,
        sum(interactions_with_impressions) over last_7_days as interactions_with_impressions_7d,
        sum(interactions_with_impressions) over last_28_days
            as interactions_with_impressions_28d,
        sum(interactions) over last_28_days as interactions_28d,
        sum(followers) over last_28_days as follower_days_28d,
        sum(impressions) over last_28_days as impressions_28d,
        sum(reach) over last_28_days as reach_28d,
        sum(posts) over last_28_days as posts_28d,
        sum(replies) over last_28_days as replies_28d
    from joined
    window
        last_7_days as (
            partition by platform, account_id order by date
            rows between 6 preceding and current row
        ),
        last_28_days as (
            partition by platform, account_id order by date
            rows between 27 preceding and current row
        )
)

select
    rolled.platform,
    rolled.account_id,
    rolled.date,
    rolled.posts,
    rolled.replies,
    rolled.interactions,
    rolled.comments_received,
    rolled.impressions,
    rolled.interactions_with_impressions,
    rolled.reach,
    rolled.profile_views,
    rolled.followers,
    rolled.interactions / nullif(rolled.followers, 0) as engagement_rate_followers,
    rolled.interactions_with_impressions / nullif(rolled.impressions, 0)
        as engagement_rate_impressions,
    rolled.interactions / nullif(rolled.reach, 0) as engagement_rate_reach,
    -- rolling rates: interactions per follower-day and per impression over the window
    rolled.interactions_7d / nullif(rolled.follower_days_7d, 0) as engagement_rate_followers_7d,
    rolled.interactions_with_impressions_7d / nullif(rolled.impressions_7d, 0)
        as engagement_rate_impressions_7d,
    rolled.interactions_28d / nullif(rolled.follower_days_28d, 0)
        as engagement_rate_followers_28d,
    rolled.interactions_with_impressions_28d / nullif(rolled.impressions_28d, 0)
        as engagement_rate_impressions_28d,
    rolled.interactions_28d / nullif(rolled.reach_28d, 0) as engagement_rate_reach_28d,
    rolled.replies_28d / nullif(rolled.posts_28d, 0) as reply_share_28d,
    rolled.interactions_source,
    account_names.handle,
    account_names.owner,
    account_names.role
from rolled
left join {{ ref('int_account_names_latest') }} as account_names
    on rolled.platform = account_names.platform and rolled.account_id = account_names.account_id
{%- if is_incremental() %}
    where {{ in_ranges(invalidated, 'rolled', 'date', 'write_from') }}
{%- endif %}
