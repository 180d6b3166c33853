from django import template

from console import screen

register = template.Library()


@register.filter
def step_timer(case):
    """The running timer of the step the case waits for (console.screen.step_timer)."""
    return screen.step_timer(case)


@register.filter
def case_place(case):
    """District, province and pin of a case, without separators for missing parts."""
    return screen.case_place(case)


@register.filter
def message_place(message):
    """A location message's address and pin, without separators for missing parts."""
    return screen.message_place(message)
