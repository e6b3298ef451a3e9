"""Responding together, as pure domain rules: people and their roles, the audit chain; later
sharing (TLP), cases and plans. Records in, records out: never an Engine."""
