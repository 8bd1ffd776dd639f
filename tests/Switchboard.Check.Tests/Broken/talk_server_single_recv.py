# Broken: reads each line with one recv(1024). Caught by talk.server.long-line.
from talk_server_base import serve
serve(single_recv=True)
