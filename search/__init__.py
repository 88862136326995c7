"""The local full-text index: a projection of the store, rebuildable at any time."""
