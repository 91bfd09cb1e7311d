"""Tests of the printer package, against the real simulator over real ptys and TCP."""
