-- One row per follower spike episode with a verdict and its evidence in words.
-- 'explained' when something real accounts for the gain, unless at least half of the new
-- followers sampled look fake: gains the platform attributes to paid campaigns (LinkedIn), a
-- giveaway (comments jump: entrants comment), a viral post or interactions / impressions /
-- reach / profile views well above the account's usual - in proportion to the gain -, or new
-- followers sampled that look genuine. A spike barely above the band with no follower evidence
-- is not called bought either. Otherwise 'suspicious'.
-- Proportion matters: a purchase can coincide with a good post, but 1,700 interactions do not
-- bring 178,000 followers. Activity explains at most max_follows_per_interaction follows per
-- extra interaction (or max_follows_per_impression per extra impression) - generous bounds:
-- a real viral post brings roughly 0.1 follows per interaction.
-- suspicion_score: a weighted mean of the evidence that is known (unexplained by activity 0.4,
-- share of fake new followers 0.4, size 0.2; unknown evidence is left out, not counted either
-- way), then a purge afterwards takes it half the remaining way to 1. It falls in 0.5..1 for
-- suspicious spikes and 0..0.49 for explained ones.
with spikes as (
    select * from {{ ref('int_follower_spikes_corroborated') }}
),

lifts as (
    select
        *,
        followers_gained / greatest(expected_gained + tolerance_sum, 1) as follower_lift,
        greatest(
            coalesce(interactions_ratio, 0),
            coalesce(impressions_ratio, 0),
            coalesce(reach_ratio, 0),
            coalesce(profile_views_ratio, 0)
        ) as activity_lift,
        coalesce(paid_followers_gained, 0)
        / greatest(followers_gained - expected_gained, 1) as paid_share,
        coalesce(
            comments_ratio >= {{ var('activity_explains_ratio', 3) }}
            and (comments_per_day - usual_comments_per_day) * duration_days
            >= {{ var('giveaway_min_extra_comments', 5) }}
            -- entrants comment and more people just follow: a milder jump explains 10 follows per
            -- extra comment, comments many times the usual over the whole spike ten times that
            and followers_gained - expected_gained
            <= case
                when comments_ratio >= {{ var('giveaway_strong_ratio', 6) }}
                    then 10 * {{ var('max_follows_per_comment', 10) }}
                else {{ var('max_follows_per_comment', 10) }}
            end
            * (comments_per_day - usual_comments_per_day) * duration_days,
            false
        ) as giveaway_explains,
        greatest(
            {{ var('max_follows_per_interaction', 1) }} * greatest(
                coalesce((interactions_per_day - usual_interactions_per_day) * duration_days, 0),
                coalesce(top_viral_post_interactions, 0)
            ),
            {{ var('max_follows_per_impression', 0.02) }} * greatest(
                coalesce((impressions_per_day - usual_impressions_per_day) * duration_days, 0),
                coalesce((reach_per_day - usual_reach_per_day) * duration_days, 0)
            ),
            {{ var('max_follows_per_profile_view', 1) }}
            * coalesce((profile_views_per_day - usual_profile_views_per_day) * duration_days, 0)
        ) as explainable_followers
    from spikes
),

judged as (
    select
        *,
        followers_gained - expected_gained <= explainable_followers as activity_proportionate,
        coalesce(
            (
                viral_posts > 0
                or activity_lift >= {{ var('activity_explains_ratio', 3) }}
            )
            and followers_gained - expected_gained <= explainable_followers,
            false
        ) as activity_explains,
        -- a sample of new followers is direct evidence either way once it has 20 profiles
        -- (or half the excess, at least 5, for a small spike: +8 cannot yield 20)
        coalesce(
            sampled_new_followers >= least(
                {{ var('min_follower_sample', 20) }},
                greatest(5, 0.5 * (followers_gained - expected_gained))
            )
            and fake_share < {{ var('genuine_max_fake_share', 0.3) }},
            false
        ) as followers_look_genuine,
        coalesce(
            sampled_new_followers >= least(
                {{ var('min_follower_sample', 20) }},
                greatest(5, 0.5 * (followers_gained - expected_gained))
            )
            and fake_share >= {{ var('fakes_dominate_share', 0.5) }},
            false
        ) as fakes_dominate,
        -- evidence components, each 0 (innocent) .. 1 (bought), null when unknown
        case
            when paid_share >= {{ var('paid_explains_share', 0.5) }} or giveaway_explains then 0.0
            when interactions_ratio is null and impressions_ratio is null then null
            when
                followers_gained - expected_gained > explainable_followers
                and (viral_posts > 0 or activity_lift >= {{ var('activity_explains_ratio', 3) }})
                then 1.0
            when viral_posts > 0 then 0.0
            else
                greatest(0, least(1, (3 - activity_lift) / 2))
        end as unexplained_evidence,
        case when sampled_new_followers >= 5 then fake_share end as fake_evidence,
        -- a purge is evidence when it happens; its absence says little (platforms are slow)
        case when lost_after > 0 then least(1, 2 * lost_after / greatest(followers_gained, 1)) end
            as purge_evidence,
        greatest(0, least(1, log10(greatest(follower_lift, 1)) / 2)) as size_evidence
    from lifts
),

