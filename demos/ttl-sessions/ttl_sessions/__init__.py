"""ttl-sessions — "The Memory Thief": an ephemeral session store on coodie TTLs."""
