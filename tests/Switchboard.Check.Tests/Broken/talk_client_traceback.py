# Broken: no handling of network errors: a reset connection ends it with a Python traceback.
# Caught by talk.client.connection-reset.
from talk_client_base import talk
talk(crash_on_error=True)
