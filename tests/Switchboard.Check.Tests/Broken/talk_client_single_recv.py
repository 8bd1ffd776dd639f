# Broken: reads each answer with one recv(1024). Caught by talk.client.long-answer.
from talk_client_base import talk
talk(single_recv=True)
