# Broken: strips 10 bytes instead of 10 characters. Caught by echo.server.characters-not-bytes.
from echo_server_base import serve
serve(slice_bytes=True)
