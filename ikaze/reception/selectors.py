"""Reads of reception, scoped to the actor."""
