"""vector-search — "The Embedding Dimension": semantic product search with coodie and ScyllaDB ANN."""
