"""URL patterns of the persons area."""

from django.urls import path

from casework.views import (
    break_glass,
    exports,
    person_actions,
    person_tasks,
    persons,
    places_proceedings,
)

urlpatterns: list = [
    path("", persons.person_list, name="person_list"),
    path("new/", persons.person_new, name="person_new"),
    path("export/", exports.person_export, name="person_export"),
    path("export/hxl/", exports.person_export_hxl, name="person_export_hxl"),
    path("bulk/", person_actions.person_bulk, name="person_bulk"),
    path("<uuid:public_id>/", persons.person_detail, name="person_detail"),
    path("<uuid:public_id>/edit/", persons.person_edit, name="person_edit"),
    path("<uuid:public_id>/status/", person_actions.person_status, name="person_status"),
    path("<uuid:public_id>/assign/", person_actions.person_assign_view, name="person_assign"),
    path(
        "<uuid:public_id>/placements/new/",
        person_actions.person_placement,
        name="person_placement_new",
    ),
    path(
        "<uuid:public_id>/relatives/new/",
        person_actions.person_relative,
        name="person_relative_new",
    ),
    path("<uuid:public_id>/notes/new/", person_actions.person_note, name="person_note_new"),
    path("<uuid:public_id>/tasks/new/", person_tasks.task_new, name="person_task_new"),
    path(
        "<uuid:public_id>/tasks/<uuid:task_id>/done/",
        person_tasks.task_done,
        name="person_task_done",
    ),
    path(
        "<uuid:public_id>/tasks/<uuid:task_id>/reopen/",
        person_tasks.task_reopen_view,
        name="person_task_reopen",
    ),
    path("<uuid:public_id>/names/new/", person_actions.person_name, name="person_name_new"),
    path(
        "<uuid:public_id>/proceedings/new/",
        places_proceedings.proceeding_new,
        name="person_proceeding_new",
    ),
    path(
        "<uuid:public_id>/proceedings/<uuid:proceeding_id>/edit/",
        places_proceedings.proceeding_edit,
        name="person_proceeding_edit",
    ),
    path("<uuid:public_id>/share/", person_actions.person_share_view, name="person_share"),
    path("<uuid:public_id>/break-glass/", break_glass.break_glass, name="person_break_glass"),
]
