-- The fake share of each account's audited followers list (the newest pages: not a random
-- sample of the audience), from the classifier's flags corrected for its measured error
-- rates (Rogan-Gladen: (p + specificity - 1) / (sensitivity + specificity - 1)), with a 95%
-- Wilson interval on the flagged share carried through the same correction.
with lists as (
    select
        platform,
        account_id,
        max(pulled_at) as pulled_at,
        count(*) as audited_followers,
        count(is_suspicious) as profiles_judged,
        count(*) filter (where is_suspicious) as profiles_flagged
    from {{ ref('int_follower_lists_ranked') }}
    group by platform, account_id
),

rates as (
    select
        sensitivity,
        specificity
    from {{ ref('follower_quality_error_rates') }}
),

wilson as (
    select
        lists.*,
        rates.sensitivity,
        rates.specificity,
        lists.profiles_flagged::double / lists.profiles_judged as flagged_share,
        (
            lists.profiles_flagged::double / lists.profiles_judged
            + 1.96 ^ 2 / (2 * lists.profiles_judged)
        ) / (1 + 1.96 ^ 2 / lists.profiles_judged) as centre,
        1.96 / (1 + 1.96 ^ 2 / lists.profiles_judged) * sqrt(
            lists.profiles_flagged::double / lists.profiles_judged
            * (1 - lists.profiles_flagged::double / lists.profiles_judged)
            / lists.profiles_judged
            + 1.96 ^ 2 / (4 * lists.profiles_judged ^ 2)
        ) as half_width
    from lists
    cross join rates
    where lists.profiles_judged > 0
)

select
    platform,
    account_id,
    pulled_at,
    audited_followers,
    profiles_judged,
    profiles_flagged,
    flagged_share,
    least(greatest(
        (flagged_share + specificity - 1) / (sensitivity + specificity - 1), 0
    ), 1) as fake_share,
    least(greatest(
        (centre - half_width + specificity - 1) / (sensitivity + specificity - 1), 0
    ), 1) as fake_share_low,
    least(greatest(
        (centre + half_width + specificity - 1) / (sensitivity + specificity - 1), 0
    ), 1) as fake_share_high
from wilson
