"""Bounds at the edge, one definition each: safe text, time windows in Europe/Oslo, and identifiers of places
and people. Every service's request models and checks use these, so the OpenAPI and the server say the same."""
