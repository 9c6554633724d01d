"""Synthetic platform exports with labelled events (bought followers, viral posts, gaps)."""

from realreach.generate.generator import AVAILABLE_PLATFORMS, GenerationResult, generate

__all__ = ["AVAILABLE_PLATFORMS", "GenerationResult", "generate"]
