"""Resident ID card reader: SAM serial protocol, card parser, ID-number checks, simulator."""
