"""Offline speech (espeak-ng clips cached on disk, playback sinks, Mandarin number readings) for the hall board's calls and the kiosk's elder mode."""
