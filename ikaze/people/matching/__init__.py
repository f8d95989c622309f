"""Identity resolution: who in an incoming batch is already known, under whatever spelling.

Pure Python, Polars, DuckDB and Splink; no Django models. The engine scores pairs and never
merges anyone: turning pairs into adjudication tickets is the people app's job.
"""

from ikaze.people.matching.engine import PAIR_SCHEMA, Matcher
from ikaze.people.matching.features import MATCH_COLUMNS

__all__ = ["MATCH_COLUMNS", "PAIR_SCHEMA", "Matcher"]
