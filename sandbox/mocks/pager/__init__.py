"""Pager / chat webhook mock: POST /alerts, GET /alerts."""
