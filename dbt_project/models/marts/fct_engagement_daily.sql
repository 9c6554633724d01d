-- Per account-day over the account's follower range: what it published, what it received,
-- and engagement rates, daily and over rolling 7 / 28 days.
with days as (
    select * from {{ ref('int_followers_filled') }}
),

activity as (
    select * from {{ ref('int_interactions_daily_aggregated') }}
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
        coalesce(activity.posts, 0) as posts,
        coalesce(activity.replies, 0) as replies,
        -- an account we never pulled posts for has unknown, not zero, interactions
        case
            when accounts_with_posts.account_id is not null
                then coalesce(activity.interactions, 0)
        end as interactions,
        case
            when accounts_with_posts.account_id is not null
                then coalesce(activity.comments, 0)
        end as comments_received,
        activity.impressions,
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
        sum(interactions) over last_28_days as interactions_28d,
        sum(followers) over last_28_days as follower_days_28d,
        sum(impressions) over last_28_days as impressions_28d,
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
    platform,
    account_id,
    date,
    posts,
    replies,
    interactions,
    comments_received,
    impressions,
    followers,
    interactions / nullif(followers, 0) as engagement_rate_followers,
    interactions / nullif(impressions, 0) as engagement_rate_impressions,
    -- rolling rates: interactions per follower-day and per impression over the window
    interactions_7d / nullif(follower_days_7d, 0) as engagement_rate_followers_7d,
    interactions_7d / nullif(impressions_7d, 0) as engagement_rate_impressions_7d,
    interactions_28d / nullif(follower_days_28d, 0) as engagement_rate_followers_28d,
    interactions_28d / nullif(impressions_28d, 0) as engagement_rate_impressions_28d,
    replies_28d / nullif(posts_28d, 0) as reply_share_28d
from rolled
