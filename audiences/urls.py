from django.urls import path

from audiences.views import audiences, suppressions

app_name = "audiences"

urlpatterns = [
    path("audiences/", audiences.audience_list, name="list"),
    path("audiences/new/", audiences.audience_new, name="new"),
    path("audiences/<int:pk>/", audiences.audience_detail, name="detail"),
    path("audiences/<int:pk>/refused.csv", audiences.audience_refused, name="refused"),
    path("audiences/<int:pk>/rename/", audiences.audience_rename_view, name="rename"),
    path("audiences/<int:pk>/delete/", audiences.audience_delete_view, name="delete"),
    path("suppressions/", suppressions.suppression_list, name="suppression-list"),
    path("suppressions/new/", suppressions.suppression_new, name="suppression-new"),
    path("suppressions/import/", suppressions.suppression_import_view, name="suppression-import"),
    path("suppressions/export.csv", suppressions.suppression_export, name="suppression-export"),
    path("suppressions/changes/", suppressions.suppression_changes, name="suppression-changes"),
    path("suppressions/<int:pk>/remove/", suppressions.suppression_remove_view, name="suppression-remove"),
]
