from django.urls import path

from console import dispatch_views

app_name = "dispatch"
urlpatterns = [
    path("cases/<int:pk>/dispatch/", dispatch_views.panel, name="panel"),
    path("cases/<int:pk>/dispatch/assign/", dispatch_views.assign, name="assign"),
    path("assignments/<int:pk>/cancel/", dispatch_views.cancel, name="cancel"),
    path("assignments/<int:pk>/reassign/", dispatch_views.reassign, name="reassign"),
    path("assignments/<int:pk>/step/<slug:to_status>/", dispatch_views.step, name="step"),
]
