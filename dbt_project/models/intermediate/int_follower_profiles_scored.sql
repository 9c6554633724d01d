-- One row per account x follower, judged on the profile as first seen. quality_score is a
-- logistic score from published fake-follower signals: each known signal moves the log-odds,
-- an unknown one (e.g. public_metrics missing from the pull) moves nothing, so a profile we
-- know nothing about keeps the prior (~0.82) instead of being called fake.
with first_seen as (
    select * from {{ ref('stg_x__followers') }}
    qualify row_number() over (
        partition by platform, account_id, follower_id
        order by observed_at asc, ingested_at desc
    ) = 1
),

signals as (
    select
        platform,
        account_id,
        follower_id,
        username,
        observed_at,
        followers_count,
        following_count,
        tweet_count,
        case
            when profile_image_url is not null
                then contains(lower(profile_image_url), 'default_profile_images')
        end as has_default_avatar,
        case when bio is not null then trim(bio) = '' end as has_empty_bio,
        date_diff('day', account_created_at, observed_at) as account_age_days,
        -- following >> followers is the strongest single tell; squaring followers keeps real
        -- users who follow a few hundred with a modest audience well below 1
        case
            when following_count is not null and followers_count is not null
                then following_count / pow(greatest(followers_count, 1), 2)
        end as follow_ratio
    from first_seen
),

weighted as (
    select
        *,
        1.5
        + case
            when has_default_avatar then -1.5
            when not has_default_avatar then 0.3
            else 0
        end
        + case
            when has_empty_bio then -1.0
            when not has_empty_bio then 0.3
            else 0
        end
        + case
            when followers_count < 5 then -2.0
            when followers_count < 25 then -1.0
            when followers_count >= 100 then 1.0
            else 0
        end
        + case
            when tweet_count < 3 then -1.5
            when tweet_count < 20 then -0.7
            when tweet_count >= 100 then 0.7
            else 0
        end
        + case
            when following_count >= 50 and follow_ratio >= 1 then -2.0
            when following_count >= 50 and follow_ratio >= 0.1 then -1.0
            else 0
        end
        + case
            when account_age_days < 30 then -1.5
            when account_age_days < 180 then -0.5
            when account_age_days >= 730 then 0.5
            else 0
        end as log_odds
    from signals
),

scored as (
    select
        *,
        round(1 / (1 + exp(-log_odds)), 3) as quality_score,
        nullif(concat_ws(
            '; ',
            case when has_default_avatar then 'default avatar' end,
            case when has_empty_bio then 'empty bio' end,
            case
                when followers_count < 25 then {{ fmt_int('followers_count') }} || ' followers'
            end,
            case when tweet_count < 20 then {{ fmt_int('tweet_count') }} || ' posts' end,
            case
                when following_count >= 50 and follow_ratio >= 0.1
                    then
                        'follows ' || {{ fmt_int('following_count') }} || ' accounts with only '
                        || {{ fmt_int('followers_count') }} || ' followers'
            end,
            case
                when account_age_days < 180
                    then 'account ' || account_age_days || ' days old when first seen'
            end
        ), '') as warning_signs,
        (has_default_avatar is not null)::int
        + (has_empty_bio is not null)::int
        + (followers_count is not null)::int
        + (tweet_count is not null)::int
        + (follow_ratio is not null)::int
        + (account_age_days is not null)::int as known_signals
    from weighted
)

select
    platform,
    account_id,
    follower_id,
    username,
    observed_at,
    quality_score,
    quality_score < 0.5 as is_suspicious,
    concat_ws(
        '; ',
        coalesce(warning_signs, 'no warning signs'),
        case
            when followers_count is null and tweet_count is null
                then 'public metrics unknown'
        end
    ) as reasons,
    known_signals,
    has_default_avatar,
    has_empty_bio,
    followers_count,
    following_count,
    tweet_count,
    account_age_days
from scored
