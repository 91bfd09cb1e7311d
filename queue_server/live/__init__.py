"""The phones' live updates: one asynchronous server that fans the hall's changes out to
every open ticket page (server-sent events), beside the WSGI server.

Why not waitress: a waitress stream holds one of its threads for as long as the page is
open, and a full hall has hundreds of phones on ticket pages (a slip's QR code each) where
it has tens of consoles. Here an open page costs a socket and a small object in one
asyncio loop (``bench/web.py`` measures the memory per page), and a change of the hall
costs one ``ticket.watch`` request for all open pages together, not one refetch per page:

- ``fanout.PhoneFanout``: the loop's thread; one subscription to the hall's event feed; on a
  change it asks the hall for the facts of every watched ticket at once and writes an event
  to the pages whose ticket changed (a call at the head of a line changes them all).
- ``request.parse_head``: the few bytes of HTTP it needs (a GET and its headers), fed
  bytes and separate from the socket, so bad input is tested without one.

The ticket page (``web/phone/ticket.py``) is served by Flask as every page is; only its
event stream comes from here, on its own port (``serve --phone-http``; a reverse proxy may
put it under the public address, ``public.live_url``).
"""
