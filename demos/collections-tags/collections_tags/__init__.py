"""collections-tags — "The Infinite Taxonomy": list, set, map, frozen and UDT columns with coodie."""
