from django import template

from console import screen

register = template.Library()


@register.filter
def step_timer(case):
    """The running timer of the step the case waits for (console.screen.step_timer)."""
    return screen.step_timer(case)
