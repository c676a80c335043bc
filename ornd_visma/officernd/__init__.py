"""OfficeRnD Flex API v2: what the pipeline knows about it (collections, filters, scopes)."""
