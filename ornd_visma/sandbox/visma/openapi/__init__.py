"""Visma's OpenAPI document for eAccounting API v2 (data only; a package so it ships)."""
