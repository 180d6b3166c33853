"""The LINE intake of "ESS Help Me": webhook, durable inbox, the conversation, the outbox, photos.

Inbound: `views.webhook` checks the signature and stores each event in `LineEvent` (the inbox), then
answers 200. `python manage.py worker` processes the inbox per reporter in timestamp order
(`inbox`), runs the conversation (`conversation`), fetches photos (`media`) and sends what the
conversation and operators queued (`outbox`). Every call to LINE is in `client`.
"""
