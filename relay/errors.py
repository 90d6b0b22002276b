"""Failures of the Kafka side that a user can fix: reported as one line, never a traceback.

Kept free of any Kafka import so the command line can name these errors without loading
a Kafka client (the embedded default runs with no broker and no client library in use).
"""
from __future__ import annotations


class RelayError(Exception):
    """An expected Kafka-side failure with a one-line reason."""


class BrokerUnavailable(RelayError):
    """The broker cannot be reached, or did not acknowledge in time: nothing was checkpointed."""
