"""Writes to municipalities: reference data, the SDG status, snapshots and invitations."""

from .reference import known_pilots, reference_data_load

__all__ = ["known_pilots", "reference_data_load"]
