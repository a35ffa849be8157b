from django.urls import path

from messages.views import campaign, drafts, history, preview_rows, sends

app_name = "messages"

urlpatterns = [
    path("drafts/", drafts.draft_list, name="draft-list"),
    path("drafts/new/", drafts.draft_new, name="draft-new"),
    path("drafts/validate/", drafts.draft_validate, name="draft-validate"),
    path("drafts/preview-row/", preview_rows.draft_preview_row, name="draft-preview-row"),
    path("drafts/<int:pk>/", drafts.draft_edit, name="draft-edit"),
    path("drafts/<int:pk>/duplicate/", drafts.draft_duplicate, name="draft-duplicate"),
    path("drafts/<int:pk>/delete/", drafts.draft_delete, name="draft-delete"),
    path("drafts/<int:pk>/send/", sends.send_start, name="send-start"),
    path("drafts/<int:pk>/send-test/", sends.send_test_view, name="send-test"),
    path("sends/", sends.send_list, name="send-list"),
    path("sends/scheduled/", campaign.send_scheduled, name="send-scheduled"),
    path("sends/confirm/<uuid:pk>/", sends.send_confirm, name="send-confirm"),
    path("sends/confirm/<uuid:pk>/plan/", sends.send_plan_part, name="send-plan"),
    path("sends/<int:pk>/", sends.send_detail, name="send-detail"),
    path("sends/<int:pk>/progress/", sends.send_progress_view, name="send-progress"),
    path("sends/<int:pk>/cancel/", sends.send_cancel_view, name="send-cancel"),
    path("sends/<int:pk>/approve/", campaign.send_approve_view, name="send-approve"),
    path("sends/<int:pk>/reject/", campaign.send_reject_view, name="send-reject"),
    path("sends/<int:pk>/pause/", campaign.send_pause_view, name="send-pause"),
    path("sends/<int:pk>/resume/", campaign.send_resume_view, name="send-resume"),
    path("sends/<int:pk>/reschedule/", campaign.send_reschedule_view, name="send-reschedule"),
    path("sends/<int:pk>/retry-failed/", campaign.send_retry_failed_view, name="send-retry-failed"),
    path("sends/<int:pk>/refused.csv", sends.send_refused, name="send-refused"),
    path("history/", history.delivery_list, name="delivery-list"),
    path("history/export.csv", history.delivery_export, name="delivery-export"),
    path("history/<int:pk>/", history.delivery_detail, name="delivery-detail"),
]
