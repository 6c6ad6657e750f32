"""Test helpers shared by the outreach services (the pytest plugin lives in pytest_plugin)."""
