"""lwt-user-registry — "The Identity Wars": coodie's lightweight transactions guard every identity."""
