# Broken: reads each payload with a single recv(1024). Caught by echo.server.1b-medium-message / 1c-long-message.
from echo_server_base import serve
serve(single_recv=True)
