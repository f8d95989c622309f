"""Fixtures for the reception tests: the movements world (people who arrive)."""

from ikaze.movements.tests.conftest import world

__all__ = ["world"]