scored as (
    select
        *,
        case
            when
                (
                    activity_explains
                    or giveaway_explains
                    or paid_share >= {{ var('paid_explains_share', 0.5) }}
                    or followers_look_genuine
                )
                and not fakes_dominate
                then 'explained'
            -- barely above the usual range and nothing else points to a purchase: daily gains
            -- have heavier tails than any band, so this is more often noise than fraud
            when
                fake_evidence is null
                and follower_lift < {{ var('min_lift_without_evidence', 1.3) }}
                then 'explained'
            else 'suspicious'
        end as verdict,
        (
            0.4 * coalesce(unexplained_evidence, 0)
            + 0.4 * coalesce(fake_evidence, 0)
            + 0.2 * size_evidence
        ) / (
            0.4 * (unexplained_evidence is not null)::int
            + 0.4 * (fake_evidence is not null)::int
            + 0.2
        ) as base_score
    from judged
),

with_aftermath as (
    select
        *,
        -- a purge afterwards only ever adds suspicion: half the remaining distance to 1
        base_score + (1 - base_score) * 0.5 * coalesce(purge_evidence, 0) as evidence_score
    from scored
)

select
    spike_id,
    platform,
    account_id,
    spike_start,
    spike_end,
    duration_days,
    followers_gained,
    expected_gained,
    round(
        case
            when verdict = 'explained' then least(evidence_score, 0.49)
            else greatest(evidence_score, 0.5)
        end, 3
    ) as suspicion_score,
    verdict,
    concat_ws(
        '; ',
        '+' || {{ fmt_int('followers_gained') }} || ' in ' || duration_days
        || case when duration_days = 1 then ' day' else ' days' end
        || ' vs ~' || {{ fmt_int('expected_gained') }} || ' expected',
        case
            when viral_posts > 0
                then
                    'viral post ' || top_viral_post_id || ' ('
                    || {{ fmt_int('top_viral_post_interactions') }} || ' interactions, '
                    || {{ fmt_int('top_viral_post_ratio') }} || 'x the usual post)'
        end,
        case
            when
                fake_evidence is null
                and follower_lift < {{ var('min_lift_without_evidence', 1.3) }}
                then
                    'only ' || format('{:.1f}', follower_lift)
                    || 'x the top of the usual range and no other sign of a purchase'
        end,
        case
            when paid_followers_gained > 0
                then
                    {{ fmt_int('paid_followers_gained') }}
                    || ' from paid campaigns (advertising, not fraud)'
        end,
        case
            when giveaway_explains
                then
                    'comments up ' || format('{:.1f}', comments_ratio)
                    || 'x usual (a giveaway: entrants comment)'
        end,
        case
            when interactions_ratio is null then 'no activity data to compare interactions'
            else
                'interactions '
                || case
                    when interactions_ratio >= {{ var('activity_explains_ratio', 3) }} then 'up'
                    when interactions_ratio >= 1.5 then 'somewhat up'
                    when interactions_ratio >= 0.5 then 'flat'
                    else 'down'
                end
                || ' (' || format('{:.1f}', interactions_ratio) || 'x usual)'
        end,
        case
            when
                (viral_posts > 0 or activity_lift >= {{ var('activity_explains_ratio', 3) }})
                and not activity_proportionate
                then
                    'that activity explains at most ~' || {{ fmt_int('explainable_followers') }}
                    || ' new followers'
        end,
        case
            when impressions_ratio is not null
                then 'impressions ' || format('{:.1f}', impressions_ratio) || 'x usual'
        end,
        case
            when reach_ratio is not null
                then 'reach ' || format('{:.1f}', reach_ratio) || 'x usual'
        end,
        case
            when profile_views_ratio is not null
                then 'profile views ' || format('{:.1f}', profile_views_ratio) || 'x usual'
        end,
        case
            when sampled_new_followers > 0
                then
                    format('{:.0f}', 100 * fake_share) || '% of '
                    || {{ fmt_int('sampled_new_followers') }} || ' sampled new followers look fake'
            else 'no new follower profiles sampled'
        end,
        case
            when sampled_new_followers > 0 and tiny_audience_share >= 0.5
                then
                    format('{:.0f}', 100 * tiny_audience_share)
                    || '% have < 5 followers of their own'
        end,
        case
            when lost_after > 0
                then {{ fmt_int('lost_after') }} || ' lost within ' || days_after || ' days'
        end
    ) as reasons,
    viral_posts,
    top_viral_post_id,
    interactions_ratio,
    comments_ratio,
    impressions_ratio,
    reach_ratio,
    profile_views_ratio,
    paid_followers_gained,
    sampled_new_followers,
    suspicious_new_followers,
    fake_share,
    lost_after,
    days_after,
    includes_filled_days
from with_aftermath
