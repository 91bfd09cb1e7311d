"""Tickets, notices and receipts on ESC/POS printers; certificates on A4; printer simulator."""
