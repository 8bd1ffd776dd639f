# Broken: a client that resets its connection kills the server. Caught by echo.server.client-resets.
from echo_server_base import serve
serve(crash_on_reset=True)
