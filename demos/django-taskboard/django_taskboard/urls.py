from django.urls import path, re_path

from django_taskboard import views

urlpatterns = [
    path("", views.board_page, name="board"),
    path("tasks/new", views.new_task, name="new-task"),
    path("tasks/<str:task_id>", views.task_page, name="task"),
    path("tasks/<str:task_id>/move", views.move_task, name="move-task"),
    path("tasks/<str:task_id>/delete", views.delete_task, name="delete-task"),
    path("api/board", views.api_board),
    path("api/counters", views.api_counters),
    path("api/events", views.api_events),
    path("api/tasks", views.api_tasks),
    path("api/tasks/<str:task_id>", views.api_task),
    path("api/tasks/<str:task_id>/move", views.api_move),
    re_path(r"^static/(?P<path>.+)$", views.static),
]

handler400 = "django_taskboard.views.bad_request"
handler404 = "django_taskboard.views.not_found"
