"""The lowest layer: what every realreach package shares (settings, home folders, locks, the
contract's names, JSON and atomic files). It imports nothing of realreach, ingestion or
expectations, so those can all depend on it without depending on each other."""
