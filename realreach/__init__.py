"""realreach."""
