"""Window screens, the hall board and voice calling (Kivy). Arrives with its own issue."""
