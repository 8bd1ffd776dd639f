# Broken: the handout's request check (`or`) accepts any MagicNo and Type. Caught by files.server.bad-magic / bad-type.
from files_server_base import serve
serve(ignore_magic=True)
