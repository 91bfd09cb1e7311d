"""The one interface every printer connection offers."""

from __future__ import annotations

from abc import ABC, abstractmethod
from types import TracebackType


class TransportError(OSError):
    """The connection failed (cannot open, write failed, device gone)."""


class Transport(ABC):
    """A byte pipe to a printer.

    ``bidirectional`` is False where replies cannot come back (a CUPS queue): status is then
    unknown and the spooler cannot confirm a job. ``bytes_per_second`` is the line's speed where
    it is the bottleneck (a serial port), for time-outs that grow with the job.
    """

    bidirectional: bool = True
    bytes_per_second: float | None = None

    def __enter__(self) -> Transport:
        self.open()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    @abstractmethod
    def open(self) -> None: ...

    @abstractmethod
    def close(self) -> None: ...

    @abstractmethod
    def write(self, data: bytes) -> None:
        """Send all of ``data`` or raise :class:`TransportError`."""

    @abstractmethod
    def read(self, size: int, timeout: float) -> bytes:
        """Up to ``size`` bytes: returns as soon as any arrive, or ``b""`` after ``timeout`` s."""

    def end_job(self, title: str = "") -> None:  # noqa: B027 - optional hook, a no-op for streams
        """Mark the end of one print job (a spooling transport submits it here)."""

    @property
    def description(self) -> str:
        return type(self).__name__
