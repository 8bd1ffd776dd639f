# Broken: does not notice the server closing and waits for more typing. Caught by talk.client.server-hangs-up.
from talk_client_base import talk
talk(ignores_close=True)
