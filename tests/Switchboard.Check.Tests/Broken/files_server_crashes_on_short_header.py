# Broken: one recv(5) assumed to hold the whole header; a short one kills the server with a traceback.
# Caught by files.server.short-header (nothing answers afterwards).
from files_server_base import serve
serve(single_recv_header=True)
