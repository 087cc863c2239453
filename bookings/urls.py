from django.urls import path

from . import feed_views, views

app_name = "bookings"

urlpatterns = [
    path("", views.home, name="home"),
    path("s/<slug:slug>/", views.supplier_detail, name="supplier"),
    path("s/<slug:slug>/<int:service_id>/", views.service_detail, name="service"),
    path("book/<int:service_id>/confirm/", views.booking_confirm, name="confirm"),
    path("my/bookings/", views.my_bookings, name="my_bookings"),
    path("my/bookings/<str:reference>/", views.booking_detail, name="booking_detail"),
    path("my/bookings/<str:reference>/calendar.ics", views.booking_ics_download, name="ics"),
    path("my/bookings/<str:reference>/cancel/", views.booking_cancel, name="cancel"),
    path("my/bookings/<str:reference>/reschedule/", views.booking_reschedule, name="reschedule"),
    path("calendar/feed/<str:token>.ics", feed_views.calendar_feed, name="calendar_feed"),
]
