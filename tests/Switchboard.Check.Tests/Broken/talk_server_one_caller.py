# Broken: exits after its first caller hangs up instead of waiting for the next. Caught by talk.server.next-caller.
from talk_server_base import serve
serve(one_caller=True)
