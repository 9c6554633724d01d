-- One row per follower spike episode with a verdict and its evidence in words.
-- 'explained' when real activity accounts for the gain (a viral post, or interactions /
-- impressions well above the account's usual) in proportion to its size, or the new followers
-- sampled look genuine, unless they are overwhelmingly fake; otherwise 'suspicious'.
-- Proportion matters: a purchase can coincide with a good post, but 1,700 interactions do not
-- bring 178,000 followers. Activity explains at most max_follows_per_interaction follows per
-- extra interaction (or max_follows_per_impression per extra impression) - generous bounds:
-- a real viral post brings roughly 0.1 follows per interaction. suspicion_score weighs the
-- evidence that is known (missing evidence is left out of the average, not counted either
-- way) and falls in 0.5..1 for suspicious spikes and 0..0.49 for explained ones.
with spikes as (
    select * from {{ ref('int_follower_spikes_corroborated') }}
),

lifts as (
    select
        *,
        followers_gained / greatest(expected_gained + tolerance_sum, 1) as follower_lift,
        greatest(coalesce(interactions_ratio, 0), coalesce(impressions_ratio, 0)) as activity_lift,
        greatest(
            {{ var('max_follows_per_interaction', 1) }} * greatest(
                coalesce((interactions_per_day - usual_interactions_per_day) * duration_days, 0),
                coalesce(top_viral_post_interactions, 0)
            ),
            {{ var('max_follows_per_impression', 0.02) }}
            * coalesce((impressions_per_day - usual_impressions_per_day) * duration_days, 0)
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
                or interactions_ratio >= {{ var('activity_explains_ratio', 3) }}
                or impressions_ratio >= {{ var('activity_explains_ratio', 3) }}
            )
            and followers_gained - expected_gained <= explainable_followers,
            false
        ) as activity_explains,
        -- a sample of new followers is direct evidence either way once it has 20 profiles
        coalesce(
            sampled_new_followers >= {{ var('min_follower_sample', 20) }}
            and fake_share < {{ var('genuine_max_fake_share', 0.3) }},
            false
        ) as followers_look_genuine,
        coalesce(
            sampled_new_followers >= {{ var('min_follower_sample', 20) }}
            and fake_share >= {{ var('fakes_dominate_share', 0.8) }},
            false
        ) as fakes_dominate,
        -- evidence components, each 0 (innocent) .. 1 (bought), null when unknown
        case
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
            when (activity_explains or followers_look_genuine) and not fakes_dominate
                then 'explained'
            else 'suspicious'
        end as verdict,
        (
            0.35 * coalesce(unexplained_evidence, 0)
            + 0.35 * coalesce(fake_evidence, 0)
            + 0.15 * coalesce(purge_evidence, 0)
            + 0.15 * size_evidence
        ) / (
            0.35 * (unexplained_evidence is not null)::int
            + 0.35 * (fake_evidence is not null)::int
            + 0.15 * (purge_evidence is not null)::int
            + 0.15
        ) as evidence_score
    from judged
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
            when interactions_ratio is null then 'no post data to compare interactions'
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
            when sampled_new_followers > 0
                then
                    format('{:.0f}', 100 * fake_share) || '% of '
                    || {{ fmt_int('sampled_new_followers') }} || ' sampled new followers look fake'
            else 'no new follower profiles sampled'
        end,
        case
            when lost_after > 0
                then {{ fmt_int('lost_after') }} || ' lost within ' || days_after || ' days'
        end
    ) as reasons,
    viral_posts,
    top_viral_post_id,
    interactions_ratio,
    impressions_ratio,
    sampled_new_followers,
    suspicious_new_followers,
    fake_share,
    lost_after,
    days_after,
    includes_filled_days
from scored
