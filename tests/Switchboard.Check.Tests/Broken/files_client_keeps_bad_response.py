# Broken: reports a bad header but writes the file anyway (as the handout's checkFileResponse does).
# Caught by files.client.bad-magic (and the other malformed-header cases).
from files_client_base import download
download(keep_bad_response=True)
