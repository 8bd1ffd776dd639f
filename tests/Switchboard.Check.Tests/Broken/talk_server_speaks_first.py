# Broken: sends its user's first line as soon as a caller connects, before the caller has spoken.
# Caught by talk.server.waits-for-caller.
from talk_server_base import serve
serve(speaks_first=True)
