"""Adapters: SQL repositories, the channels' providers, templates and calendar files."""
