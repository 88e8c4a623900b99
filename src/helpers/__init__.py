"""Helpers for the Japan–U.S.–Korea Public Perception Survey (2025) analysis."""
