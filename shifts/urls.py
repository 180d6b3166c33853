from django.urls import path

from shifts import views

app_name = "shifts"
urlpatterns = [
    path("handover/", views.handover, name="handover"),
    path("handover/<int:pk>/", views.handover_detail, name="handover_detail"),
    path("handover/<int:pk>/acknowledge/", views.acknowledge, name="acknowledge"),
    path("roster/", views.roster, name="roster"),
]
