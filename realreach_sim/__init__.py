"""Synthetic exports of every platform and landing kind, with labelled events.

One simulation per account drives all of its platform's formats, so the numbers reconcile;
``labels.json`` says what was injected (bought followers, viral posts, giveaways, paid campaigns,
platform purges, missing pulls) for judging a detector.
"""

from realreach_sim.generator import AVAILABLE_PLATFORMS, SCENARIOS, GenerationResult, generate

__all__ = ["AVAILABLE_PLATFORMS", "SCENARIOS", "GenerationResult", "generate"]
