"""Refusals: expected outcomes a person is told about in one sentence (not bugs)."""


class Refusal(Exception):
    """Something the bot declines to do; the message, in Chinese, says why and what to do instead."""


class PermissionDenied(Refusal):
    """The person may not do this; the message says who may."""


class NotFound(Refusal):
    """Something named does not exist; the message says what."""


class Conflict(Refusal):
    """The change clashes with what exists (or the request is malformed); the message says how."""
