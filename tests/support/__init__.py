"""Helpers for the tests: tests.support.postgres gives a throwaway PostgreSQL server."""
