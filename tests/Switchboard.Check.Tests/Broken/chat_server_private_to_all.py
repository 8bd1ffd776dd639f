# Broken: a private message goes to every participant. Caught by chat.server.private-not-to-others.
from chat_server_base import serve
serve(private_to_all=True)
