-- One row per account x follower, judged on the profile as first seen. quality_score is
-- P(genuine) from a logistic model fitted offline on real labelled profiles
-- (realreach_sim/follower_quality_fit.py writes seeds/follower_quality_coefficients.csv; the
-- formulas below must match its FEATURES). A signal the pull did not include takes the
-- feature's mean in the labelled data ("neutral"), so it moves the score neither way.
{%- set terms = [
    'ln_followers', 'ln_following', 'ln_follow_ratio', 'ln_posts', 'ln_likes', 'ln_listed',
    'ln_age_days', 'has_bio', 'has_location', 'has_url', 'name_has_space', 'username_digits'
] %}
{%- set fired = var('follower_quality_reason_log_odds', 1.0) %}

with first_seen as (
    select * from {{ ref('stg_x__followers') }}
    qualify row_number() over (
        partition by platform, account_id, follower_id
        order by observed_at asc, ingested_at desc
    ) = 1
),

coefficients as (
    -- one row: b_<term> (coefficient) and n_<term> (neutral value) for every term
    select
        {%- for term in ['intercept'] + terms %}
            max(coefficient) filter (where term = '{{ term }}') as b_{{ term }},
            max(neutral) filter (where term = '{{ term }}') as n_{{ term }},
        {%- endfor %}
        count(*) as terms
    from {{ ref('follower_quality_coefficients') }}
),

features as (
    select
        platform,
        account_id,
        follower_id,
        username,
        observed_at,
        followers_count,
        following_count,
        tweet_count,
        like_count,
        listed_count,
        case
            when profile_image_url is not null
                then contains(lower(profile_image_url), 'default_profile_images')
        end as has_default_avatar,
        date_diff('second', account_created_at, observed_at) / 86400.0 as account_age_days,
        -- the pull asked for the text fields when any of them came back; then an absent one
        -- is an empty one (X leaves empty fields out)
        coalesce(bio, location, profile_url, profile_image_url) is not null as text_known,
        -- (DuckDB's greatest() skips nulls: an unknown count must stay unknown, hence abs)
        ln(1 + (followers_count + abs(followers_count)) / 2) as ln_followers,
        ln(1 + (following_count + abs(following_count)) / 2) as ln_following,
        ln(
            (1 + (following_count + abs(following_count)) / 2)
            / pow(1 + (followers_count + abs(followers_count)) / 2, 2)
        ) as ln_follow_ratio,
        ln(1 + (tweet_count + abs(tweet_count)) / 2) as ln_posts,
        ln(1 + (like_count + abs(like_count)) / 2) as ln_likes,
        ln(1 + (listed_count + abs(listed_count)) / 2) as ln_listed,
        ln(
            1 + (
                date_diff('second', account_created_at, observed_at)
                + abs(date_diff('second', account_created_at, observed_at))
            ) / 172800.0
        ) as ln_age_days,
        case
            when coalesce(bio, location, profile_url, profile_image_url) is not null
                then coalesce(trim(bio) <> '', false)::int
        end as has_bio,
        case
            when coalesce(bio, location, profile_url, profile_image_url) is not null
                then coalesce(trim(location) <> '', false)::int
        end as has_location,
        case
            when coalesce(bio, location, profile_url, profile_image_url) is not null
                then coalesce(trim(profile_url) <> '', false)::int
        end as has_url,
        contains(trim(display_name), ' ')::int as name_has_space,
        case
            when username is not null
                then least(length(regexp_replace(username, '[^0-9]', '', 'g')), 8)
        end as username_digits
    from first_seen
),

contributions as (
    -- each term's push on the log-odds relative to a typical labelled profile
    select
        features.*,
        coefficients.b_intercept
        {%- for term in terms %}
            + coefficients.b_{{ term }} * coefficients.n_{{ term }}
        {%- endfor %} as typical_log_odds,
        {%- for term in terms %}
            coefficients.b_{{ term }}
            * (coalesce(features.{{ term }}, coefficients.n_{{ term }}) - coefficients.n_{{ term }})
                as c_{{ term }},
        {%- endfor %}
        {%- for term in terms %}
            (features.{{ term }} is not null)::int {{- " +" if not loop.last }}
        {%- endfor %} as known_signals
    from features
    cross join coefficients
),

scored as (
    select
        *,
        typical_log_odds
        {%- for term in terms %}
            + c_{{ term }}
        {%- endfor %} as log_odds
    from contributions
),

worded as (
    select
        *,
        round(1 / (1 + exp(-log_odds)), 4) as quality_score,
        -- the signals that pushed towards fake by more than the reason threshold, in words
        nullif(concat_ws(
            '; ',
            case
                when c_ln_following + c_ln_follow_ratio + c_ln_followers < -{{ fired }}
                    then
                        'follows ' || {{ fmt_int('following_count') }} || ' accounts with only '
                        || {{ fmt_int('followers_count') }} || ' followers'
            end,
            case
                when c_ln_posts < -{{ fired }} then {{ fmt_int('tweet_count') }} || ' posts'
            end,
            case
                when c_ln_likes < -{{ fired }} then {{ fmt_int('like_count') }} || ' likes'
            end,
            case when c_ln_listed < -{{ fired }} then 'on no lists' end,
            case
                when c_ln_age_days < -{{ fired }}
                    then
                        'account ' || floor(account_age_days)::bigint
                        || ' days old when first seen'
            end,
            case when c_has_bio < -{{ fired }} then 'empty bio' end,
            case when c_has_location < -{{ fired }} then 'location set' end,
            case when c_has_url < -{{ fired }} then 'no url' end,
            case when c_name_has_space < -{{ fired }} then 'two-word name' end,
            case when c_username_digits < -{{ fired }} then 'username without digits' end
        ), '') as warning_signs
    from scored
)

select
    platform,
    account_id,
    follower_id,
    username,
    observed_at,
    quality_score,
    quality_score < {{ var('follower_quality_threshold', 0.5) }} as is_suspicious,
    concat_ws(
        '; ',
        coalesce(warning_signs, 'no warning signs'),
        case when has_default_avatar then 'default avatar (not weighed)' end,
        case
            when followers_count is null and tweet_count is null
                then 'public metrics unknown'
        end
    ) as reasons,
    known_signals,
    has_default_avatar,
    has_bio = 0 as has_empty_bio,
    followers_count,
    following_count,
    tweet_count,
    like_count,
    listed_count,
    account_age_days
from worded
