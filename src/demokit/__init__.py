"""demokit: what every demo shares — backend bootstrap, seed CLI, feeds, theme, Makefile include."""
