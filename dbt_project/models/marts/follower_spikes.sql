-- One row per follower spike episode with a verdict and its evidence in words. Three verdicts:
-- * 'explained': something real accounts for the gain, unless at least half of the new
--   followers sampled look fake: gains the platform attributes to paid campaigns (LinkedIn), a
--   giveaway (comments jump: entrants comment), a viral post or activity lifted beyond the
--   account's own day-to-day swings (interactions, impressions, reach, profile views) - in
--   proportion: the excess must fit the account's OWN exchange rates (follows per interaction /
--   impression / reached account / profile view on its clean days, shrunk towards a prior,
--   times exchange_rate_upper_multiple) -, or new followers sampled that look genuine.
-- * 'suspicious': positive evidence of a purchase: fake-looking new followers; a magnitude far
--   beyond anything organic for this account (tail z >= suspicious_tail_z AND at least
--   suspicious_max_multiple times its largest organic day / week); follows up while every
--   activity signal stays flat (tail z >= flat_suspicious_tail_z); or losses in the weeks after
--   beyond the account's usual (a purge) on a spike that is already unusual.
-- * 'unexplained': abnormal for this account, but nothing says bought (heavy-tailed organic
--   days). Shown in the marts and the report, never alerted: the spike suite and the alerts
--   read 'suspicious' only.
-- A suspicious batch in a followers list (int_follower_batches_detected) dated to the spike
-- whose estimated fakes cover batch_spike_min_share of the excess condemns it like fake-looking
-- new followers do.
-- suspicion_score: a weighted mean of the evidence that is known (unexplained by activity 0.4,
-- share of fake new followers 0.4, size 0.2; unknown evidence is left out), then a purge takes
-- it half the remaining way to 1. Suspicious 0.5..1, explained 0..0.49, unexplained 0..0.49.
with episodes as (
    select * from {{ ref('int_follower_spikes_corroborated') }}
),

-- Suspicious batches in a followers list (fct_follower_batches) dated to this spike: accounts
-- created together that followed together are a purchase's fingerprint, found without daily
-- counts and independent of the activity evidence.
batched as (
    select
        episodes.spike_id,
        count(*) as suspicious_batches,
        sum(batches.followers) as batch_followers,
        sum(batches.fake_followers_est) as batch_fake_followers,
        min(batches.created_from) as batch_created_from,
        max(batches.created_to) as batch_created_to
    from episodes
    inner join {{ ref('int_follower_batches_detected') }} as batches
        on
            episodes.platform = batches.platform
            and episodes.account_id = batches.account_id
            and batches.verdict = 'suspicious'
            and batches.followed_to::date
            between episodes.spike_start - {{ var('batch_spike_overlap_days') }}
            and episodes.spike_end + {{ var('batch_spike_overlap_days') }}
    group by episodes.spike_id
),

spikes as (
    select
        episodes.*,
        coalesce(batched.suspicious_batches, 0) as suspicious_batches,
        batched.batch_followers,
        batched.batch_fake_followers,
        batched.batch_created_from,
        batched.batch_created_to
    from episodes
    left join batched on episodes.spike_id = batched.spike_id
),

