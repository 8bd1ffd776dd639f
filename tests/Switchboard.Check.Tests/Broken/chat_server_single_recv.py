# Broken: assumes a frame arrives whole with its header. Caught by chat.server.frame-in-pieces.
from chat_server_base import serve
serve(single_recv=True)
