"""A Maillage node: storage, the HTTP server, replication, pages and the command line."""
