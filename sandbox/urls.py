from django.urls import path, re_path

from sandbox import views

app_name = "sandbox"

urlpatterns = [
    path("v2/token", views.token, name="token"),
    path("ott/v1/send", views.send, name="send"),
    path("ott/v1/send/<str:message_id>", views.send_status, name="send-status"),
    path("ott/v1/registration", views.registration, name="registration"),
    path("ott/v1/registration/<str:platform>", views.registration_list, name="registration-list"),
    re_path(r"^(?P<rest>.*)$", views.not_found, name="not-found"),
]
