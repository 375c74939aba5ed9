"""Statement execution, organised by statement family (like fakeredis by command family)."""
