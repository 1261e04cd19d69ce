"""Salesforce mock (HTTPS): OAuth token, sObject upsert, composite collections, Bulk API 2.0 ingest, SOQL."""
