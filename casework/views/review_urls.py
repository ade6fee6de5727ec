"""URL patterns of the review area."""

from django.urls import path

from casework.views import review

urlpatterns = [
    path("", review.review_queue, name="review_queue"),
    path("find-duplicates/", review.review_find_duplicates, name="review_find_duplicates"),
    path("<uuid:public_id>/", review.review_suggestion, name="review_suggestion"),
    path("merge/<uuid:survivor>/<uuid:absorbed>/", review.review_merge, name="review_merge"),
    path("merges/<uuid:public_id>/", review.review_merge_detail, name="review_merge_detail"),
    path("merges/<uuid:public_id>/undo/", review.review_unmerge, name="review_unmerge"),
]
