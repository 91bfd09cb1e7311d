"""``python -m devices window-agent --config FILE``: run the window agent until SIGTERM/SIGINT."""

from __future__ import annotations

import argparse
import logging
import signal
import sys

from devices.config import ConfigError


def run(args: argparse.Namespace) -> int:
    # Imported here: the printer part is heavy, and the other commands do not need it.
    from devices.windowagent.agent import WindowAgent
    from devices.windowagent.config import load_agent_config

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    try:
        agent = WindowAgent(load_agent_config(args.config))
    except (ConfigError, OSError) as exc:
        print(f"窗口代理无法启动 / window agent cannot start: {exc}", file=sys.stderr)
        return 2
    # A clean stop: pads answer no more keys, kept print jobs stay on disk for the next start.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: agent.stop())
    agent.start()
    print(f"窗口代理已启动 / window agent running for window {agent.window}", file=sys.stderr, flush=True)
    agent.wait()
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("window-agent", help="窗口代理 / connect a window's pads and printer to the server")
    p.add_argument("--config", required=True, help="the window's agent file (TOML)")
    p.set_defaults(func=run)
