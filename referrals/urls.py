from django.urls import path

from referrals import views

app_name = "referrals"
urlpatterns = [
    path("", views.referral_list, name="list"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/tasks/", views.add_task, name="add_task"),
    path("<int:pk>/close/", views.close, name="close"),
    path("tasks/<int:pk>/done/", views.complete_task, name="complete_task"),
    path("cases/<int:pk>/flags/", views.set_flags, name="set_flags"),
    path("cases/<int:pk>/refer/", views.refer, name="refer"),
]
