"""Ingestion: read sources (files, web pages, feeds, channel exports) into stored articles.

The entry point is `outpost.ingest.run.ingest`.
"""
