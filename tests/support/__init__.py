"""Helpers shared by the tests: builders, live nodes, HTTP, pages, push, polling."""
