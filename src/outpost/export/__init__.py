"""The exchange formats: STIX 2.1 (with TLP 2.0 markings), MISP event JSON and feeds, CSV and
GeoJSON. Pure: these modules take a `Selection` of records (already filtered by the viewer's
visibility in the services layer) and return documents; they never hold an Engine."""
