# Broken: indexes the header without checking it arrived; a server that closes early gets a Python traceback.
# Caught by files.client.closed-before-header.
from files_client_base import download
download(crash_on_close=True)
