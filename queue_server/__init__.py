"""Queue server of a government service hall: the hall engine, its store, the ZeroMQ hall loop
and the HTTP API. See README.md for the picture."""
