# Broken: announces the right DataLength but sends only the first 4096 bytes. Caught by files.server.large-file.
from files_server_base import serve
serve(truncate_at=4096)
