"""Servers that phonghop is compared with (``python -m load_tests compare``): a peer built
the way a Python developer would otherwise build it (python-socketio + Redis) and a floor
(a bare `websockets` server broadcasting what a Redis subscriber hears), the process that
publishes to both through Redis, and the harness that starts them and connects to them."""
