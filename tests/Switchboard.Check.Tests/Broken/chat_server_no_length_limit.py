# Broken: messages over 1,000 characters are broadcast. Caught by chat.server.message-over-1000-not-broadcast.
from chat_server_base import serve
serve(no_length_limit=True)
