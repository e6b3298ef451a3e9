"""Ingestion: read sources (files, web pages, feeds, channel exports) into stored articles.

The readers of every source kind; `outpost.services.ingest` stores what they read.
"""
