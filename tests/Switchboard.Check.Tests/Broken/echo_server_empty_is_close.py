# Broken: an empty message (payload_length 0) is taken for a disconnect. Caught by echo.server.empty-message.
from echo_server_base import serve
serve(empty_is_close=True)
