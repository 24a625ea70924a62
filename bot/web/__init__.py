"""`replybot serve`: the approval queue as a small server-rendered web page, for a phone.

It calls the same use cases as the CLI (`bot.usecases.queue`); this package only renders,
authenticates and checks forms.
"""
