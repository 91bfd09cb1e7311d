"""The wire shared by kiosks, displays, device bridges and the queue server (version 1).

- :mod:`protocol.messages`: envelopes, error codes, encode/decode (see README.md here).
- :mod:`protocol.client`: :class:`HallClient`, the "Lazy Pirate" request client.
- :mod:`protocol.subscriber`: :class:`CloneSubscriber`, the "Clone" pattern for live state.
- :mod:`protocol.keys`: CURVE key pairs and client socket set-up.
"""

from protocol.client import HallClient, PendingRequest, RefusedHere, RequestFailed, ServerUnavailable
from protocol.keys import (
    CurveClientKeys,
    KeyPairPaths,
    apply_client,
    apply_server,
    generate_keypair,
    load_public_key,
    load_secret_keypair,
)
from protocol.messages import (
    HEARTBEAT,
    MAX_REQUEST_BYTES,
    PROTOCOL_VERSION,
    SNAPSHOT_TYPE,
    STANDARD_MESSAGES,
    ErrorCode,
    ErrorInfo,
    Event,
    ProtocolError,
    Reply,
    Request,
    Snapshot,
    decode_event,
    decode_reply,
    decode_request,
    decode_snapshot,
    encode_event,
    encode_reply_error,
    encode_reply_ok,
    encode_request,
    hall_topic,
    make_event,
    make_heartbeat,
    new_key,
    now_iso,
)
from protocol.subscriber import CloneSubscriber

__all__ = [
    "HEARTBEAT",
    "MAX_REQUEST_BYTES",
    "PROTOCOL_VERSION",
    "SNAPSHOT_TYPE",
    "STANDARD_MESSAGES",
    "CloneSubscriber",
    "CurveClientKeys",
    "ErrorCode",
    "ErrorInfo",
    "Event",
    "HallClient",
    "KeyPairPaths",
    "PendingRequest",
    "ProtocolError",
    "RefusedHere",
    "Reply",
    "Request",
    "RequestFailed",
    "ServerUnavailable",
    "Snapshot",
    "apply_client",
    "apply_server",
    "decode_event",
    "decode_reply",
    "decode_request",
    "decode_snapshot",
    "encode_event",
    "encode_reply_error",
    "encode_reply_ok",
    "encode_request",
    "generate_keypair",
    "hall_topic",
    "load_public_key",
    "load_secret_keypair",
    "make_event",
    "make_heartbeat",
    "new_key",
    "now_iso",
]
