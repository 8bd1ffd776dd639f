# Broken: sends every typed line at once instead of waiting for each answer. Caught by talk.client.lock-step.
from talk_client_base import talk
talk(no_lock_step=True)
