-- Each spike episode with the evidence for and against bought followers: what real people do
-- when they follow (interactions, comments - a giveaway's entrants comment -, impressions, reach,
-- profile views, posting) per day in the episode vs the account's own mean of the previous 28
-- days (a mean, not a median: accounts that post every few days have a median day of 0);
-- viral posts published in or just before it; gains the platform attributes to paid campaigns;
-- the quality of followers first seen during it; losses in the 28 days after (purges) beside
-- the account's usual losses; how variable each activity signal usually is (so "flat" is judged
-- against the account's own day-to-day swings); and the account's own exchange rates: follows
-- per interaction / impression / reached account / profile view / comment on its clean days of
-- the spike_history_days before the spike, shrunk towards a prior with exchange_prior_days
-- pseudo-days at the account's own activity level (a young account leans on the prior).
-- Everything respects detect_as_of (the evaluation's replay of earlier evenings).
with spikes as (
    select * from {{ ref('int_follower_spikes_detected') }}
),

posts as (
    select * from {{ ref('int_post_metrics_latest') }}
    where {{ detect_as_of('platform', 'account_id', utc_date('posted_at')) }}
),

accounts_with_activity as (
    select distinct
        platform,
        account_id
    from {{ ref('int_interactions_daily_aggregated') }}
),

accounts_with_posts as (
    select
        platform,
        account_id,
        median(interactions) as median_post_interactions
    from posts
    group by platform, account_id
),

daily as (
    select
        followers.platform,
        followers.account_id,
        followers.date,
        followers.net_followers,
        followers.clean_gain,
        coalesce(activity.interactions, 0) as interactions,
        coalesce(activity.comments, 0) as comments,
        coalesce(activity.posts, 0) as posts,
        activity.impressions,
        activity.reach,
        activity.profile_views
    -- int_followers_baselined already respects detect_as_of
    from {{ ref('int_followers_baselined') }} as followers
    left join {{ ref('int_interactions_daily_aggregated') }} as activity
        on
            followers.platform = activity.platform
            and followers.account_id = activity.account_id
            and followers.date = activity.date
),

rates as (
    select
        spikes.spike_id,
        count(daily.clean_gain) as rate_days,
        sum(daily.clean_gain) as rate_gain,
        sum(daily.interactions) filter (where daily.clean_gain is not null) as rate_interactions,
        sum(daily.comments) filter (where daily.clean_gain is not null) as rate_comments,
        sum(daily.clean_gain) filter (where daily.impressions is not null) as rate_gain_impressions,
        sum(daily.impressions) filter (where daily.clean_gain is not null) as rate_impressions,
        sum(daily.clean_gain) filter (where daily.reach is not null) as rate_gain_reach,
        sum(daily.reach) filter (where daily.clean_gain is not null) as rate_reach,
        sum(daily.clean_gain) filter (where daily.profile_views is not null)
            as rate_gain_profile_views,
        sum(daily.profile_views) filter (where daily.clean_gain is not null) as rate_profile_views
    from spikes
    inner join daily
        on
            spikes.platform = daily.platform
            and spikes.account_id = daily.account_id
            and daily.date between spikes.spike_start - {{ var('spike_history_days') }}
            and spikes.spike_start - 1
    group by spikes.spike_id
),

exchange as (
    select
        spike_id,
        -- (own follows + prior rate x pseudo-days of own activity) / (own activity + pseudo-days)
        {% for channel, prior in [
            ('interactions', 'prior_follows_per_interaction'),
            ('comments', 'prior_follows_per_comment'),
            ('impressions', 'prior_follows_per_impression'),
            ('reach', 'prior_follows_per_impression'),
            ('profile_views', 'prior_follows_per_profile_view'),
        ] %}
        {%- set gain = 'rate_gain' if channel in ('interactions', 'comments')
            else 'rate_gain_' ~ channel -%}
        case
            when rate_{{ channel }} > 0
                then
                    (
                        {{ gain }} + {{ var(prior) }} * {{ var('exchange_prior_days') }}
                        * rate_{{ channel }} / rate_days
                    )
                    / (rate_{{ channel }} * (1 + {{ var('exchange_prior_days') }} / rate_days))
            else {{ var(prior) }}
        end as follows_per_{{ channel.rstrip('s') if channel != 'reach' else 'reach' }}
        {{- ',' if not loop.last }}
    {% endfor %}
    from rates
),

activity as (
    select
        spikes.spike_id,
        avg(daily.interactions) filter (
            where daily.date between spikes.spike_start and spikes.spike_end
        ) as interactions_per_day,
        avg(daily.interactions) filter (
            where daily.date between spikes.spike_start - 28 and spikes.spike_start - 1
        ) as usual_interactions_per_day,
        avg(daily.comments) filter (
            where daily.date between spikes.spike_start and spikes.spike_end
        ) as comments_per_day,
        avg(daily.comments) filter (
            where daily.date between spikes.spike_start - 28 and spikes.spike_start - 1
        ) as usual_comments_per_day,
        avg(daily.posts) filter (
            where daily.date between spikes.spike_start and spikes.spike_end
        ) as posts_per_day,
        avg(daily.posts) filter (
            where daily.date between spikes.spike_start - 28 and spikes.spike_start - 1
        ) as usual_posts_per_day,
        avg(daily.impressions) filter (
            where daily.date between spikes.spike_start and spikes.spike_end
        ) as impressions_per_day,
        avg(daily.impressions) filter (
            where daily.date between spikes.spike_start - 28 and spikes.spike_start - 1
        ) as usual_impressions_per_day,
        avg(daily.reach) filter (
            where daily.date between spikes.spike_start and spikes.spike_end
        ) as reach_per_day,
        avg(daily.reach) filter (
            where daily.date between spikes.spike_start - 28 and spikes.spike_start - 1
        ) as usual_reach_per_day,
        avg(daily.profile_views) filter (
            where daily.date between spikes.spike_start and spikes.spike_end
        ) as profile_views_per_day,
        avg(daily.profile_views) filter (
            where daily.date between spikes.spike_start - 28 and spikes.spike_start - 1
        ) as usual_profile_views_per_day,
        stddev_samp(daily.interactions) filter (
            where daily.date between spikes.spike_start - 28 and spikes.spike_start - 1
        ) as usual_interactions_sd,
        stddev_samp(daily.impressions) filter (
            where daily.date between spikes.spike_start - 28 and spikes.spike_start - 1
        ) as usual_impressions_sd,
        stddev_samp(daily.reach) filter (
            where daily.date between spikes.spike_start - 28 and spikes.spike_start - 1
        ) as usual_reach_sd,
        stddev_samp(daily.profile_views) filter (
            where daily.date between spikes.spike_start - 28 and spikes.spike_start - 1
        ) as usual_profile_views_sd,
        cast(-sum(least(daily.net_followers, 0)) filter (
            where daily.date between spikes.spike_end + 1 and spikes.spike_end + 28
        ) as bigint) as lost_after,
        -sum(least(daily.net_followers, 0)) filter (
            where daily.date between spikes.spike_start - 28 and spikes.spike_start - 1
        ) / greatest(count(*) filter (
            where daily.date between spikes.spike_start - 28 and spikes.spike_start - 1
        ), 1) as usual_lost_per_day,
        count(*) filter (
            where daily.date between spikes.spike_end + 1 and spikes.spike_end + 28
        ) as days_after
    from spikes
    inner join daily
        on
            spikes.platform = daily.platform
            and spikes.account_id = daily.account_id
            and daily.date between spikes.spike_start - 28 and spikes.spike_end + 28
    group by spikes.spike_id
),

-- the viral posts first (a few per account), then the spikes they fall in: joined the other
-- way round, every spike met every post of its account (36M pairs at 1,000 accounts)
viral_candidates as (
    select
        posts.platform,
        posts.account_id,
        posts.post_id,
        posts.interactions,
        accounts_with_posts.median_post_interactions,
        {{ utc_date('posts.posted_at') }} as posted_date
    from posts
    inner join accounts_with_posts
        on
            posts.platform = accounts_with_posts.platform
            and posts.account_id = accounts_with_posts.account_id
    where
        posts.interactions
        >= {{ var('viral_post_factor') }}
        * greatest(accounts_with_posts.median_post_interactions, 1)
),

viral as (
    select
        spikes.spike_id,
        count(*) as viral_posts,
        arg_max(posts.post_id, posts.interactions) as top_viral_post_id,
        max(posts.interactions) as top_viral_post_interactions,
        max(posts.interactions)
        / greatest(any_value(posts.median_post_interactions), 1) as top_viral_post_ratio
    from spikes
    inner join viral_candidates as posts
        on
            spikes.platform = posts.platform
            and spikes.account_id = posts.account_id
            and posts.posted_date between spikes.spike_start
            - {{ var('viral_post_lead_days') }} and spikes.spike_end
    group by spikes.spike_id
),

new_followers as (
    select
        spikes.spike_id,
        count(*) as sampled_new_followers,
        count(*) filter (where profiles.is_suspicious) as suspicious_new_followers,
        count(*) filter (where profiles.followers_count < 5) as tiny_audience_new_followers
    from spikes
    inner join {{ ref('int_follower_profiles_scored') }} as profiles
        on
            spikes.platform = profiles.platform
            and spikes.account_id = profiles.account_id
            -- follower pulls may trail the count by a day
            and {{ utc_date('profiles.observed_at') }} between spikes.spike_start
            and spikes.spike_end + 1
    where
        {{ detect_as_of(
            'profiles.platform', 'profiles.account_id', utc_date('profiles.observed_at')
        ) }}
    group by spikes.spike_id
)

select
    spikes.*,
    accounts_with_posts.account_id is not null as has_post_data,
    activity.interactions_per_day,
    activity.usual_interactions_per_day,
    activity.usual_interactions_sd,
    activity.usual_impressions_sd,
    activity.usual_reach_sd,
    activity.usual_profile_views_sd,
    coalesce(activity.usual_lost_per_day, 0) as usual_lost_per_day,
    coalesce(rates.rate_days, 0) as exchange_rate_days,
    exchange.follows_per_interaction,
    exchange.follows_per_comment,
    exchange.follows_per_impression,
    exchange.follows_per_reach,
    exchange.follows_per_profile_view,
    -- a floor of 1 interaction a day keeps a silent account's ratio finite
    case
        when accounts_with_activity.account_id is not null
            then activity.interactions_per_day / greatest(activity.usual_interactions_per_day, 1)
    end as interactions_ratio,
    activity.comments_per_day,
    activity.usual_comments_per_day,
    case
        when accounts_with_activity.account_id is not null
            then activity.comments_per_day / greatest(activity.usual_comments_per_day, 1)
    end as comments_ratio,
    activity.posts_per_day,
    activity.usual_posts_per_day,
    activity.impressions_per_day,
    activity.usual_impressions_per_day,
    activity.impressions_per_day / nullif(activity.usual_impressions_per_day, 0)
        as impressions_ratio,
    activity.reach_per_day,
    activity.usual_reach_per_day,
    activity.reach_per_day / nullif(activity.usual_reach_per_day, 0) as reach_ratio,
    activity.profile_views_per_day,
    activity.usual_profile_views_per_day,
    activity.profile_views_per_day / nullif(activity.usual_profile_views_per_day, 0)
        as profile_views_ratio,
    coalesce(viral.viral_posts, 0) as viral_posts,
    viral.top_viral_post_id,
    viral.top_viral_post_interactions,
    viral.top_viral_post_ratio,
    coalesce(new_followers.sampled_new_followers, 0) as sampled_new_followers,
    coalesce(new_followers.suspicious_new_followers, 0) as suspicious_new_followers,
    new_followers.suspicious_new_followers / nullif(new_followers.sampled_new_followers, 0)
        as fake_share,
    new_followers.tiny_audience_new_followers
    / nullif(new_followers.sampled_new_followers, 0) as tiny_audience_share,
    coalesce(activity.lost_after, 0) as lost_after,
    coalesce(activity.days_after, 0) as days_after
from spikes
left join activity on spikes.spike_id = activity.spike_id
left join rates on spikes.spike_id = rates.spike_id
left join exchange on spikes.spike_id = exchange.spike_id
left join viral on spikes.spike_id = viral.spike_id
left join new_followers on spikes.spike_id = new_followers.spike_id
left join accounts_with_posts
    on
        spikes.platform = accounts_with_posts.platform
        and spikes.account_id = accounts_with_posts.account_id
left join accounts_with_activity
    on
        spikes.platform = accounts_with_activity.platform
        and spikes.account_id = accounts_with_activity.account_id
