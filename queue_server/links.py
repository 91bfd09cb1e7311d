"""The one source of the hall's public links: every URL a QR code, a slip, a receipt, a
certificate's PDF or a phone page shows is built here, from the hall's public address
(``public.url`` in ``config/hall.yaml``; absent, the server's own ``serve --http``). Clients
print the URL they are given (``page_url``, ``progress_url``, ``verification_url``) and never
assemble one, so a hall that moves behind a new address changes one line of its
configuration.

The paths are the phone pages' (``queue_server/web/phone``), which a test matches against
the app's routes, so a link can never point at a page that is not there.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlencode

DEFAULT_PUBLIC_URL = "http://127.0.0.1:8080"
#: The phone pages live under this prefix: short enough for a small QR code, and kept apart
#: from the staff pages (``/console`` …) and the REST API (``/api/v1``).
PHONE_PREFIX = "/m"


def _seg(value: str) -> str:
    return quote(value, safe="")


@dataclass(frozen=True, slots=True)
class PublicLinks:
    """The hall's public URLs. ``base`` is the address phones open; ``live`` where their
    live updates stream from (the phone fan-out, ``queue_server/live``)."""

    base: str = DEFAULT_PUBLIC_URL
    live: str | None = None

    @classmethod
    def configured(cls, url: str | None, live_url: str | None, serve_url: str | None) -> PublicLinks:
        base = (url or serve_url or DEFAULT_PUBLIC_URL).rstrip("/")
        return cls(base, live_url.rstrip("/") if live_url else None)

    def _url(self, path: str, **query: str) -> str:
        q = urlencode(query) if query else ""
        return f"{self.base}{PHONE_PREFIX}{path}" + (f"?{q}" if q else "")

    # ------------------------------------------------------------------ pages
    def home(self) -> str:
        return self._url("/")

    def ticket(self, ticket_id: str, token: str) -> str:
        """The ticket's live page: the slip's QR code."""
        return self._url(f"/ticket/{_seg(ticket_id)}", token=token)

    def ticket_stream(self, ticket_id: str, token: str) -> str | None:
        """The ticket page's live updates (``queue_server/live``); None: none are served."""
        if self.live is None:
            return None
        return f"{self.live}/live/ticket/{_seg(ticket_id)}?" + urlencode({"token": token})

    def rate_ticket(self, ticket_id: str, token: str) -> str:
        """Rating a window's service from the slip (好差评)."""
        return self._url(f"/rate/{_seg(ticket_id)}", token=token)

    def case(self, case_id: str, check_code: str) -> str:
        """A case's progress: the acceptance receipt's QR code."""
        return self._url(f"/case/{_seg(case_id)}", code=check_code)

    def certificate(self, number: str, code: str) -> str:
        """A certificate's check: its PDF's QR code and printed line."""
        return self._url(f"/certificate/{_seg(number)}", code=code)

    def booking(self, code: str) -> str:
        """An appointment's page: its code, its QR (which the kiosk's scanner checks in) and
        cancelling (with the ID number it was booked with)."""
        return self._url(f"/booking/{_seg(code)}")

    def complaint(self, complaint_id: str, code: str) -> str:
        """Following a complaint's answer."""
        return self._url(f"/complaint/{_seg(complaint_id)}", code=code)

    def guide(self, item_code: str) -> str:
        return self._url(f"/guides/{_seg(item_code)}")
