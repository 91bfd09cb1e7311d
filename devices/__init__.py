"""Serial scanners, call pads, evaluation keypads, camera (OpenCV), device health, simulators."""
