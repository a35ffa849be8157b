from django.urls import path

from senders import views

app_name = "senders"

urlpatterns = [
    path("", views.sender_list, name="list"),
    path("register/<str:network>/", views.register, name="register"),
    path("import/", views.import_senders, name="import"),
    path("<int:pk>/", views.sender_detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/rules/", views.rules, name="rules"),
    path("<int:pk>/reregister/", views.reregister, name="reregister"),
    path("<int:pk>/delete/", views.delete, name="delete"),
]
