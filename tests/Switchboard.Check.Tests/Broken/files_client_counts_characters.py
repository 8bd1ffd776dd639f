# Broken: FilenameLen is the name's character count (the handout's own bug). Caught by files.client.utf8-name.
from files_client_base import download
download(count_characters=True)
