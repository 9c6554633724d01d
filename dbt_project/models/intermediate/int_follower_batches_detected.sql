-- Batches of followers who followed together, found in one followers list (newest first):
-- a purchase shows as a run of consecutive followers whose accounts were created within a
-- narrow window, with low-quality profiles.
-- 1. dense members: a follower is dense when, among its neighbours (batch_window_half
--    positions either side), at least batch_min_cluster_share were created in the same
--    creation bin (bins of batch_creation_bin_days, counted twice with a half-bin shift so a
--    cluster on a bin edge is not split). Old organic audiences spread their creation dates
--    over years: a two-week bin holds a few percent of any neighbourhood.
-- 2. runs: dense members at most batch_max_gap positions apart form one run, from its first
--    to its last dense member. Members at the very edge of a batch have only half a
--    neighbourhood of batch-mates and can be left out: a batch is found slightly short rather
--    than widened into the genuine followers around it, whose newcomers would misdate it.
-- The fake share is the flagged share corrected for the classifier's measured error rates
-- (Rogan-Gladen). Follow window: Meeder's lower bound at the oldest and at the newest member.
{%- set half = var('batch_window_half') %}
{%- set bin_seconds = var('batch_creation_bin_days') * 86400 %}

with listed as (
    select
        *,
        floor(epoch(account_created_at) / {{ bin_seconds }}) as bin_a,
        floor(epoch(account_created_at) / {{ bin_seconds }} + 0.5) as bin_b
    from {{ ref('int_follower_lists_ranked') }}
),

neighbourhoods as (
    select
        *,
        count(account_created_at) over (
            partition by platform, account_id, bin_a
            order by list_rank
            range between {{ half }} preceding and {{ half }} following
        ) as same_bin_a,
        count(account_created_at) over (
            partition by platform, account_id, bin_b
            order by list_rank
            range between {{ half }} preceding and {{ half }} following
        ) as same_bin_b,
        count(*) over (
            partition by platform, account_id
            order by list_rank
            range between {{ half }} preceding and {{ half }} following
        ) as neighbourhood
    from listed
),

dense as (
    select
        *,
        list_rank - lag(list_rank) over (
            partition by platform, account_id order by list_rank
        ) as gap
    from neighbourhoods
    where
        account_created_at is not null
        and greatest(same_bin_a, same_bin_b)
        >= {{ var('batch_min_cluster_share') }} * neighbourhood
),

runs as (
    select
        platform,
        account_id,
        sum(case when gap is null or gap > {{ var('batch_max_gap') }} then 1 else 0 end)
            over (partition by platform, account_id order by list_rank) as run_number,
        list_rank,
        account_created_at
    from dense
),

spans as (
    select
        platform,
        account_id,
        run_number,
        min(account_created_at) as created_from,
        max(account_created_at) as created_to,
        min(list_rank) as first_position,
        max(list_rank) as last_position
    from runs
    group by platform, account_id, run_number
),

rates as (
    select
        sensitivity,
        specificity
    from {{ ref('follower_quality_error_rates') }}
),

batches as (
    select
        spans.platform,
        spans.account_id,
        spans.first_position,
        spans.last_position,
        spans.last_position - spans.first_position + 1 as followers,
        spans.created_from,
        spans.created_to,
        max(listed.follow_lower_bound) filter (
            where listed.list_rank = spans.last_position
        ) as followed_from,
        max(listed.follow_lower_bound) filter (
            where listed.list_rank = spans.first_position
        ) as followed_to,
        max(listed.pulled_at) as pulled_at,
        max(listed.audited_followers) as audited_followers,
        count(listed.is_suspicious) as profiles_judged,
        count(*) filter (where listed.is_suspicious) as profiles_flagged
    from spans
    inner join listed
        on
            spans.platform = listed.platform
            and spans.account_id = listed.account_id
            and listed.list_rank between spans.first_position and spans.last_position
    group by all
),

corrected as (
    select
        batches.*,
        batches.profiles_flagged::double / nullif(batches.profiles_judged, 0) as flagged_share,
        least(greatest(
            (
                batches.profiles_flagged::double / nullif(batches.profiles_judged, 0)
                + rates.specificity - 1
            )
            / (rates.sensitivity + rates.specificity - 1),
            0
        ), 1) as fake_share
    from batches
    cross join rates
    where batches.followers >= {{ var('batch_min_followers') }}
)

select
    platform,
    account_id,
    platform || ':' || account_id || ':' || first_position as batch_id,
    first_position,
    last_position,
    followers,
    created_from,
    created_to,
    followed_from,
    followed_to,
    flagged_share,
    fake_share,
    round(followers * coalesce(fake_share, 0))::bigint as fake_followers_est,
    case
        when fake_share >= {{ var('batch_min_fake_share') }} then 'suspicious' else 'organic'
    end as verdict,
    pulled_at,
    audited_followers
from corrected
