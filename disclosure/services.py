"""Receiving a request: the register's new row and its first event, the creation
transition of disclosure.workflow, which takes every later step too."""

from core.workflow import perform_create

from .models import Do, Request


def receive(actor, data, *, now):
    """Register a request received at data["received_at"] (not after `now`), through
    data["channel"], asking data["description"]; the requester is optional. The handler
    is data["handler"] or the actor. The request's creation transition
    (disclosure.workflow.apply_receive), which writes its first event."""
    return perform_create(actor, Request, Do.RECEIVE, now=now, fields=data)
