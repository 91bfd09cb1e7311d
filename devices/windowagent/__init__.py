"""The window agent (窗口代理): one process at each window that connects the window's call pad,
evaluation pad and ticket printer to the queue server with the window's enrolled key.

``python -m devices window-agent --config FILE``; see ``config/window-agent.example.toml``."""