lifts as (
    select
        *,
        greatest(followers_gained - expected_gained, 0) as excess,
        greatest(
            coalesce(interactions_ratio, 0),
            coalesce(impressions_ratio, 0),
            coalesce(reach_ratio, 0),
            coalesce(profile_views_ratio, 0)
        ) as activity_lift,
        -- a signal is up when it is several times its usual AND beyond its own day-to-day swings
        -- (the mean of duration_days days varies by sd / sqrt(days))
        {% for signal in ['interactions', 'impressions', 'reach', 'profile_views'] %}
            coalesce({{ signal }}_ratio >= {{ var('activity_explains_ratio') }}, false)
            and coalesce(
                {{ signal }}_per_day - usual_{{ signal }}_per_day
                >= {{ var('activity_lift_sigmas') }}
                * coalesce(usual_{{ signal }}_sd, 0) / sqrt(duration_days),
                true
            ) as {{ signal }}_up,
            -- not up at all: below the flat ratio, or below a clear lift and within its
            -- own swings (a paid campaign doubles impressions; a purchase leaves them be)
            case
                when {{ signal }}_ratio is not null
                    then
                        {{ signal }}_ratio < {{ var('activity_flat_ratio') }}
                        or {{ signal }}_ratio < {{ var('activity_clear_lift_ratio') }}
                        and coalesce(
                            {{ signal }}_per_day - usual_{{ signal }}_per_day
                            < {{ var('activity_lift_sigmas') }}
                            * coalesce(usual_{{ signal }}_sd, 0) / sqrt(duration_days),
                            false
                        )
            end as {{ signal }}_flat,
        {% endfor %}
        coalesce(paid_followers_gained, 0)
        / greatest(followers_gained - expected_gained, 1) as paid_share,
        coalesce(
            comments_ratio >= {{ var('activity_explains_ratio') }}
            and (comments_per_day - usual_comments_per_day) * duration_days
            >= {{ var('giveaway_min_extra_comments') }}
            -- entrants comment and more people just follow: a milder jump explains 10 follows per
            -- extra comment, comments many times the usual over the whole spike ten times that
            and followers_gained - expected_gained
            <= case
                when comments_ratio >= {{ var('giveaway_strong_ratio') }}
                    then 10 * {{ var('max_follows_per_comment') }}
                else {{ var('max_follows_per_comment') }}
            end
            * (comments_per_day - usual_comments_per_day) * duration_days,
            false
        ) as giveaway_explains,
        -- what the extra activity can bring at this account's own exchange rates, generously
        -- (never below the prior: an X account's clean days may net ~0 follows)
        {{ var('exchange_rate_upper_multiple') }} * greatest(
            greatest(
                coalesce(follows_per_interaction, 0), {{ var('prior_follows_per_interaction') }}
            )
            * greatest(
                coalesce((interactions_per_day - usual_interactions_per_day) * duration_days, 0),
                coalesce(top_viral_post_interactions, 0)
            ),
            greatest(coalesce(follows_per_impression, 0), {{ var('prior_follows_per_impression') }})
            * coalesce((impressions_per_day - usual_impressions_per_day) * duration_days, 0),
            greatest(coalesce(follows_per_reach, 0), {{ var('prior_follows_per_impression') }})
            * coalesce((reach_per_day - usual_reach_per_day) * duration_days, 0),
            greatest(
                coalesce(follows_per_profile_view, 0), {{ var('prior_follows_per_profile_view') }}
            )
            * coalesce((profile_views_per_day - usual_profile_views_per_day) * duration_days, 0)
        ) as explainable_followers
    from spikes
),

judged as (
    select
        *,
        interactions_up or impressions_up or reach_up or profile_views_up as activity_up,
        -- every signal we have stays flat (unknown when there is no activity data at all)
        case
            when
                interactions_flat is not null
                or impressions_flat is not null
                or reach_flat is not null
                or profile_views_flat is not null
                then
                    coalesce(interactions_flat, true)
                    and coalesce(impressions_flat, true)
                    and coalesce(reach_flat, true)
                    and coalesce(profile_views_flat, true)
                    and viral_posts = 0
        end as activity_flat,
        excess <= explainable_followers as activity_proportionate,
        -- a sample of new followers is direct evidence either way once it has 20 profiles
        -- (or half the excess, at least 5, for a small spike: +8 cannot yield 20)
        coalesce(
            sampled_new_followers >= least(
                {{ var('min_follower_sample') }}, greatest(5, 0.5 * excess)
            )
            and fake_share < {{ var('genuine_max_fake_share') }},
            false
        ) as followers_look_genuine,
        coalesce(
            sampled_new_followers >= least(
                {{ var('min_follower_sample') }}, greatest(5, 0.5 * excess)
            )
            and fake_share >= {{ var('fakes_dominate_share') }},
            false
        ) as fakes_dominate,
        -- losses after the spike beyond the account's usual losses over as many days
        greatest(lost_after - coalesce(usual_lost_per_day, 0) * days_after, 0) as extra_lost_after,
        tail_z >= {{ var('suspicious_tail_z') }}
        and organic_max_multiple >= {{ var('suspicious_max_multiple') }} as beyond_organic,
        -- a batch of fakes created together covers a good part of the excess
        coalesce(
            excess > 0
            and batch_fake_followers >= {{ var('batch_spike_min_share') }} * excess,
            false
        ) as batch_covers
    from lifts
),

evidence as (
    select
        *,
        -- any signal beyond its own swings (a paid campaign doubles impressions, it need not
        -- triple them), in proportion at the account's own rates
        coalesce(
            (viral_posts > 0 or activity_up or not activity_flat) and activity_proportionate,
            false
        ) as activity_explains,
        coalesce(
            extra_lost_after >= {{ var('purge_min_share') }} * excess
            and excess > 0
            and tail_z >= {{ var('flat_suspicious_tail_z') }},
            false
        ) as purged_after,
        -- evidence components, each 0 (innocent) .. 1 (bought), null when unknown
        case
            when paid_share >= {{ var('paid_explains_share') }} or giveaway_explains then 0.0
            when activity_flat is null then null
            when (viral_posts > 0 or activity_up) and not activity_proportionate then 1.0
            when viral_posts > 0 or activity_up then 0.0
            when activity_flat then 1.0
            else 0.5
        end as unexplained_evidence,
        case
            when batch_covers
                then greatest(coalesce(fake_share, 0), batch_fake_followers / batch_followers)
            when sampled_new_followers >= 5 then fake_share
        end as fake_evidence,
        -- a purge is evidence when it happens; its absence says little (platforms are slow)
        case
            when extra_lost_after > 0
                then least(1, 2 * extra_lost_after / greatest(followers_gained, 1))
        end as purge_evidence,
        greatest(0, least(1, log10(greatest(organic_max_multiple, 1)) / 2)) as size_evidence
    from judged
),

scored as (
    select
        *,
        case
            when
                (
                    activity_explains
                    or giveaway_explains
                    or paid_share >= {{ var('paid_explains_share') }}
                    or followers_look_genuine
                )
                and not fakes_dominate
                and not batch_covers
                then 'explained'
            when fakes_dominate or batch_covers then 'suspicious'
            when beyond_organic then 'suspicious'
            when activity_flat and tail_z >= {{ var('flat_suspicious_tail_z') }} then 'suspicious'
            when purged_after then 'suspicious'
            else 'unexplained'
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
    from evidence
),

with_aftermath as (
    select
        *,
        -- a purge afterwards only ever adds suspicion: half the remaining distance to 1
        base_score + (1 - base_score) * 0.5 * coalesce(purge_evidence, 0) as evidence_score
    from scored
),

-- who the account is, so an alert and a BI user read a name, not an id
named as (
    select
        with_aftermath.*,
        account_names.handle,
        account_names.owner,
        account_names.role,
        account_names.profile_url
    from with_aftermath
    left join {{ ref('int_account_names_latest') }} as account_names
        on
            with_aftermath.platform = account_names.platform
            and with_aftermath.account_id = account_names.account_id
)

select
    spike_id,
    platform,
    account_id,
    handle,
    owner,
    role,
    profile_url,
    spike_start,
    spike_end,
    duration_days,
    followers_gained,
    expected_gained,
    round(
        case
            when verdict != 'suspicious' then least(evidence_score, 0.49)
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
        -- how unusual for THIS account: a tail probability of its own NB model, and a multiple
        -- of its largest organic day / week
        case
            when tail_probability is not null
                then
                    case
                        when tail_probability < 1e-9
                            then 'less than once in a billion days for this account'
                        else
                            'once in ~' || {{ fmt_int('1 / greatest(tail_probability, 1e-9)') }}
                            || ' days for this account'
                    end
                    || '; ' || format('{:.1f}', organic_max_multiple)
                    || 'x its largest organic day or week'
        end,
        case
            when verdict = 'unexplained'
                then 'unusual for this account, but nothing says bought (not alerted)'
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
                    when interactions_up then 'up'
                    when interactions_ratio < 0.5 then 'down'
                    when interactions_flat then 'flat'
                    else 'somewhat up'
                end
                || ' (' || format('{:.1f}', interactions_ratio) || 'x usual)'
        end,
        case
            when
                (viral_posts > 0 or activity_up)
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
            when suspicious_batches > 0
                then
                    {{ fmt_int('batch_followers') }} || ' followed in a batch of accounts created '
                    || strftime(batch_created_from, '%Y-%m-%d') || '..'
                    || strftime(batch_created_to, '%Y-%m-%d') || ' (~'
                    || {{ fmt_int('batch_fake_followers') }} || ' look fake)'
        end,
        case
            when lost_after > 0
                then
                    {{ fmt_int('lost_after') }} || ' lost within ' || days_after || ' days'
                    || case
                        when extra_lost_after < lost_after
                            then ' (' || {{ fmt_int('extra_lost_after') }} || ' beyond the usual)'
                        else ''
                    end
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
    suspicious_batches,
    batch_followers,
    batch_fake_followers,
    includes_filled_days,
    round(tail_z, 2) as tail_z,
    tail_probability,
    round(organic_max_multiple, 2) as organic_max_multiple,
    round(dispersion, 3) as dispersion,
    activity_flat
from named
