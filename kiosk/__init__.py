"""Touchscreen kiosk (Kivy): take a number, ID card sign-in, appointments, guides,
self-service applications, progress, certificate self-print. Arrives with its own issue."""
