# Broken: no socket timeout; a server that stops sending mid-file hangs it forever. Caught by files.client.stalled-transfer.
from files_client_base import download
download(no_timeout=True)
