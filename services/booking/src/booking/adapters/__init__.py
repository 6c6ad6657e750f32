"""Adapters: SQL repositories and the calendar renderer."""
