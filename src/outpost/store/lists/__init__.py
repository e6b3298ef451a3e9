"""The lists the API and the pages show: events, articles, stories, places, actors, the map.

Each takes a Connection, the filters (outpost.services.paging.Filters, read through the
`Wanted` protocol so this layer does not import the services), and a `Slice`: the sort, the
key of the last item already shown, and how many. It answers a `Listed`: the items, the total
matching the same filters, and the key to continue after (None on the last page). Nothing
here parses JSON or joins more than a filter needs: what the filters read is in columns
(migration 0008) with an index for each common filter that ends with the sort key.
"""
