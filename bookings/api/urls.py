from django.urls import path

from . import views

app_name = "bookings-api"

urlpatterns = [
    path("suppliers/", views.SupplierListView.as_view(), name="suppliers"),
    path(
        "suppliers/<slug:slug>/services/", views.ServiceListView.as_view(), name="supplier-services"
    ),
    path("services/<int:service_id>/slots/", views.SlotListView.as_view(), name="service-slots"),
    path("bookings/", views.BookingListCreateView.as_view(), name="bookings"),
    path("bookings/<int:pk>/", views.BookingDetailView.as_view(), name="booking"),
    path("bookings/<int:pk>/cancel/", views.BookingCancelView.as_view(), name="booking-cancel"),
    path(
        "bookings/<int:pk>/reschedule/",
        views.BookingRescheduleView.as_view(),
        name="booking-reschedule",
    ),
]
